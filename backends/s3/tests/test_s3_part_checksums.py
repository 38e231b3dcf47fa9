"""Multipart part checksums on S3 against moto: what each part instruction signs, and complete
holding every part to its declared SHA-256 where the server enforces nothing.

moto stores a part whatever its bytes (it checks no ``x-amz-checksum-sha256``) and lists no part
checksum, so complete reads such parts back. That S3 itself refuses other bytes is shown against
LocalStack in tests/test_multipart_checksums_s3_localstack.py.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from s3_file_uploads.errors import ObjectNotFound
from s3_file_uploads.models import UploadedFile, UploadState
from s3_file_uploads.registry import get_backend
from s3_file_uploads.testing import api_client, api_url, create_upload
from s3_file_uploads.testing.content import sample_bytes
from s3_file_uploads.testing.multipart import part_checksum, put_part, sign_parts
from tests.servers.moto import s3_client

PART = 5 * 1024 * 1024
BODY = sample_bytes(PART + 10, seed=16)
pytestmark = pytest.mark.usefixtures("s3_bucket")


@pytest.fixture
def api(db) -> APIClient:
    return api_client(get_user_model().objects.create_user("parts", password="pw"))


@pytest.fixture
def created(api, settings) -> dict:
    settings.S3_FILE_UPLOADS = {"MULTIPART_PART_SIZE": PART}
    settings.MAX_FILE_UPLOAD_SIZE = 2 * len(BODY)
    return create_upload(api, filename="big.bin", size=len(BODY), multipart=True)


def test_a_part_instruction_signs_its_length_and_its_sha256(api, created):
    [(part, chunk)] = sign_parts(api, created, BODY, [1])

    query = parse_qs(urlsplit(part["url"]).query)
    signed = query["X-Amz-SignedHeaders"][0].split(";")
    assert {"content-length", "x-amz-checksum-sha256"} <= set(signed)
    assert part["headers"] == {"x-amz-checksum-sha256": part_checksum(chunk)}
    assert created["multipart"]["part_checksum"] == "sha256"


def test_moto_stores_a_part_of_other_bytes_and_complete_refuses_the_upload(
    api, settings, moto_server, created
):
    parts = sign_parts(api, created, BODY, [1, 2])
    (first, chunk), (second, rest) = parts
    assert put_part(first, b"\xff" * 16 + chunk[16:], "").status_code == 200  # not checked
    assert put_part(second, rest, "").status_code == 200
    row = UploadedFile.objects.get(pk=created["id"])
    listing = s3_client(moto_server).list_parts(
        Bucket=settings.AWS_BUCKET_NAME, Key=created["file_key"], UploadId=row.multipart_upload_id
    )
    assert all("ChecksumSHA256" not in p for p in listing["Parts"])  # lists none either

    done = api.post(api_url(f"{created['id']}/complete/"))

    assert done.status_code == 400, done.content
    assert "Part 1 stored is not the bytes declared for it" in done.data["detail"]
    assert part_checksum(chunk) in done.data["detail"]
    row.refresh_from_db()
    assert row.file_upload_state == UploadState.FAILED
    with pytest.raises(ObjectNotFound):
        get_backend().stat(created["file_key"])


def test_parts_of_their_declared_bytes_complete_on_moto_after_being_read_back(api, created):
    for part, chunk in sign_parts(api, created, BODY, [1, 2]):
        assert put_part(part, chunk, "").status_code == 200

    done = api.post(api_url(f"{created['id']}/complete/"))

    assert done.status_code == 200, done.content
    assert UploadedFile.objects.get(pk=created["id"]).checksum_algorithm == "sha256-composite"
