"""Checksums on Azure against Azurite: the instruction's Content-MD5 header, Azurite refusing
other bytes, and the complete step holding an upload to its declared MD5 when a client drops
the header (a SAS cannot sign headers). Azure keeps no SHA-256 of a blob: refused at create.
"""

from __future__ import annotations

import base64
import hashlib

import pytest
import requests
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from s3_file_uploads.contract import Checksum
from s3_file_uploads.models import UploadedFile, UploadState
from s3_file_uploads.registry import get_backend
from tests.servers.azurite import blob_service

URL = "/api/s3-file-uploads/"
BODY = b"checked bytes\n" * 20
pytestmark = pytest.mark.usefixtures("azure_container")


def md5(body: bytes) -> str:
    return base64.b64encode(hashlib.md5(body, usedforsecurity=False).digest()).decode()


def put(instruction: dict, body: bytes, *, drop: str = "") -> requests.Response:
    headers = {name: value for name, value in instruction["headers"].items() if name != drop}
    return requests.put(instruction["url"], data=body, headers=headers, timeout=10)


@pytest.fixture
def api(db) -> APIClient:
    client = APIClient()
    client.force_authenticate(get_user_model().objects.create_user("sums", password="pw"))
    return client


def create(api, **body):
    return api.post(URL, {"filename": "a.txt", **body}, format="json")


def blob_names(azurite, container: str) -> list[str]:
    return [b.name for b in blob_service(azurite).get_container_client(container).list_blobs()]


def test_azure_declares_md5_only():
    assert get_backend().capabilities.checksums == {"md5"}


def test_the_declared_md5_is_the_instructions_content_md5_header():
    backend = get_backend()
    signed = backend.presign_upload(
        key="k/a.txt",
        max_size=1000,
        content_type="text/plain",
        acl="private",
        expires_in=60,
        checksum=Checksum("md5", md5(BODY)),
    )
    plain = backend.presign_upload(
        key="k/b.txt", max_size=1000, content_type="text/plain", acl="private", expires_in=60
    )

    assert signed.headers["Content-MD5"] == md5(BODY)
    assert "Content-MD5" not in plain.headers


def test_azurite_refuses_other_bytes_than_the_content_md5_header(api, azurite, azure_container):
    created = create(api, content_md5=md5(BODY))

    response = put(created.data["upload"], b"other bytes")

    assert response.status_code == 400
    assert blob_names(azurite, azure_container) == []


def test_dropping_the_header_stores_the_bytes_and_complete_refuses_and_deletes_them(
    api, azurite, azure_container
):
    created = create(api, content_md5=md5(BODY))
    put(created.data["upload"], b"other bytes", drop="Content-MD5").raise_for_status()

    done = api.post(f"{URL}{created.data['id']}/complete/")

    assert done.status_code == 400
    assert f"is not the declared {md5(BODY)}" in done.data["detail"]
    assert UploadedFile.objects.get(pk=created.data["id"]).file_upload_state == UploadState.FAILED
    assert blob_names(azurite, azure_container) == []


def test_the_declared_md5_completes_and_the_url_cannot_replace_it_afterwards(api):
    created = create(api, content_md5=md5(BODY))
    put(created.data["upload"], BODY).raise_for_status()

    done = api.post(f"{URL}{created.data['id']}/complete/")
    again = put(created.data["upload"], BODY)  # the SAS is create-only

    assert done.status_code == 200, done.data
    assert again.status_code == 403


def test_sha256_is_refused_at_create_saying_what_azure_can_verify(api):
    sha256 = base64.b64encode(hashlib.sha256(BODY).digest()).decode()

    refused = create(api, checksum_sha256=sha256)

    assert refused.status_code == 400
    assert "cannot verify sha256 checksums (it can verify: md5)" in str(refused.data["checksum"])
    assert not UploadedFile.objects.exists()
