"""The security review's findings, each as an attack over real servers or live HTTP.

S3 runs on moto; the local backend is served by Django's live server, where its download view
runs on the application's own origin, so what it serves inline matters most there.
"""

from __future__ import annotations

import hashlib
import json
import os
import unicodedata
import uuid
from pathlib import Path
from urllib.parse import unquote, urlencode

import pytest
import requests
from botocore.exceptions import ClientError
from django.contrib.auth import get_user_model
from django.core.management import call_command
from rest_framework.test import APIClient

from s3_file_uploads.keys import MAX_NAME_BYTES
from s3_file_uploads.local.backend import META_DIR, MULTIPART_DIR
from s3_file_uploads.media_types import INLINE_SAFE_TYPES
from s3_file_uploads.models import UploadedFile, UploadState
from s3_file_uploads.testing import api_client, api_url, create_upload, send_instruction

from .conftest import UPLOAD_ENDPOINTS
from .servers.moto import s3_client

URL = api_url()
MiB = 1024 * 1024


class Local:
    """The local backend on the live server, and clients that ask Django on that host."""

    def __init__(self, live_server, settings, root: Path) -> None:
        self.root, self.base_url = root, live_server.url
        settings.S3_FILE_UPLOADS = {
            **getattr(settings, "S3_FILE_UPLOADS", {}),
            "BACKENDS": {"local": {"BACKEND": "local", "OPTIONS": {"location": str(root)}}},
        }
        settings.STORAGE_BACKEND = "local"

    def client(self, user=None) -> APIClient:
        return api_client(user, storage_base_url=self.base_url)

    def holds(self, key: str) -> bool:
        return (self.root / key).is_file()


class S3:
    def __init__(self, moto_server, bucket: str) -> None:
        self.server, self.bucket = moto_server, bucket

    def client(self, user=None) -> APIClient:
        return api_client(user)

    def holds(self, key: str) -> bool:
        try:
            s3_client(self.server).head_object(Bucket=self.bucket, Key=key)
        except ClientError:
            return False
        return True


@pytest.fixture(params=["s3", "local"])
def storage(request, settings, tmp_path):
    if request.param == "local":
        return Local(request.getfixturevalue("live_server"), settings, tmp_path / "store")
    return S3(request.getfixturevalue("moto_server"), request.getfixturevalue("s3_bucket"))


@pytest.fixture
def api_user(db):
    return get_user_model().objects.create_user("uploader")


@pytest.fixture
def anonymous_on(settings):
    settings.S3_FILE_UPLOADS = {**getattr(settings, "S3_FILE_UPLOADS", {}), "ALLOW_ANONYMOUS": True}


def upload_through(client: APIClient, body: bytes = b"payload", **fields) -> dict:
    created = create_upload(client, body=body, **{"filename": "file.txt", **fields})
    completed = client.post(created["complete_url"])
    assert completed.status_code == 200, completed.content
    return created


# 1. Anonymous uploads are reachable by their id alone, by whoever holds it.


@pytest.mark.django_db(transaction=True)
def test_one_anonymous_client_cannot_list_another_ones_uploads(storage, anonymous_on):
    alice, mallory = storage.client(), storage.client()
    upload_through(alice, b"alice's secret")

    for client in (mallory, alice):
        listed = client.get(URL)
        assert listed.status_code == 200
        assert listed.json() == [], "an anonymous list names no upload: ids are the only key"
    assert mallory.get(URL, {"state": "COMPLETED"}).json() == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("method", "path"), UPLOAD_ENDPOINTS)
def test_an_anonymous_upload_answers_only_to_its_id(storage, anonymous_on, method, path):
    created = upload_through(storage.client())
    before = UploadedFile.objects.values().get(pk=created["id"])

    reply = getattr(storage.client(), method)(URL + path.format(id=uuid.uuid4()), format="json")

    assert reply.status_code == 404
    assert UploadedFile.objects.values().get(pk=created["id"]) == before
    fetched = storage.client().get(created["file_path"])
    assert fetched.status_code == 302, "its id alone, from any anonymous client, reaches it"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("method", "path"), UPLOAD_ENDPOINTS)
def test_logged_in_users_and_anonymous_clients_never_reach_each_others_rows(
    storage, anonymous_on, method, path
):
    user = get_user_model().objects.create_user("carol")
    anonymous_row = upload_through(storage.client())
    users_row = upload_through(storage.client(user))

    for client, row in ((storage.client(user), anonymous_row), (storage.client(), users_row)):
        before = UploadedFile.objects.values().get(pk=row["id"])
        reply = getattr(client, method)(URL + path.format(id=row["id"]), format="json")
        assert reply.status_code == 404, reply.content
        assert UploadedFile.objects.values().get(pk=row["id"]) == before


# 2. A deleted account's uploads become nobody's, not everybody's.


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("method", "path"), UPLOAD_ENDPOINTS)
def test_a_deleted_users_uploads_are_reachable_by_no_one(storage, anonymous_on, method, path):
    leaving = get_user_model().objects.create_user("dave")
    row = upload_through(storage.client(leaving), b"dave's tax return")
    leaving.delete()
    orphan = UploadedFile.objects.get(pk=row["id"])
    assert (orphan.user_id, orphan.anonymous) == (None, False)
    stranger = storage.client(get_user_model().objects.create_user("erin"))

    for client in (storage.client(), stranger):
        reply = getattr(client, method)(URL + path.format(id=row["id"]), format="json")
        assert reply.status_code == 404, reply.content
        assert client.get(URL).json() in ([], {"count": 0, "results": []})
    assert storage.holds(row["file_key"])


@pytest.mark.django_db(transaction=True)
def test_cleanup_removes_a_deleted_users_uploads_and_their_objects_at_once(storage):
    leaving = get_user_model().objects.create_user("frank")
    kept_user = get_user_model().objects.create_user("grace")
    gone = upload_through(storage.client(leaving))
    kept = upload_through(storage.client(kept_user))
    leaving.delete()

    call_command("cleanup_uploads", verbosity=0)  # the default age (1 day) does not protect them

    assert not UploadedFile.objects.filter(pk=gone["id"]).exists()
    assert not storage.holds(gone["file_key"])
    assert UploadedFile.objects.get(pk=kept["id"]).file_upload_state == UploadState.COMPLETED
    assert storage.holds(kept["file_key"])


# 3. Inline is an allow-list; everything else is an attachment.

ACTIVE_OR_UNLISTED = [
    ("page.html", "text/html"),
    ("page.xhtml", "application/xhtml+xml"),
    ("logo.svg", "image/svg+xml"),
    ("feed.xml", "text/xml"),
    ("feed.rss", "application/rss+xml"),
    ("app.js", "text/javascript"),
    ("style.css", "text/css"),
    ("data.json", "application/json"),
    ("movie.swf", "application/x-shockwave-flash"),
    ("notes.md", "text/markdown"),
    ("cal.ics", "text/calendar"),
    ("stream.txt", "multipart/x-mixed-replace"),
    ("blob.bin", "application/octet-stream"),
    ("mail.eml", "message/rfc822"),
]
PASSIVE = [
    ("photo.png", "image/png"),
    ("photo.jpg", "image/jpeg"),
    ("report.pdf", "application/pdf"),
    ("notes.txt", "text/plain"),
    ("clip.mp4", "video/mp4"),
    ("song.mp3", "audio/mpeg"),
]


def served_disposition(client: APIClient, row: dict) -> requests.Response:
    fetched = client.get(row["file_path"], {"disposition": "inline"})
    assert fetched.status_code == 302
    served = requests.get(fetched["Location"], timeout=10)
    assert served.status_code == 200
    return served


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("name", "content_type"), ACTIVE_OR_UNLISTED)
def test_types_off_the_inline_list_are_served_as_attachments(storage, api_user, name, content_type):
    client = storage.client(api_user)
    row = upload_through(
        client, b"<script>alert(1)</script>", filename=name, content_type=content_type
    )

    served = served_disposition(client, row)

    assert served.headers["Content-Disposition"].startswith("attachment")
    if isinstance(storage, Local):
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert served.headers["Content-Type"].startswith(content_type)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("name", "content_type"), PASSIVE)
def test_types_on_the_inline_list_are_served_inline(storage, api_user, name, content_type):
    client = storage.client(api_user)
    row = upload_through(client, b"\x89PNG....", filename=name, content_type=content_type)

    served = served_disposition(client, row)

    assert served.headers["Content-Disposition"].startswith("inline")
    if isinstance(storage, Local):
        assert served.headers["X-Content-Type-Options"] == "nosniff"


def test_the_inline_list_holds_no_type_that_runs_script():
    scripted = {"html", "xml", "svg", "javascript", "ecmascript", "css", "json", "flash"}
    assert not [t for t in INLINE_SAFE_TYPES if any(word in t.split("/")[1] for word in scripted)]


@pytest.mark.django_db(transaction=True)
def test_a_project_may_narrow_the_inline_list(storage, api_user, settings):
    narrowed = {"INLINE_CONTENT_TYPES": ["image/png"]}
    settings.S3_FILE_UPLOADS = {**getattr(settings, "S3_FILE_UPLOADS", {}), **narrowed}
    client = storage.client(api_user)
    pdf = upload_through(client, b"%PDF-1.7", filename="a.pdf", content_type="application/pdf")
    png = upload_through(client, b"\x89PNG", filename="a.png", content_type="image/png")

    assert served_disposition(client, pdf).headers["Content-Disposition"].startswith("attachment")
    assert served_disposition(client, png).headers["Content-Disposition"].startswith("inline")


@pytest.mark.parametrize(
    "vague",
    ["application/unknown", "unknown/unknown", "*/*", "image/*", "UNKNOWN/Unknown", "x-foo/bar"],
)
def test_a_type_that_leaves_the_browser_guessing_is_refused_at_create(api, s3_bucket, vague):
    reply = api.post(URL, {"filename": "a.bin", "content_type": vague}, format="json")

    assert reply.status_code == 400
    assert "real type" in str(reply.data["content_type"])
    assert not UploadedFile.objects.exists()


# 4. Races are in tests/faults/test_delete_races.py (they run on PostgreSQL too).

# 5. Deleting an open multipart upload discards its parts.


@pytest.mark.django_db(transaction=True)
def test_deleting_an_open_local_multipart_upload_removes_its_parts_and_kills_part_links(
    live_server, settings, tmp_path, api_user
):
    local = Local(live_server, settings, tmp_path / "store")
    settings.MAX_FILE_UPLOAD_SIZE = 20 * MiB
    client = local.client(api_user)
    created = create_upload(client, filename="big.bin", size=6 * MiB, multipart=True)
    part = client.post(created["multipart"]["parts_url"], {"part_numbers": [1]}, format="json")
    part = part.json()["parts"][0]
    assert requests.put(part["url"], data=b"p" * part["size"], timeout=30).status_code == 200
    staging = local.root / META_DIR / MULTIPART_DIR
    assert any(staging.iterdir())

    assert client.delete(created["file_path"]).status_code == 204

    assert not staging.exists() or not any(staging.iterdir())
    again = requests.put(part["url"], data=b"p" * part["size"], timeout=30)
    assert again.status_code == 404
    assert not any(staging.iterdir()) if staging.exists() else True


# 6. Names are capped in bytes, and keep their full text for display.

CJK_NAME = "季度财务报告" * 16 + "最终版.pdf"  # 103 characters, 305 bytes


@pytest.mark.django_db(transaction=True)
def test_a_long_cjk_name_is_stored_and_served_with_its_full_name(storage, api_user):
    client = storage.client(api_user)
    row = upload_through(client, b"%PDF-1.7", filename=CJK_NAME, content_type="application/pdf")

    segment = row["file_key"].rsplit("/", 1)[1]
    assert len(segment.encode()) <= MAX_NAME_BYTES
    assert segment.endswith(".pdf")
    assert row["filename"] == CJK_NAME
    fetched = client.get(row["file_path"])
    served = requests.get(fetched["Location"], timeout=10)
    assert served.content == b"%PDF-1.7"
    encoded = served.headers["Content-Disposition"].split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == CJK_NAME
    if isinstance(storage, Local):
        stored = storage.root / row["file_key"]
        assert stored.is_file()
        assert all(len(p.encode()) <= 255 for p in stored.relative_to(storage.root).parts)


# 7. Bodies that would break the parser get a JSON 4xx.


@pytest.mark.parametrize("path", ["", "{id}/parts/"])
def test_deeply_nested_json_is_a_json_400(api, s3_bucket, settings, path):
    settings.MAX_FILE_UPLOAD_SIZE = 20 * MiB
    multipart = {"filename": "big.bin", "size": 6 * MiB, "multipart": True}
    row = api.post(URL, multipart, format="json").data
    body = "[" * 100_000 + "]" * 100_000

    reply = api.post(URL + path.format(id=row["id"]), body, content_type="application/json")

    assert reply.status_code == 400
    assert reply["Content-Type"] == "application/json"
    assert "nested too deeply" in reply.json()["detail"]


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_a_body_over_djangos_limit_is_a_json_413(api, s3_bucket, settings, content_type):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    fields = {"filename": "x" * 2000}
    body = json.dumps(fields) if "json" in content_type else urlencode(fields)

    reply = api.post(URL, body, content_type=content_type)

    assert reply.status_code == 413
    assert reply["Content-Type"] == "application/json"
    assert "at most 1024" in reply.json()["detail"]
    assert not UploadedFile.objects.exists()


# 8. Line and paragraph separators are controls in a displayed name.


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85", "\x0b", "\x0c"])
def test_line_breaking_characters_never_reach_the_displayed_name(api, s3_bucket, separator):
    reply = api.post(URL, {"filename": f"invoice{separator}evil.pdf"}, format="json")

    assert reply.status_code == 201
    assert reply.data["filename"] == "invoiceevil.pdf"
    assert not any(unicodedata.category(ch) in {"Zl", "Zp", "Cc"} for ch in reply.data["file_key"])


# An upload link signed before its upload was deleted stores nothing (where storage allows).


@pytest.mark.django_db(transaction=True)
def test_a_local_upload_link_is_dead_once_its_upload_is_deleted(
    live_server, settings, tmp_path, api_user
):
    local = Local(live_server, settings, tmp_path / "store")
    client = local.client(api_user)
    created = create_upload(client, filename="a.txt")
    assert client.delete(created["file_path"]).status_code == 204

    late = send_instruction(created["upload"], b"smuggled")

    assert late.status_code == 410
    assert not local.holds(created["file_key"])
    tombstones = list((local.root / META_DIR).rglob("*"))
    digest = hashlib.sha256(created["file_key"].encode()).hexdigest()
    assert any(p.name == digest for p in tombstones)


@pytest.mark.django_db(transaction=True)
def test_a_refused_local_upload_cannot_be_sent_again_with_its_link(
    live_server, settings, tmp_path, api_user
):
    local = Local(live_server, settings, tmp_path / "store")
    client = local.client(api_user)
    created = create_upload(client, filename="a.txt", size=3)
    assert send_instruction(created["upload"], b"abcd").status_code < 300  # 4 bytes, 3 declared
    assert client.post(created["complete_url"]).status_code == 400

    again = send_instruction(created["upload"], b"abc")

    assert again.status_code == 410
    assert not local.holds(created["file_key"])
    assert not os.path.exists(local.root / created["file_key"])
