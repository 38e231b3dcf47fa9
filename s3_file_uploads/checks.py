"""System checks: misconfiguration is reported with its fix in the hint, not in a request.

Two kinds of problem are told apart, as Django tells ``SECRET_KEY``'s strength (a deployment
check) from a wrong ``INSTALLED_APPS`` (always an error):

- **The project's own code and settings** (the size limit, ACL names, two plugins claiming one
  backend name) are the same in every environment: errors in every check run.
- **Storage** (a backend that is not installed, options it does not take, a missing bucket or
  credentials) depends on the environment: a CI step that only migrates or collects static
  files has no storage settings, and needs none. There they are warnings, printed by
  ``migrate``, ``runserver``, ``check`` and the test runner without stopping them; under
  ``manage.py check --deploy`` the same problems are errors, so a deployment gate fails on them.
  (``collectstatic`` runs only static-files checks.) A request that needs a broken backend
  still fails, with the same message.

Every id, with its meaning and fix, is listed in docs/checks.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core import checks

from .conf import app_setting, backend_configs, max_upload_size
from .content_check import INSTALL_HINT, libmagic_problem
from .contract import ACLS
from .errors import BackendConfigurationError
from .keys import MAX_NAME_BYTES, MAX_PREFIX_BYTES
from .media_types import names_a_real_type
from .permissions import import_permission
from .profiles import Profile, ProfileConfigurationError, profiles
from .registry import backend_classes, duplicate_backend_names, get_backend

TAG = "s3_file_uploads"
_TYPE_PATTERN = re.compile(r"\*/\*|[\w.+-]+/(\*|[\w.+-]+)")

#: Storage problems by kind: the number of their ``W0nn`` (every run) and ``E0nn`` (``--deploy``).
NOT_INSTALLED = 5
UNKNOWN_OPTIONS = 6
INCOMPLETE = 7


@dataclass(frozen=True)
class StorageProblem:
    """One backend configuration that cannot be built, and why."""

    number: int
    message: str
    hint: str | None


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
def check_plugins(**kwargs: Any) -> list[checks.CheckMessage]:
    return [
        checks.Error(
            f"The backend name '{name}' is provided by several plugins: {', '.join(plugins)}.",
            hint="Uninstall one of them, or block one with the plugin manager.",
            id="s3_file_uploads.E002",
        )
        for name, plugins in duplicate_backend_names().items()
    ]


@checks.register(TAG)
def check_backends(**kwargs: Any) -> list[checks.CheckMessage]:
    """Build every configured backend once: the instances (with their SDK clients) are then
    ready before the first request. A configuration that cannot be built is a warning here."""
    messages: list[checks.CheckMessage] = []
    for problem in storage_problems():
        messages.append(
            checks.Warning(problem.message, hint=problem.hint, id=f"{TAG}.W{problem.number:03}")
        )
    for name in backend_configs():
        try:
            backend = get_backend(name)
        except BackendConfigurationError:
            continue  # reported above
        messages.extend(backend.check())
    return messages


@checks.register(TAG, deploy=True)
def check_backends_for_deployment(**kwargs: Any) -> list[checks.CheckMessage]:
    """``check --deploy``: every configuration that cannot be built is an error."""
    messages: list[checks.CheckMessage] = [
        checks.Error(problem.message, hint=problem.hint, id=f"{TAG}.E{problem.number:03}")
        for problem in storage_problems()
    ]
    for config in backend_configs().values():
        if config.backend == "memory":
            messages.append(
                checks.Warning(
                    f"The backend configuration '{config.name}' keeps files in memory: they "
                    "vanish when the process ends, and each process has its own.",
                    hint="The memory backend is for tests; deploy with s3, gcs, azure or local.",
                    id="s3_file_uploads.W008",
                )
            )
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


@checks.register(TAG)
def check_key_prefix(**kwargs: Any) -> list[checks.CheckMessage]:
    """Keys must fit every cloud's 1024-byte limit and a file system's 255-byte segments."""
    problem = _prefix_problem(app_setting("KEY_PREFIX"))
    if not problem:
        return []
    return [
        checks.Error(
            f"S3_FILE_UPLOADS['KEY_PREFIX'] {problem}.",
            hint="Use a short prefix such as 'uploads/': with the random part and the file "
            "name, every key must stay within 1024 bytes.",
            id="s3_file_uploads.E009",
        )
    ]


def _prefix_problem(prefix: Any) -> str:
    if not isinstance(prefix, str):
        return f"must be text, not {prefix!r}"
    if len(prefix.encode()) > MAX_PREFIX_BYTES:
        return f"is {len(prefix.encode())} bytes of UTF-8; at most {MAX_PREFIX_BYTES} fit"
    if any(len(part.encode()) > MAX_NAME_BYTES for part in prefix.split("/")):
        return f"has a folder name over {MAX_NAME_BYTES} bytes"
    return ""


@checks.register(TAG)
def check_profiles(**kwargs: Any) -> list[checks.CheckMessage]:
    """Every profile in ``S3_FILE_UPLOADS["PROFILES"]``, each problem with the key to fix."""
    try:
        built = profiles()
    except ProfileConfigurationError as error:
        return [
            checks.Error(
                str(error),
                hint="See the Profiles page of the docs for the keys a profile takes.",
                id="s3_file_uploads.E011",
            )
        ]
    declared = app_setting("PROFILES") or {}
    return [
        message
        for profile in built.values()
        for message in _profile_problems(profile, set(declared.get(profile.name, {})))
    ]


def _profile_problems(profile: Profile, declared: set[str]) -> Iterator[checks.CheckMessage]:
    """Problems with the keys ``profile`` declares itself; inherited values are reported where
    they are set (the flat settings' own checks, or the ``default`` profile)."""
    where = f"S3_FILE_UPLOADS['PROFILES']['{profile.name}']"
    numbers = {
        "MAX_SIZE": profile.max_size,
        "UPLOAD_EXPIRY": profile.upload_expiry,
        "MULTIPART_THRESHOLD": profile.multipart_threshold,
        "QUOTA['BYTES']": profile.quota.bytes,
        "QUOTA['OPEN_UPLOADS']": profile.quota.open_uploads,
    }
    for key, value in numbers.items():
        if key.split("[")[0] not in declared or (value is None and key.startswith("QUOTA")):
            continue
        if _positive_int(value):
            continue
        yield checks.Error(
            f"{where}['{key}'] must be a positive whole number, not {value!r}.",
            hint=f"Set it in bytes or seconds, for example {10 * 1024 * 1024} for 10 MiB."
            if key != "UPLOAD_EXPIRY"
            else "Set it in seconds, for example 300.",
            id="s3_file_uploads.E012",
        )
    unknown_acls = [acl for acl in profile.acls if acl not in ACLS]
    if declared & {"ACLS", "DEFAULT_ACL"} and (
        unknown_acls or profile.default_acl not in profile.acls
    ):
        yield checks.Error(
            f"{where} allows unknown ACLs ({', '.join(unknown_acls)})"
            if unknown_acls
            else f"{where}['DEFAULT_ACL'] '{profile.default_acl}' is not in its ACLS.",
            hint=f"Choose ACLS from {', '.join(ACLS)}, and a DEFAULT_ACL among them.",
            id="s3_file_uploads.E013",
        )
    configured = backend_configs()
    if "BACKEND" in declared and profile.backend not in configured:
        yield checks.Error(
            f"{where}['BACKEND'] names '{profile.backend}', which is no backend configuration.",
            hint=f"Use one of: {', '.join(sorted(configured))}, or add it to "
            "S3_FILE_UPLOADS['BACKENDS'].",
            id="s3_file_uploads.E014",
        )
    wrong_types = [t for t in profile.content_types if not _type_pattern(t)]
    if "CONTENT_TYPES" in declared and (wrong_types or not profile.content_types):
        yield checks.Error(
            f"{where}['CONTENT_TYPES'] must list media types or patterns such as 'image/*'"
            + (f"; these are not: {', '.join(map(repr, wrong_types))}." if wrong_types else "."),
            hint="For example ['image/png', 'image/jpeg'], or ['*/*'] for any type.",
            id="s3_file_uploads.E015",
        )
    if "KEY_PREFIX" in declared and (problem := _prefix_problem(profile.key_prefix)):
        yield checks.Error(
            f"{where}['KEY_PREFIX'] {problem}.",
            hint="Use a short prefix such as 'avatars/'.",
            id="s3_file_uploads.E009",
        )
    for path in profile.permission_classes:
        try:
            import_permission(path)
        except ImportError as error:
            yield checks.Error(
                f"{where}['PERMISSION_CLASSES'] names {path!r}, which cannot be imported: {error}",
                hint="Give dotted paths of DRF permission classes.",
                id="s3_file_uploads.E016",
            )


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _type_pattern(value: Any) -> bool:
    """A media type, or one with ``*`` for its subtype or for both parts (``image/*``)."""
    return isinstance(value, str) and bool(_TYPE_PATTERN.fullmatch(value))


@checks.register(TAG)
def check_inline_types(**kwargs: Any) -> list[checks.CheckMessage]:
    """The inline list takes exact types: a pattern such as ``image/*`` would admit SVG."""
    listed = app_setting("INLINE_CONTENT_TYPES")
    wrong = [t for t in listed if not isinstance(t, str) or not names_a_real_type(t)]
    if not wrong:
        return []
    return [
        checks.Error(
            f"S3_FILE_UPLOADS['INLINE_CONTENT_TYPES'] holds entries that are not exact media "
            f"types: {', '.join(map(repr, wrong))}.",
            hint="List exact types such as 'image/png'; patterns are refused so that a type "
            "nobody judged (like image/svg+xml) can never be served inline.",
            id="s3_file_uploads.E010",
        )
    ]


@checks.register(TAG)
def check_content_checking(**kwargs: Any) -> list[checks.CheckMessage]:
    """Profiles that check content need libmagic, and a backend that reads objects back."""
    messages = list(_libmagic_problems(checks.Warning, "W017"))
    for profile in _checking_profiles():
        try:
            readable = get_backend(profile.backend).capabilities.server_side_io
        except BackendConfigurationError:
            continue  # reported as W005-W007
        if not readable:
            messages.append(
                checks.Warning(
                    f"The '{profile.name}' profile checks content, but its backend "
                    f"'{profile.backend}' cannot read objects back: its uploads complete "
                    "unchecked.",
                    hint="Use a backend with server-side reads (every built-in one has them), or "
                    "set 'CHECK_CONTENT': False in the profile to say so.",
                    id="s3_file_uploads.W018",
                )
            )
    return messages


@checks.register(TAG, deploy=True)
def check_content_checking_for_deployment(**kwargs: Any) -> list[checks.CheckMessage]:
    """``check --deploy``: a profile that checks content without libmagic is an error."""
    return list(_libmagic_problems(checks.Error, "E017"))


def _libmagic_problems(level: type[checks.CheckMessage], number: str) -> Iterator[Any]:
    if _checking_profiles() and (problem := libmagic_problem()):
        yield level(problem, hint=INSTALL_HINT, id=f"{TAG}.{number}")


def _checking_profiles() -> list[Profile]:
    try:
        return [profile for profile in profiles().values() if profile.check_content]
    except ProfileConfigurationError:
        return []  # reported as E011


def storage_problems() -> Iterator[StorageProblem]:
    """Each backend configuration that cannot be built, told apart by cause."""
    installed = backend_classes()
    for name, config in backend_configs().items():
        try:
            get_backend(name)
        except BackendConfigurationError as error:
            if config.backend not in installed:
                number = NOT_INSTALLED
            elif isinstance(error.__cause__, TypeError):  # the registry's "does not take"
                number = UNKNOWN_OPTIONS
            else:
                number = INCOMPLETE
            yield StorageProblem(number, str(error), error.hint)
