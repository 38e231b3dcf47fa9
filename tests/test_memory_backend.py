"""The in-memory backend: a project's create, upload, complete and fetch test with Django's test
client and no network, the storage views' refusals, and the conformance kit on a live server."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from s3_file_uploads.errors import ObjectNotFound
from s3_file_uploads.memory import MemoryBackend
from s3_file_uploads.plugins import get_plugin_manager
from s3_file_uploads.registry import backend_classes, get_backend
from s3_file_uploads.testing import BackendConformance, create_upload, md5_base64

BODY = b"%PDF-1.7 a report\n" * 8


@pytest.fixture
def memory(settings) -> MemoryBackend:
    settings.S3_FILE_UPLOADS = {"BACKENDS": {"memory": {"BACKEND": "memory"}}}
    settings.STORAGE_BACKEND = "memory"
    backend = get_backend("memory")
    assert isinstance(backend, MemoryBackend)
    return backend


@pytest.fixture
def client(user) -> Client:
    logged_in = Client()
    logged_in.force_login(user)
    return logged_in


def create(client: Client, **body) -> dict:
    return create_upload(client, **{"filename": "report.pdf", **body})


def follow(client: Client, instruction: dict, body: bytes):
    """What a browser does with a PUT instruction, through Django's test client."""
    headers = dict(instruction["headers"])
    return client.generic(
        instruction["method"],
        instruction["url"],
        body,
        content_type=headers.pop("Content-Type"),
        headers=headers,
    )


def test_memory_is_registered_through_the_plugin_hook_like_the_local_backend():
    assert backend_classes()["memory"] is MemoryBackend
    assert "s3_file_uploads.memory.plugin" in dict(get_plugin_manager().list_name_plugin())


def test_a_project_test_creates_uploads_completes_and_fetches_with_the_test_client(memory, client):
    created = create(client)
    assert created["upload"]["method"] == "PUT"

    assert follow(client, created["upload"], BODY).status_code == 201
    completed = client.post(created["complete_url"])
    assert completed.status_code == 200, completed.content
    assert completed.json()["status"] == "COMPLETED"

    fetched = client.get(created["file"])
    assert fetched.status_code == 302
    download = client.get(fetched["Location"])
    assert download.status_code == 200
    assert download.content == BODY
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith('attachment; filename="report.pdf"')


def test_put_stores_the_file_for_a_test_that_skips_the_browser_step(memory, client):
    created = create(client)
    memory.put(created["file_key"], BODY, content_type="application/pdf")

    completed = client.post(created["complete_url"])

    assert completed.status_code == 200, completed.content
    assert completed.json()["size"] == len(BODY)
    assert memory.get(created["file_key"]) == BODY


def test_every_url_in_the_create_reply_and_the_redirect_is_absolute(memory, client):
    created = create(client)
    memory.put(created["file_key"], BODY, content_type="application/pdf")
    client.post(created["complete_url"])

    location = client.get(created["file"])["Location"]

    for url in (created["upload"]["url"], created["complete_url"], created["file"], location):
        assert url.startswith("http://testserver/"), url


def test_complete_still_refuses_a_file_of_the_wrong_type(memory, client):
    created = create(client)
    memory.put(created["file_key"], b"<html>", content_type="text/html")

    refused = client.post(created["complete_url"])

    assert refused.status_code == 400
    assert "text/html" in refused.json()["detail"]
    assert memory.keys() == []


def test_the_upload_view_refuses_another_content_type(memory, client):
    instruction = dict(create(client)["upload"])
    instruction["headers"] = {"Content-Type": "text/html"}

    refused = follow(client, instruction, BODY)

    assert refused.status_code == 400
    assert "signed for Content-Type 'application/pdf'" in refused.json()["detail"]
    assert memory.keys() == []


def test_the_upload_view_refuses_more_bytes_than_were_signed(memory, client, settings):
    settings.MAX_FILE_UPLOAD_SIZE = 16
    created = create(client)

    refused = follow(client, created["upload"], b"x" * 17)

    assert refused.status_code == 413
    assert "16 bytes" in refused.json()["detail"]
    with pytest.raises(ObjectNotFound):
        memory.stat(created["file_key"])


def test_an_instruction_stores_one_file_once(memory, client):
    created = create(client)
    assert follow(client, created["upload"], BODY).status_code == 201

    again = follow(client, created["upload"], b"replaced")

    assert again.status_code == 409
    assert memory.get(created["file_key"]) == BODY


def test_create_only_false_overwrites_as_s3_does(settings, client):
    settings.S3_FILE_UPLOADS = {
        "BACKENDS": {"memory": {"BACKEND": "memory", "OPTIONS": {"create_only": False}}}
    }
    settings.STORAGE_BACKEND = "memory"
    created = create(client)
    follow(client, created["upload"], BODY)

    assert follow(client, created["upload"], b"replaced").status_code == 201
    assert get_backend("memory").get(created["file_key"]) == b"replaced"


def test_a_declared_checksum_refuses_other_bytes(memory, client):
    created = create(client, size=len(BODY), content_md5=md5_base64(BODY))

    refused = follow(client, created["upload"], b"x" * len(BODY))

    assert refused.status_code == 400
    assert "md5 checksum" in refused.json()["detail"]
    assert follow(client, created["upload"], BODY).status_code == 201


def test_an_expired_instruction_is_refused_with_when_it_ran_out(memory, client):
    instruction = memory.presign_upload(
        key="uploads/k/a.txt", max_size=10, content_type="text/plain", acl="private", expires_in=0
    ).as_dict()
    time.sleep(1.1)

    refused = follow(client, instruction, b"hello")

    assert refused.status_code == 403
    assert "expired at" in refused.json()["detail"]


def test_an_instruction_aimed_at_another_key_is_refused(memory, client):
    instruction = memory.presign_upload(
        key="uploads/k/a.txt", max_size=10, content_type="text/plain", acl="private", expires_in=60
    ).as_dict()
    instruction["url"] = instruction["url"].replace("a.txt", "b.txt")

    refused = follow(client, instruction, b"hello")

    assert refused.status_code == 403
    assert memory.keys() == []


def test_a_link_signed_for_a_backend_that_is_gone_is_refused(memory, client, settings):
    instruction = memory.presign_upload(
        key="uploads/k/a.txt", max_size=10, content_type="text/plain", acl="private", expires_in=60
    ).as_dict()
    settings.S3_FILE_UPLOADS = {}
    settings.STORAGE_BACKEND = "s3"

    refused = follow(client, instruction, b"hello")

    assert refused.status_code == 404
    assert "not configured" in refused.json()["detail"]


def test_a_deleted_object_is_no_longer_served(memory, client):
    memory.put("uploads/k/a.txt", b"hello", content_type="text/plain")
    url = memory.presign_download(
        key="uploads/k/a.txt", content_disposition="attachment", content_type=None, expires_in=60
    )
    assert client.get(url).content == b"hello"

    memory.delete("uploads/k/a.txt")

    assert client.get(url).status_code == 404


def test_clear_forgets_every_object(memory):
    memory.put("a", b"1")
    memory.put("b", b"2")
    assert memory.keys() == ["a", "b"]

    memory.clear()

    assert memory.keys() == []
    with pytest.raises(ObjectNotFound):
        memory.get("a")


class TestMemoryConformance(BackendConformance):
    server_checks_signatures = True  # the memory views verify every token's signature and expiry

    @pytest.fixture
    def conformance_backend(self, settings, live_server):
        settings.S3_FILE_UPLOADS = {
            "BACKENDS": {"memory": {"BACKEND": "memory", "OPTIONS": {"base_url": live_server.url}}}
        }
        settings.STORAGE_BACKEND = "memory"
        return get_backend("memory")
