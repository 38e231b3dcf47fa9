"""moto server, the S3 stand-in: checks upload flow and stored size/type, not signatures."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from . import ServerProcess, serving

ACCESS_KEY, SECRET_KEY, REGION = "testing-key", "testing-secret", "us-east-1"


def moto_argv(port: int) -> list[str]:
    """moto's S3 server from this virtualenv, on ``port``."""
    return [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)]


@pytest.fixture(scope="session")
def moto_server() -> Iterator[ServerProcess]:
    yield from serving("moto", moto_argv)


def s3_client(server, credentials: tuple[str, str] = (ACCESS_KEY, SECRET_KEY)):
    """A boto3 client for any S3 stand-in with a ``url``."""
    return boto3.client(
        "s3",
        endpoint_url=server.url,
        aws_access_key_id=credentials[0],
        aws_secret_access_key=credentials[1],
        region_name=REGION,
    )


def create_browser_bucket(
    server, name: str, settings, credentials: tuple[str, str] = (ACCESS_KEY, SECRET_KEY)
) -> str:
    """A bucket with the CORS rules a browser upload needs, and the seed's flat settings
    pointing the S3 backend at it (``server`` is any S3 stand-in with a ``url``)."""
    client = s3_client(server, credentials)
    client.create_bucket(Bucket=name)
    client.put_bucket_cors(
        Bucket=name,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedOrigins": ["*"],
                    "AllowedMethods": ["GET", "POST", "PUT", "HEAD"],
                    "AllowedHeaders": ["*"],
                    "ExposeHeaders": ["ETag"],
                }
            ]
        },
    )
    settings.AWS_BUCKET_NAME = name
    settings.AWS_ACCESS_KEY_ID, settings.AWS_SECRET_ACCESS_KEY = credentials
    settings.AWS_S3_ENDPOINT_URL = server.url
    settings.AWS_S3_REGION_NAME = REGION
    settings.STORAGE_BACKEND = "s3"
    return name


@pytest.fixture
def s3_bucket(moto_server: ServerProcess, settings, request) -> str:
    """A fresh bucket per test, configured as the seed would: flat AWS_* settings."""
    return create_browser_bucket(
        moto_server, f"b-{abs(hash(request.node.nodeid)) % 10**12}", settings
    )
