"""The library's own errors: backends translate their SDK's exceptions into these."""

from __future__ import annotations


class StorageError(Exception):
    """Base of every error a backend raises on purpose.

    ``backend`` (the configuration name) and ``key`` say where it happened, for logs; a backend
    sets them when it translates an SDK error, and they stay empty when unknown.
    """

    def __init__(self, *args: object, backend: str = "", key: str = "") -> None:
        super().__init__(*args)
        self.backend = backend
        self.key = key


class ObjectNotFound(StorageError):
    """No object is stored under the key."""


class ObjectExists(StorageError):
    """An object is already stored under the key, and the write may not replace it."""


class BucketNotFound(StorageError):
    """The bucket (or container) the backend is configured with does not exist.

    A settings problem of the server, never a missing object: nothing can be stored or found
    until it is fixed. ``bucket`` names it; ``hint`` names the setting to correct.
    """

    def __init__(
        self,
        bucket: str,
        *,
        kind: str = "bucket",
        hint: str | None = None,
        backend: str = "",
        key: str = "",
    ) -> None:
        super().__init__(f"no {kind} named '{bucket}' exists", backend=backend, key=key)
        self.bucket = bucket
        self.kind = kind
        self.hint = hint


class StorageUnavailable(StorageError):
    """Storage could not be reached or answered with a server error: worth retrying later."""


class AclNotSupported(StorageError):
    """The backend cannot honour the requested ACL; the message says why."""


class UploadRefused(StorageError):
    """A stored object breaks a rule of its upload; the message says which."""


class BackendConfigurationError(StorageError):
    """A backend's options are wrong or missing; ``hint`` says what to set."""

    def __init__(
        self, message: str, *, hint: str | None = None, backend: str = "", key: str = ""
    ) -> None:
        super().__init__(message, backend=backend, key=key)
        self.hint = hint
