"""Create-only uploads through the REST API on moto: a declared size gets S3's PUT, and the
upload method setting decides what an upload of unknown size gets."""

from __future__ import annotations

import io

import pytest
import requests
from django.core.management import call_command

from s3_file_uploads.models import UploadState
from s3_file_uploads.testing import api_url, create_upload

pytestmark = pytest.mark.usefixtures("s3_bucket")

BODY = b"the checked bytes\n"


def test_an_upload_of_declared_size_is_a_put_that_completes_and_cannot_be_sent_again(api):
    created = create_upload(api, body=BODY, filename="notes.txt", size=len(BODY))

    done = api.post(api_url(f"{created['id']}/complete/"))
    again = requests.put(
        created["upload"]["url"], data=BODY, headers=created["upload"]["headers"], timeout=30
    )

    assert created["upload"]["method"] == "PUT"
    assert created["upload"]["url"].startswith("http://127.0.0.1:")
    assert created["upload_form"] is None
    assert done.status_code == 200, done.data
    assert done.data["status"] == UploadState.COMPLETED
    assert again.status_code == 412


def test_an_upload_of_unknown_size_keeps_the_seed_post_form(api):
    created = create_upload(api, filename="notes.txt")

    assert created["upload"]["method"] == "POST"
    assert created["upload_form"]["fields"] == created["upload"]["fields"]


def test_upload_method_put_answers_a_create_without_size_with_a_400(settings, api):
    settings.AWS_S3_UPLOAD_METHOD = "put"

    without = api.post(api_url(), {"filename": "a.txt"}, format="json")
    declared = api.post(api_url(), {"filename": "a.txt", "size": 3}, format="json")

    assert without.status_code == 400
    assert "PUT of a declared size" in without.data["size"][0]
    assert declared.status_code == 201
    assert declared.data["upload"]["method"] == "PUT"


@pytest.mark.parametrize("method", ["auto", "put"])
def test_check_storage_round_trips_the_create_only_put_browsers_use(settings, method):
    settings.AWS_S3_UPLOAD_METHOD = method
    out = io.StringIO()

    call_command("check_storage", "--backend", "s3", stdout=out)

    assert "s3  PASS  upload:" in out.getvalue()
    assert "s3  PASS  delete: the object is gone" in out.getvalue()
