"""Reclaiming unattached uploads while a model attaches one, from another thread.

The cleanup runs in a thread against moto behind a gate that holds the DELETE of one object, so
the test knows how far the cleanup got: it has read its candidates and claimed the upload whose
object it is deleting. The main thread attaches an upload at that moment and opens the gate. An
attach that commits before an upload's claim keeps it whole; one that commits between the claim
and the row's delete keeps the row (``FAILED``, its object gone) and the model row; one that
comes after the delete is refused by the database. No model row is ever deleted.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError
from django.utils import timezone

from s3_file_uploads.models import UploadedFile, UploadState
from s3_file_uploads.reclaim import UNATTACHED
from s3_file_uploads.testing import api_client, create_upload

from ..reclaim_app.models import Gallery, Llama
from ..servers.moto import create_browser_bucket, s3_client
from .conftest import run_in_threads
from .storage_gate import StorageGate

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def gate(moto_server, settings, request) -> Iterator[StorageGate]:
    """The S3 backend on a fresh moto bucket, through a gate; reclaiming after a day."""
    proxy = StorageGate(moto_server.url)
    create_browser_bucket(proxy, f"gate-{abs(hash(request.node.nodeid)) % 10**12}", settings)
    settings.S3_FILE_UPLOADS = {"RECLAIM_UNATTACHED_AFTER": 24 * 3600}
    yield proxy
    proxy.close()


def completed_days_ago(api, name: str, days: int) -> UploadedFile:
    created = create_upload(api, filename=name, body=b"bytes of " + name.encode())
    done = api.post(created["complete_url"])
    assert done.status_code == 200, done.content
    when = timezone.now() - timedelta(days=days)
    UploadedFile.objects.filter(pk=created["id"]).update(created=when, completed_at=when)
    return UploadedFile.objects.get(pk=created["id"])


def stored(moto_server, settings) -> set[str]:
    listed = s3_client(moto_server).list_objects_v2(Bucket=settings.AWS_BUCKET_NAME)
    return {item["Key"] for item in listed.get("Contents", [])}


def cleanup_while(held, attach) -> str:
    """Run cleanup_uploads in a thread; when it reaches the held DELETE, ``attach()`` in this
    one, then let the DELETE through. The command's output."""
    out = StringIO()

    def either(index: int) -> None:
        if index == 0:
            call_command("cleanup_uploads", stdout=out)
            return
        held.wait_until_reached()
        try:
            attach()
        finally:
            held.release()

    run_in_threads(either, 2)
    return out.getvalue()


def test_an_upload_attached_after_cleanup_read_it_but_before_its_claim_is_kept(
    user, gate, moto_server, settings
):
    api = api_client(user)
    first = completed_days_ago(api, "first.txt", days=3)
    second = completed_days_ago(api, "second.txt", days=2)
    held = gate.hold(first.file_key)

    out = cleanup_while(held, lambda: Gallery.objects.create().photos.add(second))

    assert "Removed 1 uploads: 0 abandoned, 0 orphaned, 1 unattached." in out
    assert "Kept 1 that completed or were attached meanwhile" in out
    assert not UploadedFile.objects.filter(pk=first.pk).exists()
    assert UploadedFile.objects.get(pk=second.pk).file_upload_state == UploadState.COMPLETED
    assert stored(moto_server, settings) == {second.file_key}
    assert list(Gallery.objects.get().photos.all()) == [second]
    with pytest.raises(IntegrityError):  # attaching the reclaimed one: its row is gone
        Llama.objects.create(avatar_id=first.pk)


def test_an_upload_attached_while_its_object_is_deleted_keeps_its_row_and_its_model(
    user, gate, moto_server, settings
):
    upload = completed_days_ago(api_client(user), "late.txt", days=2)
    held = gate.hold(upload.file_key)
    attached: list[Llama] = []

    out = cleanup_while(held, lambda: attached.append(Llama.objects.create(avatar=upload)))

    assert "Removed 0 uploads" in out
    assert "1 were attached while being reclaimed" in out
    row = UploadedFile.objects.get(pk=upload.pk)
    assert (row.file_upload_state, row.failure_reason) == (UploadState.FAILED, UNATTACHED)
    assert stored(moto_server, settings) == set()
    call_command("cleanup_uploads", "--older-than", "0s", stdout=StringIO())
    assert Llama.objects.get(pk=attached[0].pk).avatar_id == upload.pk
