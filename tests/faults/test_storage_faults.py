"""Storage that is down or hangs during complete: a 503 with Retry-After, the row as it was, and
a retry that completes once storage is back."""

from __future__ import annotations

import time

import pytest

from s3_file_uploads.models import UploadedFile, UploadState
from s3_file_uploads.registry import get_backend
from s3_file_uploads.testing import create_upload

from ..servers.moto import s3_client
from .conftest import create_and_send, row_values
from .expectations import assert_refused_with

pytestmark = pytest.mark.django_db(transaction=True)

#: Seconds the hanging-storage test allows the S3 client per attempt.
SMALL_TIMEOUT = 0.3


def assert_unavailable(reply) -> None:
    assert reply.status_code == 503, reply.content
    assert int(reply["Retry-After"]) > 0
    assert "nothing was changed" in reply.json()["detail"]


def test_storage_stopped_during_complete_answers_503_and_a_retry_completes(api, own_moto, plugin):
    body = b"bytes that reached storage before it went down"
    created = create_and_send(api, body)
    before = row_values(created["id"])

    own_moto.stop()
    reply = api.post(created["complete_url"])

    assert_unavailable(reply)
    assert row_values(created["id"]) == before
    assert plugin.count("completed") == 0

    own_moto.restart()
    client = s3_client(own_moto)
    client.create_bucket(Bucket="faults")
    client.put_object(
        Bucket="faults", Key=created["file_key"], Body=body, ContentType=created["content_type"]
    )
    retry = api.post(created["complete_url"])

    assert retry.status_code == 200, retry.content
    assert retry.json()["state"] == UploadState.COMPLETED
    row = UploadedFile.objects.get(pk=created["id"])
    assert row.file_upload_state == UploadState.COMPLETED
    assert row.size == len(body)
    assert plugin.count("completed") == 1


def test_storage_stopped_while_refusing_still_fails_the_row_and_says_why(api, own_moto, plugin):
    """The object is refused and storage goes down before it can be deleted: the refusal
    stands (the row is FAILED with its reason, cleanup_uploads removes the object later)
    rather than a 503 that claims nothing changed."""
    created = create_and_send(api, b"MZ\x90\x00 not wanted here")

    def stop_storage_then_refuse(upload, info):
        own_moto.stop()
        return "Executables are not accepted."

    plugin.before_complete = stop_storage_then_refuse
    reply = api.post(created["complete_url"])

    assert_refused_with(reply, created["id"], "Executables are not accepted.")
    again = api.post(created["complete_url"])
    assert again.status_code == 400
    assert again.json()["detail"] == "Executables are not accepted."


def test_hanging_storage_answers_503_within_the_timeout_bound(api, settings, hanging_storage):
    settings.AWS_BUCKET_NAME = "hangs"
    settings.AWS_ACCESS_KEY_ID = "testing-key"
    settings.AWS_SECRET_ACCESS_KEY = "testing-secret"
    settings.AWS_S3_REGION_NAME = "us-east-1"
    settings.AWS_S3_ENDPOINT_URL = hanging_storage.url
    settings.STORAGE_BACKEND = "s3"
    settings.S3_FILE_UPLOADS = {
        "BACKENDS": {"s3": {"BACKEND": "s3", "OPTIONS": {"timeout": SMALL_TIMEOUT}}}
    }
    created = create_upload(api, filename="a.txt")
    before = row_values(created["id"])
    config = get_backend()._client.meta.config
    assert config.read_timeout == SMALL_TIMEOUT
    attempts = config.retries["total_max_attempts"]
    # botocore's standard mode sleeps up to 2**(n-1) s (random) before retry n.
    backoff = sum(2 ** (n - 1) for n in range(1, attempts))

    started = time.monotonic()
    reply = api.post(created["complete_url"])
    elapsed = time.monotonic() - started

    assert_unavailable(reply)
    assert elapsed < SMALL_TIMEOUT * attempts + backoff + 2, elapsed
    assert 1 <= len(hanging_storage.accepted) <= attempts
    assert row_values(created["id"]) == before
