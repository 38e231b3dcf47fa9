"""Upload profiles: the unit of policy. Each names its size limit, types, key prefix, ACLs,
backend, expiry, multipart threshold, permissions, throttle scope, quota, and whether complete
checks the type from the content.

``S3_FILE_UPLOADS["PROFILES"]`` declares them; the ``default`` profile is built from the flat
settings (``MAX_FILE_UPLOAD_SIZE``, ``ALLOWED_CONTENT_TYPES``, ``KEY_PREFIX``, ``CHECK_CONTENT``,
...), so a project without profiles changes nothing, and a ``default`` entry overrides only what
it names. Every other profile starts from the default too. Profiles are built once per settings
change.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver

from .conf import app_setting, default_backend_name, max_upload_size
from .contract import PRIVATE
from .media_types import essence

DEFAULT_PROFILE = "default"
#: The keys a profile may set, with the flat setting each one defaults to.
PROFILE_KEYS = (
    "MAX_SIZE",
    "CONTENT_TYPES",
    "KEY_PREFIX",
    "ACLS",
    "DEFAULT_ACL",
    "BACKEND",
    "UPLOAD_EXPIRY",
    "MULTIPART_THRESHOLD",
    "PERMISSION_CLASSES",
    "THROTTLE_SCOPE",
    "QUOTA",
    "CHECK_CONTENT",
)
QUOTA_KEYS = ("BYTES", "OPEN_UPLOADS")


@dataclass(frozen=True)
class Quota:
    """Per user: bytes stored (completed sizes plus declared sizes of open uploads) and uploads
    open at once. ``None`` means no limit."""

    bytes: int | None = None
    open_uploads: int | None = None

    def __bool__(self) -> bool:
        return self.bytes is not None or self.open_uploads is not None


@dataclass(frozen=True)
class Profile:
    """One kind of upload and every rule it is held to."""

    name: str
    max_size: int | None
    content_types: tuple[str, ...]
    key_prefix: str
    acls: tuple[str, ...]
    default_acl: str
    backend: str
    upload_expiry: int
    multipart_threshold: int
    #: Dotted paths (or classes) of DRF permission classes checked for this profile at create,
    #: after the create endpoint's own.
    permission_classes: tuple[Any, ...] = ()
    #: A DRF throttle scope for creates of this profile, off until it has a rate.
    throttle_scope: str | None = None
    quota: Quota = field(default_factory=Quota)
    #: Complete reads the object's first bytes and refuses content that contradicts the declared
    #: type (s3_file_uploads.content_rules); on unless turned off.
    check_content: bool = True

    def accepts_type(self, content_type: str) -> bool:
        """Whether one of ``content_types`` (patterns such as ``image/*``) admits the type."""
        media_type = essence(content_type)
        return any(fnmatchcase(media_type, pattern.lower()) for pattern in self.content_types)


class ProfileConfigurationError(ValueError):
    """A profile's settings are wrong; the message names the profile and the key."""


_lock = threading.Lock()
_profiles: dict[str, Profile] | None = None


def profiles() -> dict[str, Profile]:
    """Every profile by name, ``default`` first; built once per settings change.

    Raises ProfileConfigurationError for a profile that cannot be built (the system checks
    report it first, with a hint).
    """
    global _profiles
    built = _profiles
    if built is None:
        with _lock:
            if _profiles is None:
                _profiles = _build_profiles()
            built = _profiles
    return built


def get_profile(name: str | None) -> Profile | None:
    """The named profile (the default for ``None`` or ``""``), or None when there is none."""
    return profiles().get(name or DEFAULT_PROFILE)


def _build_profiles() -> dict[str, Profile]:
    declared: Mapping[str, Mapping[str, Any]] = app_setting("PROFILES") or {}
    base = _default_profile(declared.get(DEFAULT_PROFILE, {}))
    built = {DEFAULT_PROFILE: base}
    for name, options in declared.items():
        if name != DEFAULT_PROFILE:
            built[name] = _profile(name, options, base)
    return built


def _default_profile(options: Mapping[str, Any]) -> Profile:
    flat = Profile(
        name=DEFAULT_PROFILE,
        max_size=max_upload_size(),
        content_types=tuple(app_setting("ALLOWED_CONTENT_TYPES")),
        key_prefix=app_setting("KEY_PREFIX"),
        acls=tuple(app_setting("ALLOWED_ACLS")),
        default_acl=PRIVATE,
        backend=default_backend_name(),
        upload_expiry=app_setting("UPLOAD_EXPIRY"),
        multipart_threshold=app_setting("MULTIPART_THRESHOLD"),
        check_content=app_setting("CHECK_CONTENT"),
    )
    return _profile(DEFAULT_PROFILE, options, flat)


def _profile(name: str, options: Mapping[str, Any], base: Profile) -> Profile:
    if not isinstance(options, Mapping):
        raise ProfileConfigurationError(f"Profile '{name}' must be a dict of settings.")
    unknown = sorted(set(options) - set(PROFILE_KEYS))
    if unknown:
        raise ProfileConfigurationError(
            f"Profile '{name}' has unknown keys: {', '.join(unknown)}; "
            f"a profile takes {', '.join(PROFILE_KEYS)}."
        )
    quota = options.get("QUOTA", {}) or {}
    if not isinstance(quota, Mapping) or set(quota) - set(QUOTA_KEYS):
        raise ProfileConfigurationError(
            f"Profile '{name}' QUOTA must be a dict with {' and/or '.join(QUOTA_KEYS)}."
        )
    check_content = options.get("CHECK_CONTENT", base.check_content)
    if not isinstance(check_content, bool):
        raise ProfileConfigurationError(
            f"Profile '{name}' CHECK_CONTENT must be True or False, not {check_content!r}."
        )
    acls = tuple(options.get("ACLS", base.acls))
    default_acl = options.get("DEFAULT_ACL", acls[0] if "ACLS" in options else base.default_acl)
    return Profile(
        name=name,
        max_size=options.get("MAX_SIZE", base.max_size),
        content_types=tuple(options.get("CONTENT_TYPES", base.content_types)),
        key_prefix=options.get("KEY_PREFIX", base.key_prefix),
        acls=acls,
        default_acl=default_acl,
        backend=options.get("BACKEND", base.backend),
        upload_expiry=options.get("UPLOAD_EXPIRY", base.upload_expiry),
        multipart_threshold=options.get("MULTIPART_THRESHOLD", base.multipart_threshold),
        permission_classes=tuple(options.get("PERMISSION_CLASSES", base.permission_classes)),
        throttle_scope=options.get("THROTTLE_SCOPE", base.throttle_scope),
        quota=Quota(quota.get("BYTES"), quota.get("OPEN_UPLOADS")) if quota else base.quota,
        check_content=check_content,
    )


def reset_profiles() -> None:
    global _profiles
    with _lock:
        _profiles = None


@receiver(setting_changed)
def _forget_on_settings_change(*, setting: str, **kwargs: object) -> None:
    if setting in {"S3_FILE_UPLOADS", "STORAGE_BACKEND", "MAX_FILE_UPLOAD_SIZE"}:
        reset_profiles()
