"""A project's upload tests with the kit's helpers: real HTTP to a live server, nothing patched.
docs/testing.md shows this file as it is."""

import pytest
from django.contrib.auth import get_user_model

from s3_file_uploads.registry import get_backend
from s3_file_uploads.testing import api_client, create_upload, md5_base64, send_instruction

PDF = b"%PDF-1.7 the quarterly report"


@pytest.fixture
def uploads(settings, live_server):
    """Uploads go to memory, at URLs the live server answers, so real HTTP reaches them."""
    settings.STORAGE_BACKEND = "memory"
    settings.S3_FILE_UPLOADS = {
        "BACKENDS": {"memory": {"BACKEND": "memory", "OPTIONS": {"base_url": live_server.url}}}
    }
    return get_backend("memory")


@pytest.fixture
def ada(db):
    return api_client(get_user_model().objects.create_user("ada"))


def test_the_bytes_a_browser_sends_are_the_bytes_stored(uploads, ada):
    created = create_upload(ada, filename="report.pdf", body=PDF)

    completed = ada.post(created["complete_url"])

    assert completed.status_code == 200
    assert uploads.get(created["file_key"]) == PDF


def test_other_bytes_than_the_declared_md5_are_refused(uploads, ada):
    created = create_upload(ada, filename="report.pdf", content_md5=md5_base64(PDF))

    refused = send_instruction(created["upload"], b"%PDF-1.7 another report")

    assert refused.status_code == 400
    assert uploads.keys() == []
