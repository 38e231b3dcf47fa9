"""Registers the Google Cloud Storage backend under the name ``gcs``."""

from s3_file_uploads.hookspecs import hookimpl

from .backend import GCSBackend


@hookimpl
def s3_file_uploads_backends() -> dict[str, type[GCSBackend]]:
    return {"gcs": GCSBackend}
