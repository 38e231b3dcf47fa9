"""The built-in local-disk backend: Django itself plays the storage service, for development,
tests and single-server sites. Registered through the same hook as every other backend."""

from .backend import LocalBackend

__all__ = ["LocalBackend"]
