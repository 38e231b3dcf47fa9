"""A project plugin whose hook raises: the upload must never be left in a state it cannot leave."""

from __future__ import annotations

import pytest

from s3_file_uploads.models import UploadedFile, UploadState

from ..servers.moto import s3_client
from .conftest import create_and_send

pytestmark = pytest.mark.django_db(transaction=True)


class ScannerDown(RuntimeError):
    pass


def test_before_complete_hook_that_raises_leaves_the_row_open_and_a_retry_completes(
    api, s3_bucket, moto_server, plugin
):
    created = create_and_send(api)
    before = UploadedFile.objects.values().get(pk=created["id"])

    def scanner_down(upload, info):
        raise ScannerDown("virus scanner unreachable")

    plugin.before_complete = scanner_down
    api.raise_request_exception = False
    reply = api.post(created["complete_url"])

    assert reply.status_code == 500
    assert UploadedFile.objects.values().get(pk=created["id"]) == before
    assert s3_client(moto_server).head_object(Bucket=s3_bucket, Key=created["file_key"])
    assert plugin.count("completed") == 0

    plugin.before_complete = None
    retry = api.post(created["complete_url"])

    assert retry.status_code == 200, retry.content
    assert retry.json()["state"] == UploadState.COMPLETED
    assert plugin.count("before_complete") == 2
    assert plugin.count("completed") == 1


def test_completed_hook_that_raises_leaves_the_row_completed_and_a_retry_answers_200(
    api, s3_bucket, plugin
):
    created = create_and_send(api)

    def thumbnailer_down(upload):
        raise ScannerDown("thumbnail service unreachable")

    plugin.completed = thumbnailer_down
    api.raise_request_exception = False
    reply = api.post(created["complete_url"])

    assert reply.status_code == 500
    row = UploadedFile.objects.get(pk=created["id"])
    assert row.file_upload_state == UploadState.COMPLETED
    assert row.completed_at is not None

    retry = api.post(created["complete_url"])

    assert retry.status_code == 200, retry.content
    assert retry.json()["state"] == UploadState.COMPLETED
    assert retry.json()["completed_at"]
    assert plugin.count("completed") == 1, "the completed hook runs once per upload"
