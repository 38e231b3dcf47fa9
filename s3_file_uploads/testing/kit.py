"""The conformance tests themselves; see the package docstring for how to use them."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import pytest
import requests
from django.contrib.auth import get_user_model
from django.urls import reverse
from rest_framework.test import APIClient

from ..contract import ACLS, Capabilities, StorageBackend, UploadInstruction
from ..disposition import content_disposition
from ..errors import AclNotSupported, ObjectNotFound

API = "s3_file_uploads:upload-file-create"
BODY = b"conformance kit \x00\xff bytes\n" * 64
TIMEOUT = 30


def send_instruction(
    instruction: UploadInstruction | dict[str, Any],
    body: bytes,
    *,
    base_url: str = "",
    filename: str = "upload.bin",
) -> requests.Response:
    """Do what a browser does with an instruction: POST a form (fields first, file last) or PUT."""
    data = instruction.as_dict() if isinstance(instruction, UploadInstruction) else instruction
    url = urljoin(base_url, data["url"])
    if data["method"] == "POST":
        return requests.post(
            url, data=data["fields"], files={"file": (filename, body)}, timeout=TIMEOUT
        )
    return requests.put(url, data=body, headers=data["headers"], timeout=TIMEOUT)


class BackendConformance:
    """Contract tests every backend passes. Needs pytest-django (``db``, ``settings``)."""

    #: Whether the test server checks signatures and expiry (Azurite, the local backend: yes;
    #: moto and fake-gcs-server: no, so those tests are skipped there and each backend's own
    #: tests decode what was signed instead).
    server_checks_signatures: bool = False

    @pytest.fixture
    def conformance_backend(self) -> StorageBackend:
        raise NotImplementedError("Override this fixture to return your configured backend.")

    @pytest.fixture
    def base_url(self) -> str:
        """Prefix for root-relative URLs (a backend served by Django itself: live_server.url)."""
        return ""

    @pytest.fixture
    def key(self) -> str:
        return f"conformance/{uuid.uuid4().hex}/file.bin"

    def upload(
        self, backend: StorageBackend, key: str, base_url: str, content_type: str = "text/plain"
    ) -> requests.Response:
        instruction = backend.presign_upload(
            key=key, max_size=1 << 20, content_type=content_type, acl="private", expires_in=60
        )
        return send_instruction(instruction, BODY, base_url=base_url)

    # The contract, verb by verb ------------------------------------------------------------

    def test_capabilities_are_declared(self, conformance_backend):
        assert isinstance(conformance_backend.capabilities, Capabilities)
        assert conformance_backend.capabilities.acls <= set(ACLS)

    def test_following_the_instruction_stores_the_bytes(self, conformance_backend, key, base_url):
        sent = self.upload(conformance_backend, key, base_url)
        assert sent.status_code < 300, sent.text

        info = conformance_backend.stat(key)
        assert info.key == key
        assert info.size == len(BODY)
        assert (info.content_type or "").split(";")[0] == "text/plain"

    def test_instruction_has_the_shape_every_frontend_follows(self, conformance_backend, key):
        instruction = conformance_backend.presign_upload(
            key=key, max_size=10, content_type="image/png", acl="private", expires_in=60
        )
        assert instruction.method in ("POST", "PUT")
        assert instruction.url
        assert instruction.expires_at.tzinfo is not None
        remaining = (instruction.expires_at - datetime.now(UTC)).total_seconds()
        assert 0 < remaining <= 61
        if instruction.method == "PUT":
            assert not instruction.fields

    @pytest.mark.parametrize("inline", [False, True])
    def test_download_url_serves_the_bytes_with_disposition(
        self, conformance_backend, key, base_url, inline
    ):
        self.upload(conformance_backend, key, base_url, "application/pdf")
        disposition = content_disposition("naïve résumé.pdf", inline=inline)

        url = conformance_backend.presign_download(
            key=key,
            content_disposition=disposition,
            content_type="application/pdf",
            expires_in=60,
        )
        got = requests.get(urljoin(base_url, url), timeout=TIMEOUT)

        assert got.status_code == 200
        assert got.content == BODY
        assert got.headers["Content-Disposition"] == disposition

    def test_delete_removes_the_object_and_can_repeat(self, conformance_backend, key, base_url):
        self.upload(conformance_backend, key, base_url, "application/octet-stream")
        conformance_backend.delete(key)
        conformance_backend.delete(key)
        with pytest.raises(ObjectNotFound):
            conformance_backend.stat(key)

    def test_stat_of_a_missing_object_raises_object_not_found(self, conformance_backend, key):
        with pytest.raises(ObjectNotFound):
            conformance_backend.stat(key)

    def test_acl_mapping_refuses_what_the_backend_cannot_honour(self, conformance_backend):
        for acl in ACLS:
            if acl in conformance_backend.capabilities.acls:
                conformance_backend.map_acl(acl)
            else:
                with pytest.raises(AclNotSupported) as refusal:
                    conformance_backend.map_acl(acl)
                assert str(refusal.value)

    def test_expired_instruction_is_refused(self, conformance_backend, key, base_url):
        if not self.server_checks_signatures:
            pytest.skip("this test server checks no expiry; the backend's own tests decode it")
        instruction = conformance_backend.presign_upload(
            key=key, max_size=1 << 20, content_type="text/plain", acl="private", expires_in=1
        )
        time.sleep(2.2)
        refused = send_instruction(instruction, BODY, base_url=base_url)
        assert 400 <= refused.status_code < 500
        with pytest.raises(ObjectNotFound):
            conformance_backend.stat(key)

    def test_instruction_for_one_key_cannot_write_another(self, conformance_backend, key, base_url):
        if not self.server_checks_signatures:
            pytest.skip("this test server checks no signature; the backend's own tests decode it")
        instruction = conformance_backend.presign_upload(
            key=key, max_size=1 << 20, content_type="text/plain", acl="private", expires_in=60
        ).as_dict()
        other = key.replace("file.bin", "other.bin")
        if instruction["method"] == "POST":
            instruction["fields"] = {**instruction["fields"], "key": other}
        else:
            instruction["url"] = instruction["url"].replace("file.bin", "other.bin")
        refused = send_instruction(instruction, BODY, base_url=base_url)
        assert 400 <= refused.status_code < 500
        with pytest.raises(ObjectNotFound):
            conformance_backend.stat(other)

    # The HTTP API on this backend ------------------------------------------------------------

    @pytest.fixture
    def api(self, db, settings, conformance_backend) -> APIClient:
        settings.STORAGE_BACKEND = conformance_backend.name
        user = get_user_model().objects.create_user(f"kit-{uuid.uuid4().hex[:8]}")
        client = APIClient()
        client.force_authenticate(user)
        return client

    def test_http_api_end_to_end(self, api, conformance_backend, base_url):
        created = api.post(
            reverse_create(),
            {"filename": "kit.txt", "file_key": "../../escape.txt", "size": len(BODY)},
            format="json",
        )
        assert created.status_code == 201, created.content
        key = created.data["file_key"]
        assert key.startswith("uploads/") and key.endswith("/escape.txt") and ".." not in key

        sent = send_instruction(created.data["upload"], BODY, base_url=base_url)
        assert sent.status_code < 300, sent.text
        completed = api.post(created.data["complete_url"])
        assert completed.status_code == 200, completed.content
        assert completed.data["size"] == len(BODY)

        fetched = api.get(created.data["file_path"])
        assert fetched.status_code == 302
        download = requests.get(urljoin(base_url, fetched["Location"]), timeout=TIMEOUT)
        assert download.content == BODY
        assert download.headers["Content-Disposition"].startswith('attachment; filename="kit.txt"')

        assert api.delete(created.data["file_path"]).status_code == 204
        with pytest.raises(ObjectNotFound):
            conformance_backend.stat(key)

    def test_oversize_object_is_refused_by_storage_or_by_complete(
        self, api, settings, conformance_backend, base_url
    ):
        settings.MAX_FILE_UPLOAD_SIZE = 64
        created = api.post(reverse_create(), {"filename": "big.bin"}, format="json")
        sent = send_instruction(created.data["upload"], b"x" * 65, base_url=base_url)
        if sent.status_code < 300:
            refused = api.post(created.data["complete_url"])
            assert refused.status_code == 400
            assert "the limit is 64 bytes" in refused.data["detail"]
        else:
            assert 400 <= sent.status_code < 500
        with pytest.raises(ObjectNotFound):
            conformance_backend.stat(created.data["file_key"])


def reverse_create() -> str:
    return reverse(API)
