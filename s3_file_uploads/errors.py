"""The library's own errors: backends translate their SDK's exceptions into these."""

from __future__ import annotations


class StorageError(Exception):
    """Base of every error a backend raises on purpose."""


class ObjectNotFound(StorageError):
    """No object is stored under the key."""


class StorageUnavailable(StorageError):
    """Storage could not be reached or answered with a server error: worth retrying later."""


class AclNotSupported(StorageError):
    """The backend cannot honour the requested ACL; the message says why."""


class UploadRefused(StorageError):
    """A stored object breaks a rule of its upload; the message says which."""


class BackendConfigurationError(StorageError):
    """A backend's options are wrong or missing; ``hint`` says what to set."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint
