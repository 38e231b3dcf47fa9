"""System checks: misconfiguration fails at start-up with the fix in its hint, not in a request."""

from __future__ import annotations

from typing import Any

from django.core import checks

from .conf import app_setting, backend_configs, max_upload_size
from .contract import ACLS
from .errors import BackendConfigurationError
from .registry import duplicate_backend_names, get_backend

TAG = "s3_file_uploads"


@checks.register(TAG)
def check_size_limit(**kwargs: Any) -> list[checks.CheckMessage]:
    limit = max_upload_size()
    if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0:
        return []
    return [
        checks.Error(
            f"MAX_FILE_UPLOAD_SIZE must be a positive number of bytes, not {limit!r}.",
            hint="Set MAX_FILE_UPLOAD_SIZE = 10 * 1024 * 1024 in your settings, for 10 MiB.",
            id="s3_file_uploads.E001",
        )
    ]


@checks.register(TAG)
def check_backends(**kwargs: Any) -> list[checks.CheckMessage]:
    """Build every configured backend once: errors become check errors, and the instances
    (with their SDK clients) are then ready before the first request."""
    messages: list[checks.CheckMessage] = []
    for name, plugins in duplicate_backend_names().items():
        messages.append(
            checks.Error(
                f"The backend name '{name}' is provided by several plugins: {', '.join(plugins)}.",
                hint="Uninstall one of them, or block one with the plugin manager.",
                id="s3_file_uploads.E002",
            )
        )
    for name in backend_configs():
        try:
            messages.extend(get_backend(name).check())
        except BackendConfigurationError as error:
            messages.append(checks.Error(str(error), hint=error.hint, id="s3_file_uploads.E003"))
    return messages


@checks.register(TAG)
def check_acls(**kwargs: Any) -> list[checks.CheckMessage]:
    unknown = [acl for acl in app_setting("ALLOWED_ACLS") if acl not in ACLS]
    if not unknown:
        return []
    return [
        checks.Error(
            f"S3_FILE_UPLOADS['ALLOWED_ACLS'] names unknown ACLs: {', '.join(unknown)}.",
            hint=f"Choose from: {', '.join(ACLS)}.",
            id="s3_file_uploads.E004",
        )
    ]
