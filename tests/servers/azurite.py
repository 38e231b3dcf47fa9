"""Azurite, the Azure Blob stand-in: checks SAS signatures, expiry, permissions, scope and CORS.

Azurite comes from npm (pinned 3.35.x, the last for Node 20) into ``.tools``::

    mkdir -p .tools && cd .tools && npm install --no-save --no-audit --no-fund azurite@3.35.0

The Azure SDK is imported inside the fixtures, so the core's tests run without it installed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from . import TOOLS, ServerProcess, free_port, serving

AZURITE_BLOB = TOOLS / "node_modules" / ".bin" / "azurite-blob"
INSTALL = (
    "mkdir -p .tools && cd .tools && npm install --no-save --no-audit --no-fund azurite@3.35.0"
)
#: Azurite's well-known development account (published in Azure's documentation).
ACCOUNT_NAME = "devstoreaccount1"
ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
#: Claims Azurite's basic OAuth accepts (it checks issuer, audience and lifetime, not signatures).
TOKEN_ISSUER = "https://sts.windows.net/ab1f708d-50f6-404c-a006-d71b2ac7a606/"
TOKEN_AUDIENCE = "https://storage.azure.com"
TOKEN_OBJECT_ID = "11059fcc-5514-4800-b5f8-49808b9cfab6"


def azurite_argv(port: int, *extra: str) -> list[str]:
    if not AZURITE_BLOB.exists():
        raise RuntimeError(f"Azurite is not installed; from the repository root run: {INSTALL}")
    return [
        str(AZURITE_BLOB),
        "--blobHost",
        "127.0.0.1",
        "--blobPort",
        str(port),
        "--inMemoryPersistence",
        "--silent",
        "--disableTelemetry",
        "--skipApiVersionCheck",
        *extra,
    ]


def connection_string(server: ServerProcess) -> str:
    return (
        f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT_NAME};AccountKey={ACCOUNT_KEY};"
        f"BlobEndpoint={server.url}/{ACCOUNT_NAME};"
    )


def blob_service(server: ServerProcess):
    from azure.storage.blob import BlobServiceClient

    return BlobServiceClient.from_connection_string(connection_string(server))


@pytest.fixture(scope="session")
def azurite() -> Iterator[ServerProcess]:
    yield from serving("azurite", azurite_argv)


@pytest.fixture
def azure_container(azurite: ServerProcess, settings) -> Iterator[str]:
    """A fresh container per test, configured as a django-storages user would: flat AZURE_*."""
    name = f"c-{uuid.uuid4().hex}"
    service = blob_service(azurite)
    service.create_container(name)
    settings.STORAGE_BACKEND = "azure"
    settings.AZURE_CONTAINER = name
    settings.AZURE_CONNECTION_STRING = connection_string(azurite)
    settings.AZURE_CONNECTION_TIMEOUT_SECS = 5
    yield name
    service.delete_container(name)


@dataclass(frozen=True)
class AzuriteTLS:
    """Azurite over HTTPS with basic OAuth: the only way it hands out user delegation keys."""

    server: ServerProcess
    ca_file: Path

    @property
    def account_url(self) -> str:
        return f"https://127.0.0.1:{self.server.port}/{ACCOUNT_NAME}"


@pytest.fixture(scope="session")
def azurite_oauth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AzuriteTLS]:
    folder = tmp_path_factory.mktemp("azurite-tls")
    cert, key = _self_signed_certificate(folder)
    port = free_port()
    argv = azurite_argv(port, "--oauth", "basic", "--cert", str(cert), "--key", str(key))
    server = ServerProcess("azurite-oauth", argv, port)
    yield AzuriteTLS(server, cert)
    server.stop()


class EmulatorTokenCredential:
    """An Entra ID stand-in: issues the unsigned-but-well-formed JWTs Azurite's basic OAuth takes.

    A real ``TokenCredential`` (it implements the protocol); only the token's signature is fake,
    which Azurite does not check.
    """

    def __init__(self, lifetime: int = 3600) -> None:
        self.lifetime = lifetime
        self.tokens_issued = 0

    def get_token(self, *scopes: str, **kwargs: object):
        from azure.core.credentials import AccessToken

        now = int(time.time())
        claims = {
            "aud": TOKEN_AUDIENCE,
            "iss": TOKEN_ISSUER,
            "iat": now,
            "nbf": now - 60,
            "exp": now + self.lifetime,
            "oid": TOKEN_OBJECT_ID,
            "tid": TOKEN_ISSUER.rstrip("/").rsplit("/", 1)[-1],
        }
        unsigned = f"{_b64url({'alg': 'HS256', 'typ': 'JWT'})}.{_b64url(claims)}"
        signature = hmac.new(b"azurite-does-not-check", unsigned.encode(), hashlib.sha256)
        self.tokens_issued += 1
        return AccessToken(f"{unsigned}.{_b64url(signature.digest())}", now + self.lifetime)


def _b64url(value: dict | bytes) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path
