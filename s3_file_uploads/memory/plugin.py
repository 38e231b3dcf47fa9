"""Registers the in-memory backend under the name ``memory``."""

from s3_file_uploads.hookspecs import hookimpl

from .backend import MemoryBackend


@hookimpl
def s3_file_uploads_backends() -> dict[str, type[MemoryBackend]]:
    return {"memory": MemoryBackend}
