"""Test bytes, and their digests spelled the way the API's checksum fields take them."""

from __future__ import annotations

import base64
import hashlib
import random


def sample_bytes(size: int, *, seed: int) -> bytes:
    """Reproducible incompressible test data."""
    return random.Random(seed).randbytes(size)  # noqa: S311  (test data, not secrets)


def md5_base64(body: bytes) -> str:
    """The base64 MD5 of ``body``: a create request's ``content_md5``, S3's ``Content-MD5``."""
    return base64.b64encode(hashlib.md5(body, usedforsecurity=False).digest()).decode()


def sha256_base64(body: bytes) -> str:
    """The base64 SHA-256 of ``body``: a create request's ``checksum_sha256``."""
    return base64.b64encode(hashlib.sha256(body).digest()).decode()
