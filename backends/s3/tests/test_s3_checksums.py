"""Checksums on S3 against moto: what is signed into the POST policy, what stat reports, and the
complete step holding an upload to its declared checksum (moto stores any bytes it is sent).

That S3 itself refuses other bytes is shown against LocalStack in
tests/test_attacks_s3_localstack.py.
"""

from __future__ import annotations

import base64
import json

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from s3_file_uploads.contract import Checksum
from s3_file_uploads.models import UploadedFile, UploadState
from s3_file_uploads.registry import get_backend
from s3_file_uploads.testing import api_client, create_upload, send_instruction
from s3_file_uploads.testing.content import md5_base64, sha256_base64
from tests.servers.moto import s3_client

BODY = b"checked bytes\n" * 20
pytestmark = pytest.mark.usefixtures("s3_bucket")


def sign(checksum: Checksum | None = None, key: str = "k/sum.txt"):
    return get_backend().presign_upload(
        key=key,
        max_size=1000,
        content_type="text/plain",
        acl="private",
        expires_in=60,
        checksum=checksum,
    )


def conditions(instruction) -> list:
    return json.loads(base64.b64decode(instruction.fields["policy"]))["conditions"]


@pytest.fixture
def api(db) -> APIClient:
    return api_client(get_user_model().objects.create_user("sums", password="pw"))


def test_s3_declares_both_algorithms():
    assert get_backend().capabilities.checksums == {"md5", "sha256"}


def test_md5_is_a_content_md5_field_and_a_policy_condition():
    instruction = sign(Checksum("md5", md5_base64(BODY)))

    assert instruction.fields["Content-MD5"] == md5_base64(BODY)
    assert {"Content-MD5": md5_base64(BODY)} in conditions(instruction)
    assert not any(name.startswith("x-amz-checksum") for name in instruction.fields)


def test_sha256_is_the_checksum_field_pair_and_policy_conditions():
    instruction = sign(Checksum("sha256", sha256_base64(BODY)))

    assert instruction.fields["x-amz-checksum-algorithm"] == "SHA256"
    assert instruction.fields["x-amz-checksum-sha256"] == sha256_base64(BODY)
    assert {"x-amz-checksum-algorithm": "SHA256"} in conditions(instruction)
    assert {"x-amz-checksum-sha256": sha256_base64(BODY)} in conditions(instruction)
    assert "Content-MD5" not in instruction.fields


def test_no_checksum_signs_no_checksum_field():
    instruction = sign()
    signed = {name for condition in conditions(instruction) if isinstance(condition, dict)
              for name in condition}  # fmt: skip
    assert not {"Content-MD5", "x-amz-checksum-sha256"} & (signed | set(instruction.fields))


def test_stat_reports_the_md5_of_a_single_part_object():
    send_instruction(sign().as_dict(), BODY).raise_for_status()
    assert get_backend().stat("k/sum.txt").checksums == {"md5": md5_base64(BODY)}


def test_stat_reports_a_stored_sha256(s3_bucket, moto_server):
    s3_client(moto_server).put_object(
        Bucket=s3_bucket, Key="k/put.txt", Body=BODY, ChecksumAlgorithm="SHA256"
    )
    checksums = get_backend().stat("k/put.txt").checksums
    assert checksums == {"md5": md5_base64(BODY), "sha256": sha256_base64(BODY)}


def test_stat_reports_no_md5_when_the_etag_is_not_one(s3_bucket, moto_server):
    client = s3_client(moto_server)
    started = client.create_multipart_upload(Bucket=s3_bucket, Key="k/multi.txt")
    part = client.upload_part(
        Bucket=s3_bucket, Key="k/multi.txt", UploadId=started["UploadId"], PartNumber=1, Body=BODY
    )
    client.complete_multipart_upload(
        Bucket=s3_bucket,
        Key="k/multi.txt",
        UploadId=started["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    client.put_object(Bucket=s3_bucket, Key="k/kms.txt", Body=BODY, ServerSideEncryption="aws:kms")

    backend = get_backend()
    multipart = backend.stat("k/multi.txt")
    kms = backend.stat("k/kms.txt")

    assert "-" in multipart.etag and "md5" not in multipart.checksums
    assert "md5" not in kms.checksums  # under SSE-KMS the ETag is not the MD5 of the bytes


def test_other_bytes_than_the_declared_md5_are_refused_on_complete_and_deleted(
    api, s3_bucket, moto_server
):
    created = create_upload(api, filename="a.txt", content_md5=md5_base64(BODY))
    assert created["upload"]["fields"]["Content-MD5"] == md5_base64(BODY)
    send_instruction(created["upload"], b"other bytes").raise_for_status()  # moto stores them

    done = api.post(created["complete_url"])

    assert done.status_code == 400
    assert f"is not the declared {md5_base64(BODY)}" in done.data["detail"]
    assert UploadedFile.objects.get(pk=created["id"]).file_upload_state == UploadState.FAILED
    assert "Contents" not in s3_client(moto_server).list_objects_v2(Bucket=s3_bucket)


def test_the_declared_md5_completes(api):
    created = create_upload(api, filename="a.txt", content_md5=md5_base64(BODY))
    send_instruction(created["upload"], BODY).raise_for_status()

    done = api.post(created["complete_url"])

    assert done.status_code == 200, done.data
    row = UploadedFile.objects.get(pk=created["id"])
    assert (row.checksum_algorithm, row.checksum) == ("md5", md5_base64(BODY))


def test_a_sha256_is_accepted_at_create_and_signed(api):
    created = create_upload(api, filename="a.txt", checksum_sha256=sha256_base64(BODY))

    assert created["upload"]["fields"]["x-amz-checksum-sha256"] == sha256_base64(BODY)
