"""A project's own upload tests on the memory backend: Django's test client, no network, nothing
patched. docs/testing.md shows this file as it is."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from s3_file_uploads.registry import get_backend

PDF = b"%PDF-1.7 the quarterly report"


@pytest.fixture
def uploads(settings):
    """Uploads go to memory: a fresh, empty backend for each test."""
    settings.STORAGE_BACKEND = "memory"
    settings.S3_FILE_UPLOADS = {"BACKENDS": {"memory": {"BACKEND": "memory"}}}
    return get_backend("memory")


@pytest.fixture
def signed_in(client, db):
    client.force_login(get_user_model().objects.create_user("ada"))
    return client


def create_upload(client, filename):
    reply = client.post(
        reverse("s3_file_uploads:upload-file-create"),
        {"filename": filename},
        content_type="application/json",
    )
    assert reply.status_code == 201
    return reply.json()


def test_a_user_uploads_a_report_and_downloads_it(uploads, signed_in):
    created = create_upload(signed_in, "report.pdf")

    # What the browser does: send the file the way the instruction says.
    instruction = created["upload"]
    sent = signed_in.generic(
        instruction["method"],
        instruction["url"],
        PDF,
        content_type=instruction["headers"]["Content-Type"],
    )
    assert sent.status_code == 201

    completed = signed_in.post(created["complete_url"])
    assert completed.json()["status"] == "COMPLETED"

    download = signed_in.get(created["file"], follow=True)
    assert download.content == PDF
    assert download["Content-Disposition"].startswith("attachment")


def test_complete_refuses_a_file_of_another_type(uploads, signed_in):
    created = create_upload(signed_in, "report.pdf")
    # Skip the browser step: store the bytes straight into the backend.
    uploads.put(created["file_key"], b"<html>", content_type="text/html")

    refused = signed_in.post(created["complete_url"])

    assert refused.status_code == 400
    assert refused.json()["status"] == "FAILED"
    assert uploads.keys() == []  # the refused file was deleted
