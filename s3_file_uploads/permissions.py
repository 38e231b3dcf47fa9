"""Who may use the endpoints: the uploading user, or anyone when anonymous uploads are on."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.utils.module_loading import import_string
from rest_framework.permissions import BasePermission

from .conf import DEFAULTS, app_setting

DEFAULT_CLASSES = DEFAULTS["PERMISSION_CLASSES"]


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


ENDPOINTS = ("create", "list", "complete", "fetch", "delete", "parts", "abort")


def permission_classes(endpoint: str = "") -> list[type[BasePermission]]:
    """The classes ``S3_FILE_UPLOADS["PERMISSION_CLASSES"]`` names for ``endpoint``.

    The setting is a list for every endpoint, or a dict by endpoint name (see ``ENDPOINTS``)
    with ``"default"`` for the rest.
    """
    configured = app_setting("PERMISSION_CLASSES")
    if isinstance(configured, dict):
        configured = configured.get(endpoint, configured.get("default", DEFAULT_CLASSES))
    return [_import(path) for path in configured]


def may_use(profile: Any, request: Any, view: Any) -> bool:
    """Whether every permission class of ``profile`` lets ``request`` create uploads in it."""
    if request is None or not profile.permission_classes:
        return True
    return all(_import(path)().has_permission(request, view) for path in profile.permission_classes)


def import_permission(path: Any) -> Any:
    """The permission class a dotted path names (a class passes through); raises ImportError."""
    return _import(path)


@cache
def _import(path: str) -> Any:
    return import_string(path) if isinstance(path, str) else path
