"""Registers the local-disk backend under the name ``local``."""

from s3_file_uploads.hookspecs import hookimpl

from .backend import LocalBackend


@hookimpl
def s3_file_uploads_backends() -> dict[str, type[LocalBackend]]:
    return {"local": LocalBackend}
