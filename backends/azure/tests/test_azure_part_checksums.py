"""Azure multipart part checksums against Azurite: each block is sent with its ``Content-MD5``,
which Azure checks the block against; a SAS cannot sign that header, so a client can drop it,
and complete reads the parts back (Azure lists no block checksums) and refuses other bytes.
"""

from __future__ import annotations

import base64
import hashlib
import uuid

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient
from s3_file_uploads_azure.blocks import MINIMUM_UPLOAD_PART_SIZE

from s3_file_uploads.errors import ObjectNotFound
from s3_file_uploads.models import UploadedFile, UploadState
from s3_file_uploads.registry import get_backend
from s3_file_uploads.testing import api_client, api_url, create_upload
from s3_file_uploads.testing.content import sample_bytes
from s3_file_uploads.testing.multipart import composite_checksum, put_part, sign_parts

PART = MINIMUM_UPLOAD_PART_SIZE
BODY = sample_bytes(PART + 10, seed=18)


@pytest.fixture
def api(db, azure_container, settings) -> APIClient:
    settings.S3_FILE_UPLOADS = {"MULTIPART_PART_SIZE": PART}
    settings.MAX_FILE_UPLOAD_SIZE = 2 * len(BODY)
    return api_client(get_user_model().objects.create_user(f"u-{uuid.uuid4().hex[:8]}"))


def md5(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()


def test_a_block_of_other_bytes_than_its_content_md5_is_refused_by_azure(api):
    created = create_upload(api, filename="big.bin", size=len(BODY), multipart=True)
    assert created["multipart"]["part_checksum"] == "md5"
    [(part, chunk)] = sign_parts(api, created, BODY, [1])
    assert part["headers"] == {"Content-MD5": md5(chunk)}

    sent = put_part(part, b"\0" * 16 + chunk[16:], "")

    assert sent.status_code == 400, sent.text
    listed = api.get(created["multipart"]["parts_url"]).data["parts"]
    assert listed == []


def test_a_block_sent_without_its_header_is_read_back_and_refused_on_complete(api):
    created = create_upload(api, filename="big.bin", size=len(BODY), multipart=True)
    (first, chunk), (second, rest) = sign_parts(api, created, BODY, [1, 2])
    dropped = {**first, "headers": {}}  # the SAS does not bind Content-MD5
    assert put_part(dropped, b"\0" * 16 + chunk[16:], "").status_code == 201
    assert put_part(second, rest, "").status_code == 201

    done = api.post(api_url(f"{created['id']}/complete/"))

    assert done.status_code == 400, done.content
    assert "Part 1 stored is not the bytes declared for it: its md5 checksum" in done.data["detail"]
    assert UploadedFile.objects.get(pk=created["id"]).file_upload_state == UploadState.FAILED
    with pytest.raises(ObjectNotFound):
        get_backend().stat(created["file_key"])


def test_blocks_of_their_declared_md5_complete_with_the_composite_checksum(api):
    created = create_upload(api, filename="big.bin", size=len(BODY), multipart=True)
    for part, chunk in sign_parts(api, created, BODY, [1, 2]):
        assert put_part(part, chunk, "").status_code == 201

    done = api.post(api_url(f"{created['id']}/complete/"))

    assert done.status_code == 200, done.content
    row = UploadedFile.objects.get(pk=created["id"])
    chunks = [BODY[:PART], BODY[PART:]]
    assert (row.checksum_algorithm, row.checksum) == (
        "md5-composite",
        composite_checksum(chunks, "md5"),
    )
