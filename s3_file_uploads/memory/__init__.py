"""The built-in in-memory backend, for a project's own tests: objects live in the process, signed
instructions are followed with Django's test client, and nothing touches the network.
Registered through the same hook as every other backend."""

from .backend import MemoryBackend

__all__ = ["MemoryBackend"]
