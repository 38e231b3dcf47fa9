"""Lifecycle hooks and signals around a real upload on moto: what they see, what they can refuse."""

from __future__ import annotations

import pytest

from s3_file_uploads.hookspecs import hookimpl
from s3_file_uploads.models import UploadedFile
from s3_file_uploads.signals import upload_completed, upload_deleted
from s3_file_uploads.testing import create_upload

from .plugin_modules import plugin_module


@pytest.fixture
def calls(settings, s3_bucket):
    """Register a project plugin module that records every hook call, and refuses '.exe'."""
    seen: list[tuple[str, str]] = []

    @hookimpl
    def s3_file_uploads_upload_created(upload, request):
        seen.append(("created", upload.filename))

    @hookimpl
    def s3_file_uploads_before_complete(upload, info):
        seen.append(("before_complete", f"{info.size}"))
        if upload.filename.endswith(".exe"):
            return "Executables are not accepted."
        return None

    @hookimpl
    def s3_file_uploads_upload_completed(upload):
        seen.append(("completed", upload.file_upload_state))

    @hookimpl
    def s3_file_uploads_upload_deleted(upload):
        seen.append(("deleted", upload.filename))

    hooks = (
        s3_file_uploads_upload_created,
        s3_file_uploads_before_complete,
        s3_file_uploads_upload_completed,
        s3_file_uploads_upload_deleted,
    )
    with plugin_module("recording_plugin", *hooks) as name:
        settings.S3_FILE_UPLOADS = {"PLUGINS": [name]}
        yield seen


def test_hooks_see_the_whole_life_of_an_upload(api, calls):
    signalled = []
    record = lambda sender, upload, **kw: signalled.append(upload.file_upload_state)  # noqa: E731
    upload_completed.connect(record)
    upload_deleted.connect(record)
    try:
        created = create_upload(api, filename="a.txt", body=b"abc")
        api.post(created["complete_url"])
        api.post(created["complete_url"])
        api.delete(created["file_path"])
    finally:
        upload_completed.disconnect(record)
        upload_deleted.disconnect(record)

    assert calls == [
        ("created", "a.txt"),
        ("before_complete", "3"),
        ("completed", "COMPLETED"),
        ("deleted", "a.txt"),
    ]
    assert signalled == ["COMPLETED", "COMPLETED"]


def test_before_complete_hook_refuses_deletes_and_fails_the_row(api, calls, s3_bucket, moto_server):
    from .servers.moto import s3_client

    created = create_upload(api, filename="setup.exe", body=b"MZ")

    refused = api.post(created["complete_url"])

    assert refused.status_code == 400
    assert refused.data["detail"] == "Executables are not accepted."
    assert UploadedFile.objects.get(pk=created["id"]).file_upload_state == "FAILED"
    assert "Contents" not in s3_client(moto_server).list_objects_v2(Bucket=s3_bucket)
    assert ("completed", "COMPLETED") not in calls
