"""The Google Cloud Storage backend for django-s3-file-upload, published as its own distribution."""

from .backend import GCSBackend

__all__ = ["GCSBackend"]
