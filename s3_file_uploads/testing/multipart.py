"""Multipart uploads through the HTTP API: plan, sign parts, resume, complete and abort."""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import urljoin

import pytest
import requests
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from ..errors import ObjectNotFound
from ..models import DeclaredPart, UploadedFile
from .api import api_client, create_upload
from .content import sample_bytes
from .fixtures import ConformanceFixtures


class MultipartConformance(ConformanceFixtures):
    """Multipart tests for a backend whose capabilities declare ``multipart``; skipped, with
    the reason, for other backends."""

    #: The large upload: 64 MiB in 8 MiB parts (or the backend's minimum part size).
    big_file_size = 64 * 1024 * 1024
    big_part_size = 8 * 1024 * 1024

    @pytest.fixture
    def multipart_api(self, api, settings, conformance_backend) -> APIClient:
        """Optional: the ``api`` client with parts as small as the backend allows. Override it
        to skip these tests with your reason (a test server without multipart, say)."""
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
        """Create a multipart upload for ``body``; the create reply (its plan, no instruction)."""
        created = create_upload(api, filename="big.bin", size=len(body), multipart=True)
        assert created["upload"] is None
        return created

    def send_parts(
        self,
        api: APIClient,
        created: dict[str, Any],
        body: bytes,
        numbers: list[int],
        storage_base_url: str,
    ) -> None:
        """Sign parts ``numbers`` of the plan (each with its checksum when the plan asks for
        part checksums, as the browser client does) and PUT each its slice of ``body``."""
        for part, chunk in sign_parts(api, created, body, numbers):
            put = put_part(part, chunk, storage_base_url)
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

    def test_parts_declared_with_checksums_complete_and_the_row_records_their_composite(
        self, multipart_api, conformance_backend, storage_base_url
    ):
        if not conformance_backend.capabilities.part_checksum:
            pytest.skip(f"the {conformance_backend.name} backend signs no part checksums")
        part = conformance_backend.capabilities.min_part_size
        body = sample_bytes(part * 2 + 7, seed=9)
        created = self.start(multipart_api, body)
        algorithm = conformance_backend.capabilities.part_checksum
        assert created["multipart"]["part_checksum"] == algorithm
        self.send_parts(multipart_api, created, body, [1, 2, 3], storage_base_url)

        done = multipart_api.post(created["complete_url"])

        assert done.status_code == 200, done.content
        row = UploadedFile.objects.get(pk=created["id"])
        chunks = [body[:part], body[part : 2 * part], body[2 * part :]]
        assert row.checksum_algorithm == f"{algorithm}-composite"
        assert row.checksum == composite_checksum(chunks, algorithm)
        assert not DeclaredPart.objects.filter(upload=row).exists()  # held, then forgotten

    def test_a_part_of_other_bytes_than_declared_is_refused_by_storage_or_on_complete(
        self, multipart_api, conformance_backend, storage_base_url
    ):
        """Storage that enforces the signed checksum refuses the part; storage that does not
        stores it, and complete refuses the upload: 400, the object gone, the row FAILED."""
        if not conformance_backend.capabilities.part_checksum:
            pytest.skip(f"the {conformance_backend.name} backend signs no part checksums")
        part = conformance_backend.capabilities.min_part_size
        body = sample_bytes(part + 5, seed=10)
        created = self.start(multipart_api, body)
        self.send_parts(multipart_api, created, body, [2], storage_base_url)
        [(signed, chunk)] = sign_parts(multipart_api, created, body, [1])
        other = bytes(b ^ 0xFF for b in chunk[:16]) + chunk[16:]

        put = put_part(signed, other, storage_base_url)

        if put.status_code >= 400:
            assert put.status_code in (400, 403), put.text
            return
        done = multipart_api.post(created["complete_url"])
        assert done.status_code == 400, done.content
        assert "not the bytes declared" in done.data["detail"]
        assert UploadedFile.objects.get(pk=created["id"]).file_upload_state == "FAILED"
        with pytest.raises(ObjectNotFound):
            conformance_backend.stat(created["file_key"])

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
        stranger = api_client(get_user_model().objects.create_user("stranger"))
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


def part_checksum(chunk: bytes, algorithm: str = "sha256") -> str:
    """A part's checksum as the client declares it: its digest in ``algorithm``, in base64."""
    return base64.b64encode(hashlib.new(algorithm, chunk).digest()).decode()


def composite_checksum(chunks: list[bytes], algorithm: str = "sha256") -> str:
    """S3's composite checksum of parts: the digest of their digests, then ``-<count>``."""
    joined = b"".join(hashlib.new(algorithm, c).digest() for c in chunks)
    return f"{base64.b64encode(hashlib.new(algorithm, joined).digest()).decode()}-{len(chunks)}"


def sign_parts(
    api: APIClient, created: dict[str, Any], body: bytes, numbers: list[int]
) -> list[tuple[dict[str, Any], bytes]]:
    """Each signed part of ``numbers`` with its slice of ``body``."""
    plan = created["multipart"]
    chunks = {n: body[(n - 1) * plan["part_size"] : n * plan["part_size"]] for n in numbers}
    request: dict[str, Any] = {"part_numbers": numbers}
    if algorithm := plan.get("part_checksum"):
        declared = [
            {"part_number": n, "checksum": part_checksum(c, algorithm)} for n, c in chunks.items()
        ]
        request = {"parts": declared}
    signed = api.post(plan["parts_url"], request, format="json")
    assert signed.status_code == 200, signed.content
    parts = [(part, chunks[part["part_number"]]) for part in signed.data["parts"]]
    assert all(part["size"] == len(chunk) for part, chunk in parts)
    return parts


def put_part(part: dict[str, Any], chunk: bytes, storage_base_url: str) -> requests.Response:
    """PUT ``chunk`` as the signed ``part`` says, headers and all."""
    return requests.put(
        urljoin(storage_base_url, part["url"]), data=chunk, headers=part["headers"], timeout=60
    )
