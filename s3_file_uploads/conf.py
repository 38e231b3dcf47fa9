"""Every setting this app reads, in one place, with its default.

The seed's flat settings (``MAX_FILE_UPLOAD_SIZE``, ``AWS_BUCKET_NAME``, the ``AWS_*``
credentials) keep working; ``STORAGE_BACKEND`` names the default backend configuration and
``S3_FILE_UPLOADS`` holds the rest::

    STORAGE_BACKEND = "s3"
    S3_FILE_UPLOADS = {
        "BACKENDS": {"s3": {"BACKEND": "s3", "OPTIONS": {"bucket_name": "uploads"}}},
        "ALLOWED_ACLS": ["private"],
    "ALLOWED_CONTENT_TYPES": ["*/*"],
    }
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django import conf as django_conf
from django.conf import settings

from .media_types import INLINE_SAFE_TYPES

DEFAULT_BACKEND = "s3"
DEFAULTS: dict[str, Any] = {
    "BACKENDS": {},
    "PROFILES": {},
    "UPLOAD_EXPIRY": 300,
    "DOWNLOAD_EXPIRY": 300,
    "ALLOWED_ACLS": ["private"],
    "ALLOWED_CONTENT_TYPES": ["*/*"],
    "INLINE_CONTENT_TYPES": sorted(INLINE_SAFE_TYPES),
    "ALLOW_ANONYMOUS": False,
    "KEY_PREFIX": "uploads/",
    "PERMISSION_CLASSES": ["s3_file_uploads.permissions.UploadPermission"],
    "PLUGINS": [],
    "CORS_ORIGINS": [],
    "MULTIPART_THRESHOLD": 64 * 1024 * 1024,
    "MULTIPART_PART_SIZE": 8 * 1024 * 1024,
    "MULTIPART_CONCURRENCY": 4,
    # Off: an upload nothing in the models refers to may be in use elsewhere (an API client
    # that keeps its id), and reclaiming deletes it. See docs/operations.md.
    "RECLAIM_UNATTACHED_AFTER": None,
    # Complete checks the type from the content (docs/security.md); profiles may turn it off.
    "CHECK_CONTENT": True,
}


@dataclass(frozen=True)
class BackendConfig:
    """One named backend configuration: which backend class, with which options."""

    name: str
    backend: str
    options: dict[str, Any]


def app_setting(name: str) -> Any:
    """One key of ``S3_FILE_UPLOADS``, or its default."""
    return getattr(settings, "S3_FILE_UPLOADS", {}).get(name, DEFAULTS[name])


def setting(*names: str, default: Any = None, settings: Any = None) -> Any:
    """The first of ``names`` that is set in Django's settings, else ``default``.

    One rule for every backend: a name is set unless it is missing, ``None`` or an empty string
    (what an unset environment variable often becomes), so ``False`` and ``0`` are read. More
    names are aliases, the first preferred: ``setting("AWS_BUCKET_NAME",
    "AWS_STORAGE_BUCKET_NAME")``. ``settings`` is the object to read (the one
    ``StorageBackend.settings_defaults`` is given); Django's own by default.
    """
    source = django_conf.settings if settings is None else settings
    for name in names:
        value = getattr(source, name, None)
        if value is not None and not (isinstance(value, str) and not value):
            return value
    return default


def options_from_settings(
    names: Mapping[str, str | Sequence[str]], *, settings: Any = None
) -> dict[str, Any]:
    """Backend options read from flat settings: what ``settings_defaults`` returns.

    ``names`` maps each option to its setting's name, or to a sequence of aliases (the first
    preferred); read by :func:`setting`. An option none of whose names is set is left out, so
    the backend's own default applies and the configuration's ``OPTIONS`` may still set it.
    """
    options = {}
    for option, aliases in names.items():
        value = setting(*([aliases] if isinstance(aliases, str) else aliases), settings=settings)
        if value is not None:
            options[option] = value
    return options


def default_backend_name() -> str:
    return getattr(settings, "STORAGE_BACKEND", DEFAULT_BACKEND)


def max_upload_size() -> int | None:
    return getattr(settings, "MAX_FILE_UPLOAD_SIZE", None)


def backend_configs() -> dict[str, BackendConfig]:
    """Every named configuration, plus an implied one for a default not spelled out.

    A default name absent from ``BACKENDS`` means "that backend, configured from flat settings",
    which is how the seed's settings (no ``BACKENDS`` at all) select S3.
    """
    configs = {
        name: BackendConfig(name, conf.get("BACKEND", name), dict(conf.get("OPTIONS", {})))
        for name, conf in app_setting("BACKENDS").items()
    }
    default = default_backend_name()
    configs.setdefault(default, BackendConfig(default, default, {}))
    return configs
