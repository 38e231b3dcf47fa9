"""Hostile names and ids over HTTP against real servers: keys stay under their prefix, headers
stay one valid header, and nobody reaches another user's upload."""

from __future__ import annotations

import re

import pytest
import requests

from s3_file_uploads.models import UploadedFile
from s3_file_uploads.testing import api_client, api_url, create_upload, send_instruction

from .conftest import UPLOAD_ENDPOINTS

URL = api_url()
KEY = re.compile(r"^uploads/[0-9a-f]{32}/[^/\\\x00-\x1f\x7f]{1,100}$")

HOSTILE_NAMES = {
    "dot_dot_slash": "../../../etc/passwd",
    "backslashes": "..\\..\\windows\\system32\\cmd.exe",
    "absolute_path": "/var/www/index.html",
    "nul_byte": "evil\x00.txt",
    "crlf_header_injection": 'a.txt"\r\nSet-Cookie: session=stolen',
    "control_characters": "\x01\x02\x1b[31mred\x7f.txt",
    "thousand_characters": "a" * 996 + ".pdf",
    "right_to_left_override": "invoice\u202egnp.exe",
    "zero_width_and_bom": "\ufeffre\u200bport.pdf",
    "only_dots": "...",
    "quotes_and_semicolons": 'x"; filename="evil.html',
    "percent_encoding": "%2e%2e%2fescape%00.txt",
    "emoji_and_cjk": "报告 📄.pdf",
    "empty": "",
}


@pytest.fixture(params=["s3", "azure"])
def storage(request):
    """The same attacks on S3 (moto) and Azure (Azurite applies the signed disposition)."""
    return request.getfixturevalue({"s3": "s3_bucket", "azure": "azure_container"}[request.param])


@pytest.mark.parametrize("field", ["filename", "file_key"])
@pytest.mark.parametrize("name", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
def test_hostile_names_keep_the_key_under_its_prefix_and_one_valid_header(
    api, storage, field, name
):
    body = {"filename": "fine.txt", field: name}
    created = api.post(URL, body, format="json")
    if "\x00" in name:  # DRF refuses NUL outright, with a message: that is a clean refusal too
        assert created.status_code == 400
        assert "Null characters are not allowed" in str(created.data[field])
        return
    assert created.status_code == 201, created.content
    key = created.data["file_key"]
    assert KEY.match(key), key
    assert ".." not in key.split("/")

    assert send_instruction(created.data["upload"], b"payload").status_code < 300
    assert api.post(created.data["complete_url"]).status_code == 200
    location = api.get(created.data["file_path"])["Location"]
    download = requests.get(location, timeout=10)

    assert download.content == b"payload"
    header = download.headers["Content-Disposition"]
    assert "\r" not in header and "\n" not in header and "\x00" not in header
    assert header.isascii()
    assert re.fullmatch(
        r'attachment(; filename="[^"\\]*"; filename\*=UTF-8\'\'[A-Za-z0-9%._~-]+)?', header
    ), header
    assert "Set-Cookie" not in download.headers


@pytest.mark.parametrize(("method", "path"), UPLOAD_ENDPOINTS)
def test_another_users_calls_are_404_and_change_nothing(api, other_api, s3_bucket, method, path):
    created = create_upload(api, filename="mine.txt", body=b"mine")
    before = UploadedFile.objects.values().get(pk=created["id"])

    reply = getattr(other_api, method)(URL + path.format(id=created["id"]), format="json")

    assert reply.status_code == 404
    assert UploadedFile.objects.values().get(pk=created["id"]) == before


def test_anonymous_calls_are_refused_when_anonymous_uploads_are_off(api, s3_bucket, db):
    created = create_upload(api, filename="mine.txt")
    anonymous = api_client()
    for reply in (
        anonymous.get(URL),
        anonymous.post(created["complete_url"]),
        anonymous.get(created["file_path"]),
        anonymous.delete(created["file_path"]),
    ):
        assert reply.status_code in (401, 403)
    assert UploadedFile.objects.get(pk=created["id"]).file_upload_state == "AWAIT_COMPLETE"


def test_anonymous_uploads_are_invisible_to_logged_in_users(api, settings, s3_bucket, db):
    settings.S3_FILE_UPLOADS = {"ALLOW_ANONYMOUS": True}
    created = create_upload(api_client(), filename="anon.txt")
    assert api.post(created["complete_url"]).status_code == 404
    assert api.delete(created["file_path"]).status_code == 404


def test_an_acl_outside_the_allow_list_is_refused_before_anything_is_signed(api, s3_bucket):
    reply = api.post(URL, {"filename": "a.txt", "acl": "public-read-write"}, format="json")
    assert reply.status_code == 400
    assert "ALLOWED_ACLS" in str(reply.data["acl"])
    assert not UploadedFile.objects.exists()


def test_a_huge_json_body_is_a_clean_400_not_a_crash(api, s3_bucket):
    reply = api.post(URL, {"filename": "x" * 100_000, "size": "9" * 400}, format="json")
    assert reply.status_code == 400
    assert not UploadedFile.objects.exists()
