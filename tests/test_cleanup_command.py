"""cleanup_uploads removes abandoned uploads and their objects, and keeps the rest."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from s3_file_uploads.models import UploadedFile
from s3_file_uploads.testing import create_upload, send_instruction

from .servers.moto import s3_client


def age(upload_id: str, days: int) -> None:
    UploadedFile.objects.filter(pk=upload_id).update(created=timezone.now() - timedelta(days=days))


def keys(moto_server, bucket) -> list[str]:
    listed = s3_client(moto_server).list_objects_v2(Bucket=bucket).get("Contents", [])
    return [o["Key"] for o in listed]


def test_removes_old_incomplete_uploads_and_keeps_the_rest(api, s3_bucket, moto_server):
    old_sent = create_upload(api, filename="a", body=b"abc")
    old_unsent = create_upload(api, filename="b")
    recent = create_upload(api, filename="c")
    done = create_upload(api, filename="d", body=b"abc")
    api.post(done["complete_url"])
    for upload in (old_sent, old_unsent, done):
        age(upload["id"], 3)

    out = StringIO()
    call_command("cleanup_uploads", "--older-than=1d", stdout=out)

    assert "Removed 2 uploads" in out.getvalue()
    remaining = {str(pk) for pk in UploadedFile.objects.values_list("pk", flat=True)}
    assert remaining == {recent["id"], done["id"]}
    assert keys(moto_server, s3_bucket) == [done["file_key"]]

    again = StringIO()
    call_command("cleanup_uploads", "--older-than=1d", stdout=again)
    assert "Removed 0 uploads" in again.getvalue()


def test_dry_run_changes_nothing(api, s3_bucket):
    upload = create_upload(api, filename="a")
    age(upload["id"], 3)
    out = StringIO()
    call_command("cleanup_uploads", "--dry-run", stdout=out)
    assert "Would remove 1 uploads" in out.getvalue()
    assert UploadedFile.objects.count() == 1


def test_a_row_that_completed_meanwhile_is_kept(api, s3_bucket):
    """Simulates the race: the command read the row as open, then complete won the UPDATE."""
    from s3_file_uploads.management.commands.cleanup_uploads import Command

    upload = create_upload(api, filename="a")
    stale_copy = UploadedFile.objects.get(pk=upload["id"])
    send_instruction(upload["upload"], b"abc")
    api.post(upload["complete_url"])

    assert Command()._remove(stale_copy) == "kept"
    assert UploadedFile.objects.get(pk=upload["id"]).file_upload_state == "COMPLETED"


def test_bad_age_is_a_command_error(db):
    with pytest.raises(CommandError, match="s, m, h, d"):
        call_command("cleanup_uploads", "--older-than=yesterday")


def test_abandoned_multipart_upload_is_aborted(api, settings, s3_bucket, moto_server):
    settings.MAX_FILE_UPLOAD_SIZE = 100 * 1024 * 1024
    created = create_upload(api, filename="big", size=6 * 1024 * 1024, multipart=True)
    client = s3_client(moto_server)
    assert len(client.list_multipart_uploads(Bucket=s3_bucket).get("Uploads", [])) == 1
    age(created["id"], 3)

    call_command("cleanup_uploads", stdout=StringIO())

    assert client.list_multipart_uploads(Bucket=s3_bucket).get("Uploads", []) == []
    assert not UploadedFile.objects.exists()
