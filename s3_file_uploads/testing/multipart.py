"""Multipart uploads through the HTTP API: plan, sign parts, resume, complete and abort."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urljoin

import pytest
import requests
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from ..errors import ObjectNotFound
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
        """Sign parts ``numbers`` of the plan and PUT each its slice of ``body``."""
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
