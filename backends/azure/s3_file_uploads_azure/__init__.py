"""The Azure Blob backend for django-s3-file-upload, published as its own distribution."""

from .backend import AzureBackend

__all__ = ["AzureBackend"]
