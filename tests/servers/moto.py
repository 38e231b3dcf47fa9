"""moto server, the S3 stand-in: checks upload flow and stored size/type, not signatures."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from . import ServerProcess, free_port

ACCESS_KEY, SECRET_KEY, REGION = "testing-key", "testing-secret", "us-east-1"


@pytest.fixture(scope="session")
def moto_server() -> Iterator[ServerProcess]:
    port = free_port()
    moto = Path(sys.executable).with_name("moto_server")
    server = ServerProcess("moto", [str(moto), "-H", "127.0.0.1", "-p", str(port)], port)
    yield server
    server.stop()


def s3_client(server: ServerProcess):
    return boto3.client(
        "s3",
        endpoint_url=server.url,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
    )


@pytest.fixture
def s3_bucket(moto_server: ServerProcess, settings, request) -> str:
    """A fresh bucket per test, configured as the seed would: flat AWS_* settings."""
    name = f"b-{abs(hash(request.node.nodeid)) % 10**12}"
    client = s3_client(moto_server)
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
    settings.AWS_ACCESS_KEY_ID = ACCESS_KEY
    settings.AWS_SECRET_ACCESS_KEY = SECRET_KEY
    settings.AWS_S3_ENDPOINT_URL = moto_server.url
    settings.AWS_S3_REGION_NAME = REGION
    settings.STORAGE_BACKEND = "s3"
    return name
