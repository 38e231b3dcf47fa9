"""The admin lists uploads with a download link and deletes objects with their rows."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from s3_file_uploads.models import UploadedFile
from s3_file_uploads.testing import create_upload

from .servers.moto import s3_client


@pytest.fixture
def admin_client(client, db):
    get_user_model().objects.create_superuser("root", password="pw-root")
    client.login(username="root", password="pw-root")
    return client


def test_changelist_links_downloads_and_filters(admin_client, api, s3_bucket):
    created = create_upload(api, filename="a.txt", body=b"abc")
    api.post(created["complete_url"])

    page = admin_client.get("/admin/s3_file_uploads/uploadedfile/?file_upload_state=COMPLETED")

    assert page.status_code == 200
    assert b"a.txt" in page.content
    assert b">download</a>" in page.content


def test_delete_action_removes_objects_and_rows(admin_client, api, s3_bucket, moto_server):
    created = create_upload(api, filename="a.txt", body=b"abc")

    admin_client.post(
        "/admin/s3_file_uploads/uploadedfile/",
        {"action": "delete_with_objects", "_selected_action": [created["id"]]},
    )

    assert not UploadedFile.objects.exists()
    assert "Contents" not in s3_client(moto_server).list_objects_v2(Bucket=s3_bucket)
