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

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core import checks

from .conf import app_setting, backend_configs, max_upload_size
from .contract import ACLS
from .errors import BackendConfigurationError
from .keys import MAX_NAME_BYTES, MAX_PREFIX_BYTES
from .media_types import names_a_real_type
from .registry import backend_classes, duplicate_backend_names, get_backend

TAG = "s3_file_uploads"

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
    prefix = app_setting("KEY_PREFIX")
    if not isinstance(prefix, str):
        problem = f"must be text, not {prefix!r}"
    elif len(prefix.encode()) > MAX_PREFIX_BYTES:
        problem = f"is {len(prefix.encode())} bytes of UTF-8; at most {MAX_PREFIX_BYTES} fit"
    elif any(len(part.encode()) > MAX_NAME_BYTES for part in prefix.split("/")):
        problem = f"has a folder name over {MAX_NAME_BYTES} bytes"
    else:
        return []
    return [
        checks.Error(
            f"S3_FILE_UPLOADS['KEY_PREFIX'] {problem}.",
            hint="Use a short prefix such as 'uploads/': with the random part and the file "
            "name, every key must stay within 1024 bytes.",
            id="s3_file_uploads.E009",
        )
    ]


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
