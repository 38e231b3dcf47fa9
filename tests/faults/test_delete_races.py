"""Delete, abort and cleanup while a complete is running, over a real moto server.

A ``before_complete`` hook holds the complete after it has asked storage what arrived and
before it moves the row, the widest window there is (a virus scan takes seconds). While it is
held, another request deletes, aborts or cleans up the upload. Every interleaving must end in a
defined reply, never a 500, and leave no row and no object that nobody tracks.
"""

from __future__ import annotations

import threading

import pytest
from botocore.exceptions import ClientError
from django.core.management import call_command

from s3_file_uploads.models import UploadedFile, UploadState
from s3_file_uploads.testing import api_client, create_upload
from s3_file_uploads.testing.multipart import put_part, sign_parts

from ..servers.moto import s3_client
from .conftest import create_and_send, run_in_threads

pytestmark = pytest.mark.django_db(transaction=True)

MiB = 1024 * 1024


def object_exists(moto_server, bucket: str, key: str) -> bool:
    try:
        s3_client(moto_server).head_object(Bucket=bucket, Key=key)
    except ClientError:
        return False
    return True


def open_multipart_uploads(moto_server, bucket: str) -> list[str]:
    listed = s3_client(moto_server).list_multipart_uploads(Bucket=bucket)
    return [u["UploadId"] for u in listed.get("Uploads", [])]


def hold_complete_while(plugin, interloper):
    """Make the next complete run ``interloper()`` from inside its before_complete hook."""
    reached, released = threading.Event(), threading.Event()

    def held(upload, info):
        reached.set()
        assert released.wait(timeout=20), "the interloper never finished"

    plugin.before_complete = held

    def run(index: int):
        if index == 0:
            return "complete", None
        assert reached.wait(timeout=20), "the complete never reached its hook"
        try:
            return "interloper", interloper()
        finally:
            released.set()

    return run


def race(user, plugin, created, interloper):
    """Complete ``created`` while ``interloper`` runs inside its hook; both outcomes."""
    run = hold_complete_while(plugin, interloper)
    complete_client = api_client(user)
    complete_client.raise_request_exception = False
    results: dict[str, object] = {}

    def either(index: int):
        if index == 0:
            results["complete"] = complete_client.post(created["complete_url"])
        else:
            results["interloper"] = run(index)[1]

    run_in_threads(either, 2)
    return results["complete"], results["interloper"]


def test_delete_during_complete_answers_404_and_leaves_no_row_and_no_object(
    user, s3_bucket, moto_server, plugin
):
    created = create_and_send(api_client(user))

    def delete():
        return api_client(user).delete(created["file_path"])

    completed, deleted = race(user, plugin, created, delete)

    assert deleted.status_code == 204
    assert completed.status_code == 404, completed.content
    assert "deleted while it was being completed" in completed.json()["detail"]
    assert not UploadedFile.objects.filter(pk=created["id"]).exists()
    assert not object_exists(moto_server, s3_bucket, created["file_key"])


def test_abort_during_a_multipart_complete_leaves_a_failed_row_and_no_object(
    user, s3_bucket, moto_server, plugin, settings
):
    settings.MAX_FILE_UPLOAD_SIZE = 20 * MiB
    api = api_client(user)
    body = b"m" * (5 * MiB + 10)
    created = create_upload(api, filename="big.bin", size=len(body), multipart=True)
    plan = created["multipart"]
    numbers = list(range(1, plan["part_count"] + 1))
    for part, chunk in sign_parts(api, created, body, numbers):  # with their checksums
        sent = put_part(part, chunk, "")
        assert sent.status_code == 200, sent.text

    def abort():
        return api_client(user).post(plan["abort_url"])

    completed, aborted = race(user, plugin, created, abort)

    assert aborted.status_code == 204, aborted.content
    assert completed.status_code == 400, completed.content
    assert completed.json()["state"] == UploadState.FAILED
    assert completed.json()["detail"] == "Aborted by the client."
    assert not object_exists(moto_server, s3_bucket, created["file_key"])
    assert open_multipart_uploads(moto_server, s3_bucket) == []


def test_cleanup_during_complete_reclaims_the_upload_and_complete_reports_it(
    user, s3_bucket, moto_server, plugin
):
    created = create_and_send(api_client(user))

    def cleanup():
        call_command("cleanup_uploads", "--older-than", "0s", verbosity=0)

    completed, _ = race(user, plugin, created, cleanup)

    assert completed.status_code in (400, 404), completed.content
    assert completed.status_code != 400 or completed.json()["state"] == UploadState.FAILED
    assert not UploadedFile.objects.filter(pk=created["id"]).exists()
    assert not object_exists(moto_server, s3_bucket, created["file_key"])


def test_two_deletes_at_once_both_end_cleanly(user, s3_bucket, moto_server, waiting_locks):
    created = create_and_send(api_client(user))
    assert api_client(user).post(created["complete_url"]).status_code == 200
    start = threading.Barrier(2)

    def delete(_: int):
        client = api_client(user)
        start.wait(timeout=10)
        return client.delete(created["file_path"]).status_code

    statuses = run_in_threads(delete, 2)

    assert sorted(statuses) in ([204, 204], [204, 404]), statuses
    assert not UploadedFile.objects.filter(pk=created["id"]).exists()
    assert not object_exists(moto_server, s3_bucket, created["file_key"])


def test_deleting_an_open_multipart_upload_aborts_it_on_s3(user, s3_bucket, moto_server, settings):
    settings.MAX_FILE_UPLOAD_SIZE = 20 * MiB
    api = api_client(user)
    created = create_upload(api, filename="big.bin", size=6 * MiB, multipart=True)
    assert open_multipart_uploads(moto_server, s3_bucket) != []

    assert api.delete(created["file_path"]).status_code == 204

    assert open_multipart_uploads(moto_server, s3_bucket) == []
    assert not UploadedFile.objects.filter(pk=created["id"]).exists()
