"""Checksums on Azure against Azurite: the instruction's Content-MD5 header, Azurite refusing
other bytes, and the complete step holding an upload to its declared MD5 when a client drops
the header (a SAS cannot sign headers). Azure keeps no SHA-256 of a blob: refused at create.
"""

from __future__ import annotations

import pytest
import requests
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from s3_file_uploads.contract import Checksum
from s3_file_uploads.models import UploadedFile, UploadState
from s3_file_uploads.registry import get_backend
from s3_file_uploads.testing import api_client, create_upload, md5_base64
from tests.servers.azurite import blob_service

BODY = b"checked bytes\n" * 20
pytestmark = pytest.mark.usefixtures("azure_container")


def put(instruction: dict, body: bytes, *, drop: str = "") -> requests.Response:
    headers = {name: value for name, value in instruction["headers"].items() if name != drop}
    return requests.put(instruction["url"], data=body, headers=headers, timeout=10)


@pytest.fixture
def api(db) -> APIClient:
    return api_client(get_user_model().objects.create_user("sums", password="pw"))


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
        checksum=Checksum("md5", md5_base64(BODY)),
    )
    plain = backend.presign_upload(
        key="k/b.txt", max_size=1000, content_type="text/plain", acl="private", expires_in=60
    )

    assert signed.headers["Content-MD5"] == md5_base64(BODY)
    assert "Content-MD5" not in plain.headers


def test_azurite_refuses_other_bytes_than_the_content_md5_header(api, azurite, azure_container):
    created = create_upload(api, filename="a.txt", content_md5=md5_base64(BODY))

    response = put(created["upload"], b"other bytes")

    assert response.status_code == 400
    assert blob_names(azurite, azure_container) == []


def test_dropping_the_header_stores_the_bytes_and_complete_refuses_and_deletes_them(
    api, azurite, azure_container
):
    created = create_upload(api, filename="a.txt", content_md5=md5_base64(BODY))
    put(created["upload"], b"other bytes", drop="Content-MD5").raise_for_status()

    done = api.post(created["complete_url"])

    assert done.status_code == 400
    assert f"is not the declared {md5_base64(BODY)}" in done.data["detail"]
    assert UploadedFile.objects.get(pk=created["id"]).file_upload_state == UploadState.FAILED
    assert blob_names(azurite, azure_container) == []


def test_the_declared_md5_completes_and_the_url_cannot_replace_it_afterwards(api):
    created = create_upload(api, filename="a.txt", content_md5=md5_base64(BODY))
    put(created["upload"], BODY).raise_for_status()

    done = api.post(created["complete_url"])
    again = put(created["upload"], BODY)  # the SAS is create-only

    assert done.status_code == 200, done.data
    assert again.status_code == 403
