"""A bucket or container that does not exist is the server's settings problem, not a missing file.

Each backend runs against its real stand-in (moto, Azurite, fake-gcs-server) with the bucket
setting pointing at a name nothing holds: complete must answer a 500 that names the bucket and
the setting to fix and changes nothing, where it used to answer 409 "No file has arrived".
"""

from __future__ import annotations

import pytest

from s3_file_uploads.errors import BucketNotFound, ObjectNotFound
from s3_file_uploads.models import UploadedFile, UploadState
from s3_file_uploads.registry import get_backend
from s3_file_uploads.testing import create_upload, send_instruction

MISSING = "no-such-bucket-anywhere"


@pytest.fixture(params=["s3", "azure", "gcs"])
def missing_bucket(request, settings) -> tuple[str, str]:
    """Each cloud backend configured with a bucket (container) that does not exist; returns
    the backend name and the setting that names it."""
    if request.param == "s3":
        request.getfixturevalue("s3_bucket")
        settings.AWS_BUCKET_NAME = MISSING
        return "s3", "AWS_BUCKET_NAME"
    if request.param == "azure":
        request.getfixturevalue("azure_container")
        settings.AZURE_CONTAINER = MISSING
        return "azure", "AZURE_CONTAINER"
    request.getfixturevalue("gcs_bucket")
    settings.GS_BUCKET_NAME = MISSING
    return "gcs", "GS_BUCKET_NAME"


def create(api) -> dict:
    return create_upload(api, filename="report.pdf")


def test_complete_with_a_missing_bucket_is_a_500_naming_the_bucket_and_the_setting(
    api, missing_bucket
):
    backend, setting = missing_bucket
    created = create(api)

    done = api.post(created["complete_url"])

    assert done.status_code == 500, done.content
    assert done.data["bucket"] == MISSING
    assert done.data["backend"] == backend
    assert f"'{MISSING}'" in done.data["detail"]
    assert setting in done.data["detail"]
    assert "nothing was changed" in done.data["detail"]
    assert "No file has arrived" not in done.data["detail"]
    row = UploadedFile.objects.get(pk=created["id"])
    assert row.file_upload_state == UploadState.AWAIT_COMPLETE


def test_stat_and_delete_in_a_missing_bucket_raise_bucket_not_found_not_object_not_found(
    missing_bucket,
):
    storage = get_backend()

    with pytest.raises(BucketNotFound) as stat_error:
        storage.stat("uploads/any/report.pdf")
    with pytest.raises(BucketNotFound) as delete_error:
        storage.delete("uploads/any/report.pdf")

    for error in (stat_error.value, delete_error.value):
        assert not isinstance(error, ObjectNotFound)
        assert error.bucket == MISSING
        assert error.backend == missing_bucket[0]
        assert missing_bucket[1] in error.hint


@pytest.mark.parametrize("fixture", ["s3_bucket", "azure_container", "gcs_bucket"])
def test_an_existing_bucket_without_the_file_still_answers_409(api, request, fixture):
    request.getfixturevalue(fixture)
    created = create(api)

    done = api.post(created["complete_url"])

    assert done.status_code == 409, done.content
    assert "No file has arrived" in done.data["detail"]


def test_on_s3_the_browser_upload_gets_404_and_complete_then_says_why(api, s3_bucket, settings):
    settings.AWS_BUCKET_NAME = MISSING
    created = create(api)

    sent = send_instruction(created["upload"], b"bytes for a bucket that is not there")
    done = api.post(created["complete_url"])

    assert sent.status_code == 404
    assert "NoSuchBucket" in sent.text
    assert done.status_code == 500
    assert "AWS_BUCKET_NAME" in done.data["detail"]


def test_a_settings_problem_in_a_request_is_a_500_never_storage_refused(api, s3_bucket):
    created = create(api)
    UploadedFile.objects.filter(pk=created["id"]).update(backend="retired")

    done = api.post(created["complete_url"])

    assert done.status_code == 500, done.content
    assert "Storage refused" not in done.data["detail"]
    assert "storage settings" in done.data["detail"]
    assert "nothing was changed" in done.data["detail"]
    assert done.data["backend"] == "retired"
    assert UploadedFile.objects.get(pk=created["id"]).file_upload_state == "AWAIT_COMPLETE"
