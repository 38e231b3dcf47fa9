"""Checking what the GCS backend signed with the public half of the test's own service-account
key: fake-gcs-server checks no signature, so the tests verify each one themselves."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding


def public_key(service_account_file: Path):
    pem = json.loads(service_account_file.read_text())["private_key"].encode()
    return serialization.load_pem_private_key(pem, password=None).public_key()


def verify_rsa(key_file: Path, signature_hex: str, message: bytes) -> None:
    """Raises InvalidSignature unless the test's key signed ``message``."""
    public_key(key_file).verify(
        bytes.fromhex(signature_hex), message, padding.PKCS1v15(), hashes.SHA256()
    )


def verify_v4(url: str, canonical_request: str, key_file: Path) -> None:
    """Raises InvalidSignature unless the test's key signed ``canonical_request``, the V4
    canonical request of ``url`` (its string to sign is rebuilt from the URL's own query)."""
    query = parse_qs(urlsplit(url).query)
    scope = query["X-Goog-Credential"][0].split("/", 1)[1]
    string_to_sign = "\n".join(
        [
            "GOOG4-RSA-SHA256",
            query["X-Goog-Date"][0],
            scope,
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )
    verify_rsa(key_file, query["X-Goog-Signature"][0], string_to_sign.encode())
