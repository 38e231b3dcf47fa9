"""Who may use the endpoints: the uploading user, or anyone when anonymous uploads are on."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.utils.module_loading import import_string
from rest_framework.permissions import BasePermission

from .conf import app_setting


class UploadPermission(BasePermission):
    """Authenticated users always; anonymous ones only with ``ALLOW_ANONYMOUS``."""

    message = (
        "Log in to upload files: anonymous uploads are off "
        "(S3_FILE_UPLOADS['ALLOW_ANONYMOUS'] turns them on)."
    )

    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated) or app_setting(
            "ALLOW_ANONYMOUS"
        )


def permission_classes() -> list[type[BasePermission]]:
    """The classes named by ``S3_FILE_UPLOADS["PERMISSION_CLASSES"]``."""
    return [_import(path) for path in app_setting("PERMISSION_CLASSES")]


@cache
def _import(path: str) -> Any:
    return import_string(path) if isinstance(path, str) else path
