"""Attacks on the S3 upload instruction, refused by S3 itself: LocalStack's S3 over HTTP.

moto stores whatever is posted, so these run against LocalStack, which enforces much of what
real S3 does (see docs/security.md, "Integrity"). Every upload goes through the HTTP API: create,
then the instruction exactly as a browser would use it, with one thing changed.

What LocalStack does NOT check, and these tests therefore do not claim: the POST policy's
signature (a well-formed policy edited by the client is taken at its word; real S3 refuses it
with SignatureDoesNotMatch), and the bytes against a ``Content-MD5`` field on POST (real S3
answers BadDigest). Where that matters, the test shows the complete step still holds the line.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time

import pytest
import requests

from s3_file_uploads.models import UploadedFile, UploadState
from s3_file_uploads.testing import api_url, create_upload, md5_base64, sha256_base64

from .servers.localstack import localstack_client

GOOD = b"the bytes that were checked\n" * 8
EVIL = b"other bytes, same length!!!\n" * 8
pytestmark = pytest.mark.usefixtures("localstack_bucket")


def create(api, **body) -> dict:
    return create_upload(api, **{"filename": "notes.txt", **body})


def send(instruction: dict, body: bytes, **changed: str | None) -> requests.Response:
    """POST the form as a browser would, with some fields changed (``None`` drops a field)."""
    fields = {**instruction["fields"], **changed}
    fields = {name: value for name, value in fields.items() if value is not None}
    return requests.post(
        instruction["url"], data=fields, files={"file": ("f.txt", body)}, timeout=30
    )


def complete(api, upload: dict):
    return api.post(api_url(f"{upload['id']}/complete/"))


def stored(server, bucket: str, key: str) -> bytes | None:
    client = localstack_client(server)
    try:
        return client.get_object(Bucket=bucket, Key=key)["Body"].read()
    except client.exceptions.NoSuchKey:
        return None


def refused(response: requests.Response, status: int, code: str) -> bool:
    return response.status_code == status and f"<Code>{code}</Code>" in response.text


def test_an_object_over_the_signed_size_range_is_refused_by_s3(api, settings, localstack_s3):
    settings.MAX_FILE_UPLOAD_SIZE = 100
    upload = create(api)

    response = send(upload["upload"], b"x" * 101)

    assert refused(response, 400, "EntityTooLarge")
    assert stored(localstack_s3, settings.AWS_BUCKET_NAME, upload["file_key"]) is None
    assert complete(api, upload).status_code == 409  # nothing arrived


def test_a_wrong_content_type_field_is_refused_by_the_policy(api, settings, localstack_s3):
    upload = create(api, filename="cat.png", content_type="image/png")

    response = send(upload["upload"], b"<script>alert(1)</script>", **{"Content-Type": "text/html"})

    assert refused(response, 403, "AccessDenied")
    assert "Policy Condition failed" in response.text
    assert stored(localstack_s3, settings.AWS_BUCKET_NAME, upload["file_key"]) is None


def test_a_key_field_aimed_at_another_upload_is_refused(api, settings, localstack_s3):
    victim = create(api, filename="victim.txt")
    send(victim["upload"], GOOD).raise_for_status()
    attacker = create(api, filename="attacker.txt")

    response = send(attacker["upload"], EVIL, key=victim["file_key"])

    assert refused(response, 403, "AccessDenied")
    assert stored(localstack_s3, settings.AWS_BUCKET_NAME, victim["file_key"]) == GOOD


def test_a_garbled_policy_is_refused(api):
    upload = create(api)
    policy = upload["upload"]["fields"]["policy"]

    response = send(upload["upload"], GOOD, policy=policy[:-8] + "AAAA====")

    assert refused(response, 403, "SignatureDoesNotMatch")


def test_a_re_signed_policy_gets_past_localstack_but_not_past_complete(
    api, settings, localstack_s3
):
    # LocalStack does not verify the POST signature (real S3 refuses this upload with
    # SignatureDoesNotMatch): it checks the conditions of whatever policy is sent. So a client
    # that drops content-length-range from the policy stores an oversize object here. This test
    # asserts only that the complete step, which re-checks size, refuses it and deletes it.
    settings.MAX_FILE_UPLOAD_SIZE = 100
    upload = create(api)
    policy = json.loads(base64.b64decode(upload["upload"]["fields"]["policy"]))
    policy["conditions"] = [c for c in policy["conditions"] if "content-length-range" not in c]
    edited = base64.b64encode(json.dumps(policy).encode()).decode()

    assert send(upload["upload"], b"x" * 500, policy=edited).status_code == 204
    done = complete(api, upload)

    assert done.status_code == 400
    assert "500 bytes; the limit is 100 bytes" in done.data["detail"]
    assert stored(localstack_s3, settings.AWS_BUCKET_NAME, upload["file_key"]) is None


def test_other_bytes_than_the_declared_sha256_are_refused_by_s3(api, settings, localstack_s3):
    upload = create(api, checksum_sha256=sha256_base64(GOOD))
    instruction = upload["upload"]

    other_bytes = send(instruction, EVIL)
    forged_field = send(instruction, EVIL, **{"x-amz-checksum-sha256": sha256_base64(EVIL)})
    dropped_fields = send(
        instruction, EVIL, **{"x-amz-checksum-sha256": None, "x-amz-checksum-algorithm": None}
    )

    # S3 answers BadDigest to a PUT; LocalStack answers a POST with 400 InvalidRequest.
    assert other_bytes.status_code == 400
    assert "x-amz-checksum-sha256" in other_bytes.text
    assert refused(forged_field, 403, "AccessDenied")  # the field is a policy condition
    assert refused(dropped_fields, 403, "AccessDenied")
    assert stored(localstack_s3, settings.AWS_BUCKET_NAME, upload["file_key"]) is None


def test_the_declared_sha256_is_reported_and_the_upload_completes(api):
    upload = create(api, checksum_sha256=sha256_base64(GOOD))
    send(upload["upload"], GOOD).raise_for_status()

    done = complete(api, upload)

    assert done.status_code == 200, done.data
    assert done.data["status"] == UploadState.COMPLETED


def test_a_content_md5_mismatch_is_refused_on_complete_and_deleted(api, settings, localstack_s3):
    # Real S3 checks the bytes against the Content-MD5 field and answers 400 BadDigest;
    # LocalStack only checks the field against the policy, so the object is stored here, and
    # the complete step (the object's ETag is its MD5) refuses and deletes it.
    upload = create(api, content_md5=md5_base64(GOOD))
    assert refused(
        send(upload["upload"], EVIL, **{"Content-MD5": md5_base64(EVIL)}), 403, "AccessDenied"
    )
    send(upload["upload"], EVIL).raise_for_status()

    done = complete(api, upload)

    assert done.status_code == 400
    assert "md5 checksum" in done.data["detail"]
    assert stored(localstack_s3, settings.AWS_BUCKET_NAME, upload["file_key"]) is None


def test_an_expired_instruction_is_refused(api, settings, localstack_s3):
    settings.S3_FILE_UPLOADS = {"UPLOAD_EXPIRY": 1}
    upload = create(api)

    time.sleep(2.1)
    response = send(upload["upload"], GOOD)

    assert refused(response, 403, "AccessDenied")
    assert "Policy expired" in response.text
    assert stored(localstack_s3, settings.AWS_BUCKET_NAME, upload["file_key"]) is None


def test_a_part_url_takes_exactly_its_signed_length(api):
    upload = create(api, size=1000, multipart=True)
    declared = {"parts": [{"part_number": 1, "checksum": sha256_base64(b"x" * 1000)}]}
    signed = api.post(api_url(f"{upload['id']}/parts/"), declared, format="json")
    part, headers = signed.data["parts"][0], signed.data["parts"][0]["headers"]
    assert part["size"] == 1000

    longer = requests.put(part["url"], data=b"x" * 1001, headers=headers, timeout=30)
    shorter = requests.put(part["url"], data=b"x" * 999, headers=headers, timeout=30)
    exact = requests.put(part["url"], data=b"x" * 1000, headers=headers, timeout=30)

    assert refused(longer, 403, "SignatureDoesNotMatch")  # Content-Length is signed (SigV4)
    assert refused(shorter, 403, "SignatureDoesNotMatch")
    assert exact.status_code == 200
    assert complete(api, upload).data["status"] == UploadState.COMPLETED


def test_reusing_a_checksum_bound_instruction_after_complete_cannot_replace_the_bytes(
    api, settings, localstack_s3
):
    upload = create(api, checksum_sha256=sha256_base64(GOOD))
    send(upload["upload"], GOOD).raise_for_status()
    assert complete(api, upload).data["status"] == UploadState.COMPLETED

    forged = send(upload["upload"], EVIL, **{"x-amz-checksum-sha256": sha256_base64(EVIL)})
    again = send(upload["upload"], EVIL)

    assert refused(forged, 403, "AccessDenied")
    assert again.status_code == 400
    # The object is still the one complete checked. Compared by its metadata: LocalStack's
    # in-memory store writes a refused POST into the same data file as the object already under
    # that key and then removes it, so a GET of it breaks afterwards (a LocalStack defect; S3
    # replaces an object atomically, and never on a refused write).
    head = localstack_client(localstack_s3).head_object(
        Bucket=settings.AWS_BUCKET_NAME, Key=upload["file_key"], ChecksumMode="ENABLED"
    )
    assert head["ChecksumSHA256"] == sha256_base64(GOOD)
    assert head["ETag"].strip('"') == hashlib.md5(GOOD, usedforsecurity=False).hexdigest()
    assert UploadedFile.objects.get(pk=upload["id"]).file_upload_state == UploadState.COMPLETED


def test_reusing_an_instruction_without_checksum_overwrites_but_the_row_keeps_what_was_checked(
    api, settings, localstack_s3
):
    # The known limit on S3 (docs/security.md, "Integrity"): a POST policy stays valid until
    # it expires (UPLOAD_EXPIRY, 300 s by default) and POST Object has no conditional write
    # (If-None-Match is a PutObject/CompleteMultipartUpload header, and a POST's headers are not
    # signed anyway), so the holder of an instruction can replace the object with other bytes
    # that fit the policy. Declaring a checksum at create closes this (test above).
    upload = create(api)
    send(upload["upload"], GOOD).raise_for_status()
    checked = complete(api, upload)
    row = UploadedFile.objects.get(pk=upload["id"])

    replaced = requests.post(
        upload["upload"]["url"],
        data=upload["upload"]["fields"],
        files={"file": ("f.txt", EVIL)},
        headers={"If-None-Match": "*"},
        timeout=30,
    )

    assert replaced.status_code == 204
    head = localstack_client(localstack_s3).head_object(
        Bucket=settings.AWS_BUCKET_NAME, Key=upload["file_key"]
    )
    assert head["ETag"].strip('"') != row.etag  # storage changed under the completed row ...
    assert (row.size, row.etag) == (len(GOOD), hashlib.md5(GOOD, usedforsecurity=False).hexdigest())
    assert complete(api, upload).data == checked.data  # ... which completing again never adopts


# The create-only PUT: an upload of declared size.


def put(instruction: dict, body: bytes, **changed: str | None) -> requests.Response:
    """PUT the bytes with the instruction's headers, some changed (``None`` drops a header)."""
    headers = {**instruction["headers"], **changed}
    headers = {name: value for name, value in headers.items() if value is not None}
    return requests.put(instruction["url"], data=body, headers=headers, timeout=30)


def test_a_second_put_to_a_completed_key_gets_412_and_the_bytes_stay(api, settings, localstack_s3):
    upload = create(api, size=len(GOOD))
    assert upload["upload"]["method"] == "PUT"
    put(upload["upload"], GOOD).raise_for_status()
    assert complete(api, upload).data["status"] == UploadState.COMPLETED

    again = put(upload["upload"], EVIL)

    assert refused(again, 412, "PreconditionFailed")
    assert stored(localstack_s3, settings.AWS_BUCKET_NAME, upload["file_key"]) == GOOD


def test_a_put_of_another_length_than_signed_is_refused(api, settings, localstack_s3):
    upload = create(api, size=len(GOOD))

    longer = put(upload["upload"], GOOD + b"!")
    shorter = put(upload["upload"], GOOD[:-1])

    assert refused(longer, 403, "SignatureDoesNotMatch")  # Content-Length is signed
    assert refused(shorter, 403, "SignatureDoesNotMatch")
    assert stored(localstack_s3, settings.AWS_BUCKET_NAME, upload["file_key"]) is None


@pytest.mark.parametrize(
    ("declared", "header", "forged"),
    [
        ({"content_md5": md5_base64(GOOD)}, "Content-MD5", md5_base64(EVIL)),
        ({"checksum_sha256": sha256_base64(GOOD)}, "x-amz-checksum-sha256", sha256_base64(EVIL)),
    ],
)
def test_a_put_of_other_bytes_than_the_signed_checksum_is_refused(
    api, settings, localstack_s3, declared, header, forged
):
    upload = create(api, size=len(GOOD), **declared)

    other_bytes = put(upload["upload"], EVIL)
    forged_header = put(upload["upload"], EVIL, **{header: forged})
    dropped_header = put(upload["upload"], EVIL, **{header: None})

    assert other_bytes.status_code == 400  # BadDigest (MD5), or the SHA-256 mismatch
    assert refused(forged_header, 403, "SignatureDoesNotMatch")
    assert refused(dropped_header, 403, "SignatureDoesNotMatch")
    assert stored(localstack_s3, settings.AWS_BUCKET_NAME, upload["file_key"]) is None


def test_dropping_if_none_match_breaks_the_signature(api, settings, localstack_s3):
    upload = create(api, size=len(GOOD))

    dropped = put(upload["upload"], GOOD, **{"If-None-Match": None})
    other_type = put(upload["upload"], GOOD, **{"Content-Type": "text/html"})

    assert refused(dropped, 403, "SignatureDoesNotMatch")
    assert refused(other_type, 403, "SignatureDoesNotMatch")
    assert stored(localstack_s3, settings.AWS_BUCKET_NAME, upload["file_key"]) is None
