"""Registers the S3 backend under the name ``s3``."""

from s3_file_uploads.hookspecs import hookimpl

from .backend import S3Backend


@hookimpl
def s3_file_uploads_backends() -> dict[str, type[S3Backend]]:
    return {"s3": S3Backend}
