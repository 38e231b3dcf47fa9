"""A backend's error boundary: its SDK's exceptions become the library's, each logged once.

Every backend wraps its SDK calls the same way, so the rule lives here: the backend's own
``translate`` function says which library error an SDK exception means; the boundary raises it
with the configuration name and the key, and logs it once under the backend's logger, with any
signed URL or credential redacted. What an SDK's errors mean stays in the backend; how a
failure is raised and logged is the same for every backend.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator

from .errors import BackendConfigurationError, BucketNotFound, ObjectNotFound, StorageError
from .redaction import redact

#: A backend's reading of one SDK exception: the library error it means, or None when the
#: exception is not one the backend knows (it then passes through unchanged).
Translate = Callable[[Exception], StorageError | None]


def log_failure(logger: logging.Logger, error: StorageError, what: str) -> None:
    """One line for a failed storage call: ``what`` failed, on which backend and key, and why.

    A missing object is DEBUG (the normal answer before an upload arrives), a missing bucket or
    a settings problem ERROR, anything else WARNING.
    """
    level = logging.DEBUG if isinstance(error, ObjectNotFound) else logging.WARNING
    if isinstance(error, BucketNotFound | BackendConfigurationError):
        level = logging.ERROR
    logger.log(
        level,
        "%s failed on backend %s, key %s: %s",
        what,
        error.backend,
        error.key or "-",
        redact(error),
    )


@contextlib.contextmanager
def translated_errors(
    translate: Translate,
    *,
    backend: str,
    key: str = "",
    logger: logging.Logger,
    what: str | Callable[[Exception | None], str],
) -> Iterator[None]:
    """Run a block of SDK calls at the boundary of the backend configured as ``backend``.

    An exception ``translate`` knows is raised as the library error it returns; a library error
    raised inside the block passes through. Either gets ``backend`` and ``key`` where it has
    none, and is logged once by :func:`log_failure`. ``what`` names the call in that line
    ("GCS request"), or is a function of the SDK exception (None for a library error raised in
    the block) for an SDK that names its operations.
    """
    try:
        yield
    except StorageError as error:
        _record(error, backend, key, logger, what, None)
        raise
    except Exception as exc:
        error = translate(exc)
        if error is None:
            raise
        _record(error, backend, key, logger, what, exc)
        raise error from exc


def _record(
    error: StorageError,
    backend: str,
    key: str,
    logger: logging.Logger,
    what: str | Callable[[Exception | None], str],
    cause: Exception | None,
) -> None:
    error.backend, error.key = error.backend or backend, error.key or key
    log_failure(logger, error, what if isinstance(what, str) else what(cause))
