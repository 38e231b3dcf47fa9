"""The S3 backend for django-s3-file-upload, published as its own distribution."""

from .backend import S3Backend

__all__ = ["S3Backend"]
