"""Multipart part checksums refused by S3 itself: LocalStack's S3 over HTTP.

A part instruction signs ``x-amz-checksum-sha256`` on a multipart upload created with the SHA256
algorithm; S3 refuses a part whose bytes are not that checksum, lists each stored part's
checksum, and gives the object the composite checksum the row records.
"""

from __future__ import annotations

import pytest

from s3_file_uploads.models import UploadedFile, UploadState
from s3_file_uploads.testing import api_url, create_upload
from s3_file_uploads.testing.content import sample_bytes
from s3_file_uploads.testing.multipart import composite_checksum, put_part, sign_parts

from .servers.localstack import localstack_client

PART = 5 * 1024 * 1024
BODY = sample_bytes(PART + 1000, seed=15)
CHUNKS = [BODY[:PART], BODY[PART:]]
pytestmark = pytest.mark.usefixtures("localstack_bucket")


@pytest.fixture
def created(api, settings) -> dict:
    settings.S3_FILE_UPLOADS = {"MULTIPART_PART_SIZE": PART}
    settings.MAX_FILE_UPLOAD_SIZE = 2 * len(BODY)
    return create_upload(api, filename="big.bin", size=len(BODY), multipart=True)


def listed_parts(server, bucket: str, created: dict) -> list[dict]:
    upload = UploadedFile.objects.get(pk=created["id"])
    client = localstack_client(server)
    listing = client.list_parts(
        Bucket=bucket, Key=created["file_key"], UploadId=upload.multipart_upload_id
    )
    return listing.get("Parts", [])


def test_a_part_of_other_bytes_than_its_signed_checksum_is_refused_by_s3(
    api, settings, localstack_s3, created
):
    [(part, chunk)] = sign_parts(api, created, BODY, [1])
    assert part["headers"]["x-amz-checksum-sha256"]

    sent = put_part(part, b"\0" * 16 + chunk[16:], "")

    assert sent.status_code == 400, sent.text
    assert "<Code>BadDigest</Code>" in sent.text or "checksum" in sent.text.lower()
    assert listed_parts(localstack_s3, settings.AWS_BUCKET_NAME, created) == []


def test_a_part_without_the_signed_checksum_header_is_refused_by_s3(
    api, settings, localstack_s3, created
):
    [(part, chunk)] = sign_parts(api, created, BODY, [1])
    headers = {k: v for k, v in part["headers"].items() if k != "x-amz-checksum-sha256"}

    sent = put_part({**part, "headers": headers}, chunk, "")

    assert sent.status_code == 403, sent.text
    assert listed_parts(localstack_s3, settings.AWS_BUCKET_NAME, created) == []


def test_parts_of_their_checksums_complete_with_the_composite_checksum_s3_reports(
    api, settings, localstack_s3, created
):
    for part, chunk in sign_parts(api, created, BODY, [1, 2]):
        assert put_part(part, chunk, "").status_code == 200

    done = api.post(api_url(f"{created['id']}/complete/"))

    assert done.status_code == 200, done.content
    row = UploadedFile.objects.get(pk=created["id"])
    assert (row.file_upload_state, row.checksum_algorithm) == (
        UploadState.COMPLETED,
        "sha256-composite",
    )
    assert row.checksum == composite_checksum(CHUNKS)
    head = localstack_client(localstack_s3).head_object(
        Bucket=settings.AWS_BUCKET_NAME, Key=created["file_key"], ChecksumMode="ENABLED"
    )
    assert head["ChecksumSHA256"] == row.checksum


def test_a_part_named_without_its_checksum_is_refused_with_what_to_send(api, created):
    signed = api.post(created["multipart"]["parts_url"], {"part_numbers": [1]}, format="json")

    assert signed.status_code == 400
    assert "Part 1 needs its checksum" in signed.data["detail"]
    assert "{part_number, checksum (base64)}" in signed.data["detail"]


def test_with_part_checksums_off_a_client_naming_only_part_numbers_completes(api, settings):
    settings.S3_FILE_UPLOADS = {
        "MULTIPART_PART_SIZE": PART,
        "BACKENDS": {"s3": {"BACKEND": "s3", "OPTIONS": {"part_checksums": False}}},
    }
    settings.MAX_FILE_UPLOAD_SIZE = 2 * len(BODY)
    created = create_upload(api, filename="big.bin", size=len(BODY), multipart=True)
    assert created["multipart"]["part_checksum"] is None
    signed = api.post(created["multipart"]["parts_url"], {"part_numbers": [1, 2]}, format="json")
    assert signed.status_code == 200, signed.content
    for part, chunk in zip(signed.data["parts"], CHUNKS, strict=True):
        assert put_part(part, chunk, "").status_code == 200

    done = api.post(api_url(f"{created['id']}/complete/"))

    assert done.status_code == 200, done.content
    assert UploadedFile.objects.get(pk=created["id"]).checksum == ""
