"""The DRF relation field and the model's seed methods."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from s3_file_uploads.fields import UploadedFilePrimaryKeyRelatedField
from s3_file_uploads.models import UploadedFile, UploadState


class AttachmentSerializer(serializers.Serializer):
    document = UploadedFilePrimaryKeyRelatedField()


def validate(user, value):
    request = APIRequestFactory().post("/")
    request.user = user
    serializer = AttachmentSerializer(data={"document": value}, context={"request": request})
    return serializer.is_valid(), serializer


def row(user, state=UploadState.COMPLETED):
    return UploadedFile.objects.create(user=user, backend="s3", file_upload_state=state)


def test_accepts_the_users_completed_upload(user):
    mine = row(user)
    ok, serializer = validate(user, str(mine.pk))
    assert ok
    assert serializer.validated_data["document"] == mine


@pytest.mark.parametrize("state", [UploadState.AWAIT_COMPLETE, UploadState.FAILED])
def test_refuses_an_upload_that_did_not_complete(user, state):
    ok, serializer = validate(user, str(row(user, state).pk))
    assert not ok
    assert "No completed upload of yours" in str(serializer.errors["document"])


def test_refuses_another_users_upload(user, other_user):
    ok, _ = validate(user, str(row(other_user).pk))
    assert not ok


def test_anonymous_request_gets_a_validation_error(user):
    ok, serializer = validate(AnonymousUser(), str(row(user).pk))
    assert not ok
    assert "Log in" in str(serializer.errors["document"])


@pytest.mark.parametrize("value", ["not-a-uuid", 12, ["x"]])
def test_malformed_ids_are_validation_errors(user, value):
    ok, _ = validate(user, value)
    assert not ok


def test_permit_reupload_reopens_a_completed_upload_once(user):
    done = row(user)
    assert done.permit_reupload()
    assert done.file_upload_state == UploadState.AWAIT_COMPLETE
    assert UploadedFile.objects.get(pk=done.pk).file_upload_state == UploadState.AWAIT_COMPLETE
    assert not done.permit_reupload()


def test_seed_rows_keep_their_id_as_key(user):
    seed_row = UploadedFile(id=uuid.uuid4(), file_key="", backend="s3")
    assert seed_row.get_file_key() == str(seed_row.id)
    assert seed_row.file_path == f"/api/s3-file-uploads/{seed_row.id}/"
