"""The REST API end to end against a real moto server: the seed's flow and every refusal."""

from __future__ import annotations

import base64
import json
import uuid

import pytest
import requests
from django.db import connection
from django.test.utils import CaptureQueriesContext

from s3_file_uploads.models import UploadedFile, UploadState
from s3_file_uploads.testing import api_url, create_upload, send_instruction

from .servers.moto import s3_client

URL = api_url()
pytestmark = pytest.mark.usefixtures("s3_bucket")


def create(api, **body):
    return api.post(URL, body, format="json")


def upload(api, body: bytes = b"hello world", **fields):
    return create_upload(api, body=body, filename="hello.txt", **fields)


def test_create_returns_seed_keys_and_the_generic_instruction(api, user):
    reply = create(api, filename="report.pdf")

    assert reply.status_code == 201
    for key in (
        "id",
        "created",
        "modified",
        "file_key",
        "file",
        "filename",
        "file_path",
        "user",
        "upload_form",
        "complete_url",
    ):
        assert key in reply.data, key
    assert reply.data["user"] == user.id
    assert reply.data["upload"]["method"] == "POST"
    assert reply.data["upload_form"] == {
        "url": reply.data["upload"]["url"],
        "fields": reply.data["upload"]["fields"],
    }
    assert reply.data["complete_url"].startswith("http://testserver/api/s3-file-uploads/")
    assert reply.data["state"] == "AWAIT_COMPLETE"
    assert reply.data["backend"] == "s3"
    assert reply.data["content_type"] == "application/pdf"
    assert reply.data["upload"]["expires_at"].endswith("Z")


def test_post_policy_signs_size_range_key_type_and_acl(api, settings):
    reply = create(api, filename="a.png", content_type="image/png")

    fields = reply.data["upload"]["fields"]
    policy = json.loads(base64.b64decode(fields["policy"]))
    conditions = policy["conditions"]
    assert ["content-length-range", 1, settings.MAX_FILE_UPLOAD_SIZE] in conditions
    assert {"key": reply.data["file_key"]} in conditions
    assert {"Content-Type": "image/png"} in conditions
    assert {"acl": "private"} in conditions
    assert fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"


def test_full_flow_uploads_completes_and_downloads_the_same_bytes(api):
    body = bytes(range(256)) * 40
    data = upload(api, body)

    done = api.post(f"{URL}{data['id']}/complete/")
    assert done.status_code == 200
    assert done.data["status"] == "COMPLETED"
    assert done.data["size"] == len(body)

    fetched = api.get(f"{URL}{data['id']}/")
    assert fetched.status_code == 302
    download = requests.get(fetched["Location"], timeout=10)
    assert download.content == body
    assert download.headers["Content-Disposition"] == (
        "attachment; filename=\"hello.txt\"; filename*=UTF-8''hello.txt"
    )


def test_complete_twice_returns_the_same_reply(api):
    data = upload(api)
    first = api.post(f"{URL}{data['id']}/complete/")
    second = api.post(f"{URL}{data['id']}/complete/")
    assert first.status_code == second.status_code == 200
    assert first.data == second.data


def test_form_encoded_create_works(api):
    reply = api.post(URL, {"filename": "form.txt", "acl": "private"})
    assert reply.status_code == 201, reply.content
    assert reply.data["filename"] == "form.txt"


def test_oversize_object_stored_by_moto_is_refused_on_complete_and_deleted(
    api, settings, s3_bucket, moto_server
):
    settings.MAX_FILE_UPLOAD_SIZE = 100
    data = upload(api, b"x" * 101)
    client = s3_client(moto_server)
    assert client.head_object(Bucket=s3_bucket, Key=data["file_key"])["ContentLength"] == 101

    done = api.post(f"{URL}{data['id']}/complete/")

    assert done.status_code == 400
    assert done.data["status"] == "FAILED"
    assert "101 bytes; the limit is 100 bytes" in done.data["detail"]
    assert UploadedFile.objects.get(pk=data["id"]).file_upload_state == UploadState.FAILED
    listed = client.list_objects_v2(Bucket=s3_bucket).get("Contents", [])
    assert data["file_key"] not in [o["Key"] for o in listed]


def test_wrong_content_type_stored_is_refused(api, s3_bucket, moto_server):
    reply = create(api, filename="a.png", content_type="image/png")
    fields = {**reply.data["upload"]["fields"], "Content-Type": "text/html"}
    send_instruction({**reply.data["upload"], "fields": fields}, b"<script>")

    done = api.post(f"{URL}{reply.data['id']}/complete/")

    assert done.status_code == 400
    assert "text/html" in done.data["detail"]


def test_declared_size_must_match_what_arrived(api):
    data = upload(api, b"12345", size=4)
    done = api.post(f"{URL}{data['id']}/complete/")
    assert done.status_code == 400
    assert "4 bytes were declared" in done.data["detail"]


def test_complete_before_the_file_arrived_is_409_and_changes_nothing(api):
    reply = create(api, filename="later.txt")
    done = api.post(f"{URL}{reply.data['id']}/complete/")
    assert done.status_code == 409
    assert UploadedFile.objects.get(pk=reply.data["id"]).file_upload_state == "AWAIT_COMPLETE"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"acl": "public-read"}, "acl", "not allowed here"),
        ({"acl": "world-writable"}, "acl", "not a valid choice"),
        ({"content_type": "text/plain\r\nX-Evil: 1"}, "content_type", "not a media type"),
        ({"size": 0}, "size", "greater than or equal to 1"),
        ({"size": 10**12}, "size", "the limit is"),
        ({"size": "many"}, "size", "valid integer"),
    ],
)
def test_bad_input_gets_400_saying_what_to_change(api, body, field, message):
    reply = create(api, filename="x.txt", **body)
    assert reply.status_code == 400
    assert message in str(reply.data[field])
    assert UploadedFile.objects.count() == 0


def test_allowed_acl_is_signed(api, settings):
    settings.S3_FILE_UPLOADS = {"ALLOWED_ACLS": ["private", "public-read"]}
    reply = create(api, filename="x.txt", acl="public-read")
    assert reply.status_code == 201
    assert reply.data["upload"]["fields"]["acl"] == "public-read"


def test_bucket_without_acls_signs_none_and_refuses_public(api, settings):
    settings.S3_FILE_UPLOADS = {"ALLOWED_ACLS": ["private", "public-read"]}
    settings.AWS_S3_OBJECT_ACLS = False
    private = create(api, filename="x.txt")
    public = create(api, filename="x.txt", acl="public-read")
    assert "acl" not in private.data["upload"]["fields"]
    assert public.status_code == 400
    assert "bucket owner enforced" in str(public.data["acl"])


def test_client_file_key_only_names_the_object(api, settings):
    reply = create(api, filename="a.txt", file_key="../../other-user/secret.txt")
    key = reply.data["file_key"]
    assert key.startswith("uploads/")
    assert key.endswith("/secret.txt")
    assert ".." not in key
    assert len(key.split("/")[1]) == 32


def test_another_user_gets_404_and_nothing_changes(api, other_api):
    data = upload(api)
    for call in (
        lambda: other_api.post(f"{URL}{data['id']}/complete/"),
        lambda: other_api.get(f"{URL}{data['id']}/"),
        lambda: other_api.delete(f"{URL}{data['id']}/"),
    ):
        assert call().status_code == 404
    assert UploadedFile.objects.get(pk=data["id"]).file_upload_state == "AWAIT_COMPLETE"


def test_anonymous_create_is_refused_unless_allowed(settings, db):
    from rest_framework.test import APIClient

    anonymous = APIClient()
    refused = anonymous.post(URL, {"filename": "a.txt"}, format="json")
    assert refused.status_code == 403
    assert "ALLOW_ANONYMOUS" in refused.data["detail"]

    settings.S3_FILE_UPLOADS = {"ALLOW_ANONYMOUS": True}
    allowed = anonymous.post(URL, {"filename": "a.txt"}, format="json")
    assert allowed.status_code == 201
    assert allowed.data["user"] is None


def test_fetch_needs_a_completed_upload_and_a_known_disposition(api):
    data = upload(api)
    assert api.get(f"{URL}{data['id']}/").status_code == 409
    api.post(f"{URL}{data['id']}/complete/")
    assert api.get(f"{URL}{data['id']}/?disposition=sideways").status_code == 400
    assert api.get(f"{URL}{uuid.uuid4()}/").status_code == 404
    assert api.get(f"{URL}not-a-uuid/").status_code == 404


def test_inline_view_url_keeps_html_an_attachment(api):
    reply = create(api, filename="page.html", content_type="text/html")
    send_instruction(reply.data["upload"], b"<h1>hi</h1>")
    api.post(f"{URL}{reply.data['id']}/complete/")
    fetched = api.get(f"{URL}{reply.data['id']}/?disposition=inline")
    download = requests.get(fetched["Location"], timeout=10)
    assert download.headers["Content-Disposition"].startswith("attachment;")


def test_non_ascii_filename_gets_rfc5987_filename_star(api):
    reply = create(api, filename='naïve "résumé".pdf')
    send_instruction(reply.data["upload"], b"%PDF")
    api.post(f"{URL}{reply.data['id']}/complete/")
    location = api.get(f"{URL}{reply.data['id']}/?disposition=inline")["Location"]
    header = requests.get(location, timeout=10).headers["Content-Disposition"]
    assert header == (
        'inline; filename="naive _resume_.pdf"; '
        "filename*=UTF-8''na%C3%AFve%20%22r%C3%A9sum%C3%A9%22.pdf"
    )


def test_delete_removes_object_and_row(api, s3_bucket, moto_server):
    data = upload(api)
    assert api.delete(f"{URL}{data['id']}/").status_code == 204
    assert not UploadedFile.objects.filter(pk=data["id"]).exists()
    listed = s3_client(moto_server).list_objects_v2(Bucket=s3_bucket).get("Contents", [])
    assert listed == []


def test_list_shows_only_the_users_uploads(api, other_api):
    upload(api)
    upload(other_api)
    listed = api.get(URL)
    assert listed.status_code == 200
    assert len(listed.data) == 1


def test_storage_unreachable_on_complete_is_503_and_row_unchanged(api, settings):
    data = upload(api)
    settings.AWS_S3_ENDPOINT_URL = "http://127.0.0.1:9"
    done = api.post(f"{URL}{data['id']}/complete/")
    assert done.status_code == 503
    assert done["Retry-After"] == "5"
    assert UploadedFile.objects.get(pk=data["id"]).file_upload_state == "AWAIT_COMPLETE"


def test_create_is_one_insert_and_complete_one_select_one_update(api, user):
    with CaptureQueriesContext(connection) as created:
        reply = create(api, filename="q.txt")
    send_instruction(reply.data["upload"], b"q")
    with CaptureQueriesContext(connection) as completed:
        api.post(f"{URL}{reply.data['id']}/complete/")

    assert [q["sql"].split()[0] for q in created.captured_queries] == ["INSERT"]
    assert [q["sql"].split()[0] for q in completed.captured_queries] == ["SELECT", "UPDATE"]


def test_create_throttle_applies_once_a_rate_is_set(api, settings):
    from django.core.cache import cache

    cache.clear()
    unthrottled = [create(api, filename="t.txt").status_code for _ in range(3)]
    settings.REST_FRAMEWORK = {"DEFAULT_THROTTLE_RATES": {"s3_file_uploads_create": "2/min"}}
    try:
        throttled = [create(api, filename="t.txt").status_code for _ in range(3)]
        listed = api.get(URL).status_code
    finally:
        cache.clear()
    assert unthrottled == [201, 201, 201]
    assert throttled == [201, 201, 429]
    assert listed == 200


def test_content_type_allow_list_at_create_and_on_complete(api, settings):
    settings.S3_FILE_UPLOADS = {"ALLOWED_CONTENT_TYPES": ["image/*", "application/pdf"]}
    refused = create(api, filename="notes.txt")
    assert refused.status_code == 400
    assert "accepted: image/*, application/pdf" in str(refused.data["content_type"])

    accepted = create(api, filename="cat.png")
    assert accepted.status_code == 201
    settings.S3_FILE_UPLOADS = {"ALLOWED_CONTENT_TYPES": ["application/pdf"]}
    send_instruction(accepted.data["upload"], b"\x89PNG")
    done = api.post(f"{URL}{accepted.data['id']}/complete/")
    assert done.status_code == 400
    assert "image/png" in done.data["detail"]


def test_permission_classes_can_differ_per_endpoint(api, settings):
    data = upload(api)
    settings.S3_FILE_UPLOADS = {
        "PERMISSION_CLASSES": {
            "default": ["s3_file_uploads.permissions.UploadPermission"],
            "delete": ["rest_framework.permissions.IsAdminUser"],
        }
    }
    assert api.post(f"{URL}{data['id']}/complete/").status_code == 200
    assert api.delete(f"{URL}{data['id']}/").status_code == 403
    assert UploadedFile.objects.filter(pk=data["id"]).exists()


def test_serializer_field_copies_never_share_validators(settings):
    """get_fields copies fields shallowly; validators added to one copy stay on that copy."""
    from s3_file_uploads.schema import DocumentedUploadRequestSerializer
    from s3_file_uploads.serializers import UploadRequestSerializer

    counts = [len(DocumentedUploadRequestSerializer().fields["size"].validators) for _ in range(3)]
    plain = UploadRequestSerializer().fields["size"]
    plain.validators.append(lambda value: None)

    assert counts[0] == counts[1] == counts[2]
    assert len(UploadRequestSerializer().fields["size"].validators) == len(plain.validators) - 1
