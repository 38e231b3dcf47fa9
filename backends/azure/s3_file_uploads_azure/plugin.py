"""Registers the Azure Blob backend under the name ``azure``."""

from s3_file_uploads.hookspecs import hookimpl

from .backend import AzureBackend


@hookimpl
def s3_file_uploads_backends() -> dict[str, type[AzureBackend]]:
    return {"azure": AzureBackend}
