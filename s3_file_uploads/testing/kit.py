"""The conformance tests themselves; see the package docstring for how to use them."""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

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


def sample_bytes(size: int, *, seed: int) -> bytes:
    """Reproducible incompressible test data."""
    return random.Random(seed).randbytes(size)  # noqa: S311  (test data, not secrets)


def send_instruction(
    instruction: UploadInstruction | dict[str, Any],
    body: bytes,
    *,
    storage_base_url: str = "",
    filename: str = "upload.bin",
) -> requests.Response:
    """Do what a browser does with an instruction: POST a form (fields first, file last) or PUT."""
    data = instruction.as_dict() if isinstance(instruction, UploadInstruction) else instruction
    url = urljoin(storage_base_url, data["url"])
    if data["method"] == "POST":
        return requests.post(
            url, data=data["fields"], files={"file": (filename, body)}, timeout=TIMEOUT
        )
    return requests.put(url, data=body, headers=data["headers"], timeout=TIMEOUT)


class MultipartConformance:
    """Multipart tests for a backend whose capabilities declare ``multipart``.

    Mixed into :class:`BackendConformance`; skipped (with the reason) for other backends.
    """

    server_checks_signatures: bool = False
    big_file_size = 64 * 1024 * 1024
    big_part_size = 8 * 1024 * 1024

    @pytest.fixture
    def multipart_api(self, api, settings, conformance_backend) -> APIClient:
        if not conformance_backend.capabilities.multipart:
            pytest.skip(f"the {conformance_backend.name} backend declares no multipart support")
        small = max(conformance_backend.capabilities.min_part_size, 1)
        settings.S3_FILE_UPLOADS = {
            **getattr(settings, "S3_FILE_UPLOADS", {}),
            "MULTIPART_PART_SIZE": small,
        }
        settings.MAX_FILE_UPLOAD_SIZE = self.big_file_size * 2
        return api

    def start(self, api: APIClient, body: bytes) -> dict[str, Any]:
        created = api.post(
            reverse_create(),
            {"filename": "big.bin", "size": len(body), "multipart": True},
            format="json",
        )
        assert created.status_code == 201, created.content
        assert created.data["upload"] is None
        return created.data

    def send_parts(self, api, created, body, numbers, storage_base_url) -> None:
        plan = created["multipart"]
        signed = api.post(plan["parts_url"], {"part_numbers": numbers}, format="json")
        assert signed.status_code == 200, signed.content
        for part in signed.data["parts"]:
            start = (part["part_number"] - 1) * plan["part_size"]
            chunk = body[start : start + plan["part_size"]]
            assert part["size"] == len(chunk)
            put = requests.put(
                urljoin(storage_base_url, part["url"]),
                data=chunk,
                headers=part["headers"],
                timeout=60,
            )
            assert put.status_code < 300, put.text

    def test_multipart_upload_of_64_mib_in_8_mib_parts(
        self, multipart_api, settings, conformance_backend, storage_base_url
    ):
        settings.S3_FILE_UPLOADS = {
            **settings.S3_FILE_UPLOADS,
            "MULTIPART_PART_SIZE": self.big_part_size,
        }
        body = sample_bytes(self.big_file_size, seed=5)
        created = self.start(multipart_api, body)
        assert created["multipart"]["part_size"] == max(
            self.big_part_size, conformance_backend.capabilities.min_part_size
        )
        count = created["multipart"]["part_count"]

        self.send_parts(multipart_api, created, body, list(range(1, count + 1)), storage_base_url)
        done = multipart_api.post(created["complete_url"])

        assert done.status_code == 200, done.content
        assert done.data["size"] == len(body)
        location = multipart_api.get(created["file_path"])["Location"]
        got = requests.get(urljoin(storage_base_url, location), timeout=120)
        assert hashlib.sha256(got.content).digest() == hashlib.sha256(body).digest()

    def test_resume_lists_stored_parts_and_sends_only_the_rest(
        self, multipart_api, conformance_backend, storage_base_url
    ):
        part = max(conformance_backend.capabilities.min_part_size, 1)
        body = sample_bytes(part * 4 + 123, seed=6)
        created = self.start(multipart_api, body)
        self.send_parts(multipart_api, created, body, [1, 2, 3], storage_base_url)

        listed = multipart_api.get(created["multipart"]["parts_url"])
        assert [p["part_number"] for p in listed.data["parts"]] == [1, 2, 3]
        stored = {p["part_number"] for p in listed.data["parts"]}
        rest = [n for n in range(1, listed.data["part_count"] + 1) if n not in stored]
        assert rest == [4, 5]

        self.send_parts(multipart_api, created, body, rest, storage_base_url)
        done = multipart_api.post(created["complete_url"])
        assert done.status_code == 200, done.content
        assert done.data["size"] == len(body)

    def test_complete_with_a_missing_part_fails_cleanly_and_stays_resumable(
        self, multipart_api, conformance_backend, storage_base_url
    ):
        part = max(conformance_backend.capabilities.min_part_size, 1)
        body = sample_bytes(part * 2 + 1, seed=7)
        created = self.start(multipart_api, body)
        self.send_parts(multipart_api, created, body, [1, 3], storage_base_url)

        early = multipart_api.post(created["complete_url"])
        assert early.status_code == 409
        assert early.data["missing_parts"] == [2]

        self.send_parts(multipart_api, created, body, [2], storage_base_url)
        assert multipart_api.post(created["complete_url"]).status_code == 200

    def test_another_user_cannot_sign_list_complete_or_abort(self, multipart_api, storage_base_url):
        body = b"x" * 10
        created = self.start(multipart_api, body)
        stranger = APIClient()
        stranger.force_authenticate(get_user_model().objects.create_user("stranger"))
        plan = created["multipart"]
        assert (
            stranger.post(plan["parts_url"], {"part_numbers": [1]}, format="json").status_code
            == 404
        )
        assert stranger.get(plan["parts_url"]).status_code == 404
        assert stranger.post(created["complete_url"]).status_code == 404
        assert stranger.post(plan["abort_url"]).status_code == 404
        assert multipart_api.get(plan["parts_url"]).status_code == 200

    def test_abort_discards_the_upload(self, multipart_api, conformance_backend, storage_base_url):
        body = b"y" * 10
        created = self.start(multipart_api, body)
        self.send_parts(multipart_api, created, body, [1], storage_base_url)

        assert multipart_api.post(created["multipart"]["abort_url"]).status_code == 204

        assert multipart_api.post(created["complete_url"]).status_code == 400
        with pytest.raises(ObjectNotFound):
            conformance_backend.stat(created["file_key"])

    def test_part_numbers_outside_the_plan_are_refused(self, multipart_api):
        created = self.start(multipart_api, b"z" * 10)
        refused = multipart_api.post(
            created["multipart"]["parts_url"], {"part_numbers": [2]}, format="json"
        )
        assert refused.status_code == 400
        assert "no part 2" in str(refused.data)


class BackendConformance(MultipartConformance):
    """Contract tests every backend passes. Needs pytest-django (``db``, ``settings``)."""

    #: Whether the test server checks signatures and expiry (Azurite, the local backend: yes;
    #: moto and fake-gcs-server: no, so those tests are skipped there and each backend's own
    #: tests decode what was signed instead).
    server_checks_signatures: bool = False
    #: Whether the test server answers with the signed Content-Disposition (fake-gcs-server
    #: does not; the GCS backend's own tests then assert the signed query parameters).
    server_applies_response_overrides: bool = True

    @pytest.fixture
    def conformance_backend(self) -> StorageBackend:
        raise NotImplementedError("Override this fixture to return your configured backend.")

    @pytest.fixture
    def storage_base_url(self) -> str:
        """Prefix for root-relative URLs (a backend served by Django itself: live_server.url)."""
        return ""

    @pytest.fixture
    def key(self) -> str:
        return f"conformance/{uuid.uuid4().hex}/file.bin"

    def upload(
        self,
        backend: StorageBackend,
        key: str,
        storage_base_url: str,
        content_type: str = "text/plain",
    ) -> requests.Response:
        instruction = backend.presign_upload(
            key=key, max_size=1 << 20, content_type=content_type, acl="private", expires_in=60
        )
        return send_instruction(instruction, BODY, storage_base_url=storage_base_url)

    # The contract, verb by verb ------------------------------------------------------------

    def test_capabilities_are_declared(self, conformance_backend):
        assert isinstance(conformance_backend.capabilities, Capabilities)
        assert conformance_backend.capabilities.acls <= set(ACLS)

    def test_following_the_instruction_stores_the_bytes(
        self, conformance_backend, key, storage_base_url
    ):
        sent = self.upload(conformance_backend, key, storage_base_url)
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
        self, conformance_backend, key, storage_base_url, inline
    ):
        self.upload(conformance_backend, key, storage_base_url, "application/pdf")
        disposition = content_disposition(
            "naïve résumé.pdf", inline=inline, content_type="application/pdf"
        )

        url = conformance_backend.presign_download(
            key=key,
            content_disposition=disposition,
            content_type="application/pdf",
            expires_in=60,
        )
        got = requests.get(urljoin(storage_base_url, url), timeout=TIMEOUT)

        assert got.status_code == 200
        assert got.content == BODY
        if self.server_applies_response_overrides:
            assert got.headers["Content-Disposition"] == disposition

    def test_delete_removes_the_object_and_can_repeat(
        self, conformance_backend, key, storage_base_url
    ):
        self.upload(conformance_backend, key, storage_base_url, "application/octet-stream")
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

    def test_expired_instruction_is_refused(self, conformance_backend, key, storage_base_url):
        if not self.server_checks_signatures:
            pytest.skip("this test server checks no expiry; the backend's own tests decode it")
        instruction = conformance_backend.presign_upload(
            key=key, max_size=1 << 20, content_type="text/plain", acl="private", expires_in=1
        )
        time.sleep(2.2)
        refused = send_instruction(instruction, BODY, storage_base_url=storage_base_url)
        assert 400 <= refused.status_code < 500
        with pytest.raises(ObjectNotFound):
            conformance_backend.stat(key)

    def test_instruction_for_one_key_cannot_write_another(
        self, conformance_backend, key, storage_base_url
    ):
        if not self.server_checks_signatures:
            pytest.skip("this test server checks no signature; the backend's own tests decode it")
        instruction = conformance_backend.presign_upload(
            key=key, max_size=1 << 20, content_type="text/plain", acl="private", expires_in=60
        ).as_dict()
        other = key.replace("file.bin", "other.bin")
        if instruction["method"] == "POST":
            instruction["fields"] = {**instruction["fields"], "key": other}
        else:
            aimed = instruction["url"].replace("file.bin", "other.bin")
            assert aimed != instruction["url"], "the key is not in the URL: re-aim it another way"
            instruction["url"] = aimed
        refused = send_instruction(instruction, BODY, storage_base_url=storage_base_url)
        assert 400 <= refused.status_code < 500
        with pytest.raises(ObjectNotFound):
            conformance_backend.stat(other)

    # The HTTP API on this backend ------------------------------------------------------------

    @pytest.fixture
    def api(self, db, settings, conformance_backend, storage_base_url) -> APIClient:
        """A logged-in client; a backend served by Django itself is asked on its own host, so
        the absolute URLs in replies point where its views listen."""
        settings.STORAGE_BACKEND = conformance_backend.name
        user = get_user_model().objects.create_user(f"kit-{uuid.uuid4().hex[:8]}")
        host = urlsplit(storage_base_url).netloc
        client = APIClient(**({"HTTP_HOST": host} if host else {}))
        client.force_authenticate(user)
        return client

    def test_http_api_end_to_end(self, api, conformance_backend, storage_base_url):
        created = api.post(
            reverse_create(),
            {"filename": "kit.txt", "file_key": "../../escape.txt", "size": len(BODY)},
            format="json",
        )
        assert created.status_code == 201, created.content
        key = created.data["file_key"]
        assert key.startswith("uploads/") and key.endswith("/escape.txt") and ".." not in key

        sent = send_instruction(created.data["upload"], BODY, storage_base_url=storage_base_url)
        assert sent.status_code < 300, sent.text
        completed = api.post(created.data["complete_url"])
        assert completed.status_code == 200, completed.content
        assert completed.data["size"] == len(BODY)

        fetched = api.get(created.data["file_path"])
        assert fetched.status_code == 302
        download = requests.get(urljoin(storage_base_url, fetched["Location"]), timeout=TIMEOUT)
        assert download.content == BODY
        if self.server_applies_response_overrides:
            disposition = download.headers["Content-Disposition"]
            assert disposition.startswith('attachment; filename="kit.txt"')

        assert api.delete(created.data["file_path"]).status_code == 204
        with pytest.raises(ObjectNotFound):
            conformance_backend.stat(key)

    def test_oversize_object_is_refused_by_storage_or_by_complete(
        self, api, settings, conformance_backend, storage_base_url
    ):
        settings.MAX_FILE_UPLOAD_SIZE = 64
        created = api.post(reverse_create(), {"filename": "big.bin"}, format="json")
        sent = send_instruction(
            created.data["upload"], b"x" * 65, storage_base_url=storage_base_url
        )
        if sent.status_code < 300:
            refused = api.post(created.data["complete_url"])
            assert refused.status_code == 400
            assert "the limit is 64 bytes" in refused.data["detail"]
        else:
            assert 400 <= sent.status_code < 500
        with pytest.raises(ObjectNotFound):
            conformance_backend.stat(created.data["file_key"])

    def test_wrong_type_object_is_refused_by_storage_or_by_complete(
        self, api, conformance_backend, storage_base_url
    ):
        created = api.post(reverse_create(), {"filename": "cat.png"}, format="json")
        instruction = dict(created.data["upload"])
        for part in ("fields", "headers"):
            if "Content-Type" in instruction[part]:
                instruction[part] = {**instruction[part], "Content-Type": "text/html"}
        sent = send_instruction(instruction, b"<script>", storage_base_url=storage_base_url)
        if sent.status_code < 300:
            refused = api.post(created.data["complete_url"])
            assert refused.status_code == 400
            assert "text/html" in refused.data["detail"]
        else:
            assert 400 <= sent.status_code < 500
        with pytest.raises(ObjectNotFound):
            conformance_backend.stat(created.data["file_key"])


def reverse_create() -> str:
    return reverse(API)
