"""Switching the default backend never strands files: each row keeps using the backend it names."""

from __future__ import annotations

import requests

from s3_file_uploads.models import UploadedFile
from s3_file_uploads.testing import create_upload


def upload_and_complete(api, body: bytes) -> dict:
    created = create_upload(api, filename="doc.txt", body=body)
    completed = api.post(created["complete_url"])
    assert completed.status_code == 200, completed.content
    return completed.data


def download(api, data: dict) -> bytes:
    location = api.get(data["file_path"])["Location"]
    return requests.get(location, timeout=10).content


def test_upload_to_s3_switch_to_azure_upload_again_and_download_both(
    api, settings, s3_bucket, azure_container
):
    settings.S3_FILE_UPLOADS = {
        "BACKENDS": {
            "legacy": {"BACKEND": "s3"},
            "archive": {"BACKEND": "azure"},
        }
    }
    settings.STORAGE_BACKEND = "legacy"
    on_s3 = upload_and_complete(api, b"stored on S3")

    settings.STORAGE_BACKEND = "archive"
    on_azure = upload_and_complete(api, b"stored on Azure")

    assert (on_s3["backend"], on_azure["backend"]) == ("legacy", "archive")
    assert UploadedFile.objects.get(pk=on_s3["id"]).backend == "legacy"
    assert download(api, on_s3) == b"stored on S3"
    assert download(api, on_azure) == b"stored on Azure"
    assert api.delete(on_s3["file_path"]).status_code == 204
    assert api.delete(on_azure["file_path"]).status_code == 204
