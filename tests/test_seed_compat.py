"""0.1.0's public Python names keep working on the new design: get_upload_form() and
completed_upload() on the row, the asset handler, UploadedFileSerializer and
AccessControlListSerializer, and the relation field's messages."""

from __future__ import annotations

import uuid

import pytest
import requests
from django.test import Client
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from s3_file_uploads.aws import S3AssetHandler
from s3_file_uploads.completion import NotUploadedYet
from s3_file_uploads.errors import AclNotSupported, ObjectNotFound, UploadRefused
from s3_file_uploads.fields import UploadedFilePrimaryKeyRelatedField
from s3_file_uploads.memory import MemoryBackend
from s3_file_uploads.models import UploadedFile, UploadNotOpen, UploadState
from s3_file_uploads.registry import get_backend
from s3_file_uploads.serializers import AccessControlListSerializer, UploadedFileSerializer
from s3_file_uploads.testing import send_instruction

PDF = b"%PDF-1.7 first\n" * 4
#: UploadedFileSerializer's keys in 0.1.0 (its ``file_name`` never appeared: it named no field).
SEED_KEYS = ["id", "created", "modified", "file_key", "file", "filename", "file_path", "user"]


@pytest.fixture
def memory(settings) -> MemoryBackend:
    settings.S3_FILE_UPLOADS = {"BACKENDS": {"memory": {"BACKEND": "memory"}}}
    settings.STORAGE_BACKEND = "memory"
    return get_backend("memory")


def seed_row(**fields) -> UploadedFile:
    """A row made the 0.1.0 way: the ORM, a filename, nothing else."""
    return UploadedFile.objects.create(filename="report.pdf", **fields)


def follow(instruction: dict, body: bytes):
    """Follow a PUT instruction with Django's test client (the memory backend's URLs)."""
    return Client().put(
        instruction["url"], body, content_type=instruction["headers"]["Content-Type"]
    )


# get_upload_form() ----------------------------------------------------------------------------


def test_get_upload_form_on_s3_gives_0_1_0s_url_and_fields_for_the_rows_own_key(s3_bucket, user):
    row = seed_row(user=user)

    form = row.get_upload_form()

    assert form["url"].startswith("http")
    assert form["fields"]["key"] == str(row.id)
    assert "policy" in form["fields"]
    assert send_instruction(form, PDF).status_code == 204
    row.completed_upload()
    stored = UploadedFile.objects.get(pk=row.pk)
    assert stored.file_upload_state == UploadState.COMPLETED
    assert stored.size == len(PDF)
    assert stored.get_file_key() == str(row.id)


def test_get_upload_form_records_what_it_signed_on_a_row_that_lacked_it(memory, user):
    row = seed_row(user=user)
    assert (row.backend, row.content_type, row.size_limit) == ("", "", None)

    row.get_upload_form()

    stored = UploadedFile.objects.get(pk=row.pk)
    assert stored.file_upload_state == UploadState.AWAIT_COMPLETE
    assert stored.backend == "memory"
    assert stored.content_type == "application/pdf"
    assert stored.size_limit == 1024 * 1024
    assert stored.get_file_key() == str(row.id)


def test_an_unsaved_row_is_saved_by_get_upload_form_as_in_0_1_0(memory, db):
    row = UploadedFile(filename="notes.txt")

    form = row.get_upload_form()

    assert UploadedFile.objects.get(pk=row.pk).file_upload_state == UploadState.AWAIT_COMPLETE
    assert form["headers"] == {"Content-Type": "text/plain"}


def test_reupload_after_permit_reupload_signs_the_same_key_for_a_new_file(s3_bucket, api):
    created = api.post("/api/s3-file-uploads/", {"filename": "a.pdf", "size": len(PDF)}).data
    send_instruction(created["upload"], PDF)
    assert api.post(created["complete_url"]).status_code == 200
    row = UploadedFile.objects.get(pk=created["id"])

    assert row.permit_reupload()
    form = row.get_upload_form()
    replacement = b"%PDF-1.7 the corrected, longer file\n" * 4
    assert send_instruction(form, replacement).status_code == 204
    row.completed_upload()

    assert form["fields"]["key"] == created["file_key"]
    stored = UploadedFile.objects.get(pk=row.pk)
    assert stored.file_key == created["file_key"]
    assert stored.file_upload_state == UploadState.COMPLETED
    assert stored.size == len(replacement)
    assert requests.get(stored.get_download_url(), timeout=30).content == replacement


def test_get_upload_form_refuses_a_completed_row_until_it_is_reopened(memory, user):
    row = seed_row(user=user, file_upload_state=UploadState.COMPLETED)

    with pytest.raises(UploadNotOpen, match=r"is completed; call permit_reupload\(\)"):
        row.get_upload_form()
    row.permit_reupload()

    assert row.get_upload_form()["method"] == "PUT"


def test_get_upload_form_holds_an_acl_to_the_allow_list(memory, user):
    row = seed_row(user=user)

    with pytest.raises(AclNotSupported, match="'public-read' ACL is not in"):
        row.get_upload_form(acl_type="public-read")
    assert UploadedFile.objects.get(pk=row.pk).file_upload_state == UploadState.NEW


def test_get_upload_form_drops_the_earlier_files_declared_size_and_checksum(memory, api):
    created = api.post(
        "/api/s3-file-uploads/",
        {"filename": "a.pdf", "size": len(PDF), "content_md5": "A" * 22 + "=="},
        format="json",
    ).data
    row = UploadedFile.objects.get(pk=created["id"])
    assert (row.declared_size, row.checksum_algorithm) == (len(PDF), "md5")

    follow(row.get_upload_form(), b"%PDF another size")
    row.completed_upload()

    assert row.file_upload_state == UploadState.COMPLETED
    assert (row.declared_size, row.checksum) == (None, "")


def test_get_upload_form_on_an_open_multipart_row_aborts_it_for_a_single_upload(
    settings, tmp_path, api
):
    settings.S3_FILE_UPLOADS = {
        "BACKENDS": {"disk": {"BACKEND": "local", "OPTIONS": {"location": str(tmp_path)}}}
    }
    settings.STORAGE_BACKEND = "disk"
    created = api.post(
        "/api/s3-file-uploads/",
        {"filename": "big.bin", "size": 10, "multipart": True},
        format="json",
    ).data
    row = UploadedFile.objects.get(pk=created["id"])
    upload_id = row.multipart_upload_id
    assert upload_id

    form = row.get_upload_form()

    assert form["method"] == "PUT"
    assert not row.is_multipart
    with pytest.raises(ObjectNotFound):
        get_backend("disk").list_parts(key=row.get_file_key(), upload_id=upload_id)


@pytest.mark.parametrize("backend", ["memory", "local"])
def test_a_completed_file_is_replaced_on_a_create_only_backend_once_its_object_is_deleted(
    settings, tmp_path, user, backend
):
    options = {"location": str(tmp_path)} if backend == "local" else {}
    settings.S3_FILE_UPLOADS = {"BACKENDS": {"files": {"BACKEND": backend, "OPTIONS": options}}}
    settings.STORAGE_BACKEND = "files"
    row = seed_row(user=user)
    follow(row.get_upload_form(), PDF)
    row.completed_upload()
    row.permit_reupload()

    assert follow(row.get_upload_form(), b"%PDF-1.7 new").status_code == 409
    row.storage.delete(row.get_file_key())
    assert follow(row.get_upload_form(), b"%PDF-1.7 new").status_code == 201
    row.completed_upload()

    assert row.size == len(b"%PDF-1.7 new")
    download = Client().get(row.get_download_url())
    assert download.getvalue() == b"%PDF-1.7 new"


# completed_upload() ---------------------------------------------------------------------------


def test_completed_upload_before_the_file_arrived_raises_and_changes_nothing(memory, user):
    row = seed_row(user=user)
    row.get_upload_form()

    with pytest.raises(NotUploadedYet):
        row.completed_upload()
    assert UploadedFile.objects.get(pk=row.pk).file_upload_state == UploadState.AWAIT_COMPLETE


def test_completed_upload_raises_the_refusal_and_the_row_fails(memory, user):
    row = seed_row(user=user)
    row.get_upload_form()
    memory.put(row.get_file_key(), b"<svg/>", content_type="image/svg+xml")

    with pytest.raises(UploadRefused, match="image/svg"):
        row.completed_upload()
    assert UploadedFile.objects.get(pk=row.pk).file_upload_state == UploadState.FAILED
    assert memory.keys() == []


def test_completed_upload_of_a_completed_row_does_nothing(memory, user):
    row = seed_row(user=user)
    follow(row.get_upload_form(), PDF)
    row.completed_upload()
    completed_at = row.completed_at

    row.completed_upload()

    assert UploadedFile.objects.get(pk=row.pk).completed_at == completed_at


# The asset handler ------------------------------------------------------------------------------


def test_the_rows_asset_handler_signs_urls_for_its_own_key_and_backend(memory, user):
    row = seed_row(user=user)
    follow(row.get_upload_form(), PDF)
    row.completed_upload()

    handler = row.asset_handler
    download = Client().get(handler.get_download_url("Q3 report.pdf"))
    view = Client().get(handler.get_view_url("Q3 report.pdf"))

    assert isinstance(handler, S3AssetHandler)
    assert handler.id == str(row.id)
    assert download.content == PDF
    assert download["Content-Disposition"].startswith('attachment; filename="Q3 report.pdf"')
    assert view["Content-Disposition"].startswith('inline; filename="Q3 report.pdf"')


def test_a_bare_handler_takes_a_uuid_like_0_1_0_and_signs_without_a_row(memory, db):
    key = uuid.uuid4()

    form = S3AssetHandler(key).get_upload_form()

    assert follow(form, b"anything").status_code == 201
    assert memory.get(str(key)) == b"anything"
    assert not UploadedFile.objects.exists()


def test_upload_data_then_open_content_round_trip_as_in_0_1_0(memory, user):
    handler = seed_row(user=user).asset_handler

    handler.upload_data(b"bytes the server made")

    assert handler.open_content().getvalue() == b"bytes the server made"
    assert memory.get(handler.id) == b"bytes the server made"


# Serializers ------------------------------------------------------------------------------------


def test_uploaded_file_serializer_gives_0_1_0s_representation(memory, user):
    row = seed_row(user=user)
    follow(row.get_upload_form(), PDF)
    row.completed_upload()
    request = APIRequestFactory().get("/")

    data = UploadedFileSerializer(row, context={"request": request}).data

    assert list(data) == SEED_KEYS
    assert data["id"] == str(row.id)
    assert data["user"] == user.pk
    assert data["file_path"] == f"/api/s3-file-uploads/{row.id}/"
    assert data["file"].startswith("http://testserver/")
    assert Client().get(data["file"]).content == PDF


def test_uploaded_file_serializer_nests_in_a_projects_serializer(memory, user):
    class Attachment(serializers.Serializer):
        document = UploadedFileSerializer(read_only=True)

    row = seed_row(user=user)

    data = Attachment({"document": row}).data

    assert data["document"]["filename"] == "report.pdf"
    assert data["document"]["file"].startswith("http://testserver/")


def test_uploaded_file_serializer_creates_a_row_as_0_1_0s_view_did(memory, user):
    request = APIRequestFactory().post("/")
    request.user = user
    serializer = UploadedFileSerializer(
        data={"filename": "scan\u202e.pdf", "user": user.pk, "file_key": "../../x"},
        context={"request": request},
    )

    assert serializer.is_valid(), serializer.errors
    row = serializer.save()

    assert row.filename == "scan.pdf"
    assert row.user == user
    assert row.file_key == ""
    assert row.get_upload_form()["headers"] == {"Content-Type": "application/pdf"}


def test_uploaded_file_serializer_refuses_another_user_as_owner(memory, user, other_user):
    request = APIRequestFactory().post("/")
    request.user = user
    serializer = UploadedFileSerializer(
        data={"filename": "a.pdf", "user": other_user.pk}, context={"request": request}
    )

    assert not serializer.is_valid()
    assert serializer.errors["user"] == ["An upload can only be made for yourself."]


def test_access_control_list_serializer_defaults_to_private_and_keeps_the_allow_list(settings):
    default = AccessControlListSerializer(data={})
    assert default.is_valid()
    assert default.validated_data == {"acl": "private"}

    refused = AccessControlListSerializer(data={"acl": "public-read"})
    assert not refused.is_valid()
    assert "ALLOWED_ACLS" in str(refused.errors["acl"])

    settings.S3_FILE_UPLOADS = {"ALLOWED_ACLS": ["private", "public-read"]}
    assert AccessControlListSerializer(data={"acl": "public-read"}).is_valid()


# The relation field's messages ------------------------------------------------------------------


class AttachmentSerializer(serializers.Serializer):
    document = UploadedFilePrimaryKeyRelatedField()


def attach(user, value) -> dict:
    request = APIRequestFactory().post("/")
    request.user = user
    serializer = AttachmentSerializer(data={"document": value}, context={"request": request})
    assert not serializer.is_valid()
    return serializer.errors


def test_attaching_an_upload_still_awaiting_completion_says_to_complete_it(user):
    row = seed_row(user=user, file_upload_state=UploadState.AWAIT_COMPLETE)

    assert attach(user, str(row.pk))["document"] == [
        f'No completed upload of yours has the id "{row.pk}": it is still awaiting completion; '
        "complete it first."
    ]


def test_attaching_a_failed_upload_gives_its_reason(user):
    row = seed_row(
        user=user,
        file_upload_state=UploadState.FAILED,
        failure_reason="The file is 70 bytes; the limit is 64 bytes.",
    )

    assert attach(user, str(row.pk))["document"] == [
        f'No completed upload of yours has the id "{row.pk}": it failed (The file is 70 bytes; '
        "the limit is 64 bytes); upload the file again."
    ]


def test_attaching_someone_elses_upload_reveals_nothing_about_it(user, other_user):
    theirs = seed_row(user=other_user, file_upload_state=UploadState.AWAIT_COMPLETE)

    assert attach(user, str(theirs.pk))["document"] == [
        f'No completed upload of yours has the id "{theirs.pk}".'
    ]


def test_a_row_made_by_a_factory_without_a_backend_uses_the_default_configuration(
    s3_bucket, user, api
):
    """model_bakery and model_mommy leave fields with a default alone: an empty backend."""
    row = UploadedFile.objects.create(
        user=user, file_key="uploads/x/made-by-a-factory.pdf", file_upload_state="COMPLETED"
    )
    assert row.backend == ""
    assert row.storage.name == "s3"

    fetched = api.get(row.file_path)

    assert fetched.status_code == 302
    assert "made-by-a-factory.pdf" in fetched["Location"]
