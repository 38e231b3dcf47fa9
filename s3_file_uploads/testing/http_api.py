"""The HTTP API on the backend under test: create, upload, complete, download and delete."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

import pytest
import requests
from rest_framework.test import APIClient

from ..contract import StorageBackend
from ..errors import ObjectNotFound
from ..models import UploadedFile
from .api import api_url, create_upload
from .browser import TIMEOUT, send_instruction
from .content import md5_base64, sha256_base64
from .contract import BODY
from .fixtures import ConformanceFixtures


class HttpApiConformance(ConformanceFixtures):
    """The REST API end to end with this backend as the default, and its two refusals."""

    def assert_refused_by_storage_or_by_complete(
        self,
        api: APIClient,
        backend: StorageBackend,
        created: dict[str, Any],
        sent: requests.Response,
        reason: str,
    ) -> None:
        """Storage may refuse the bytes itself; if it took them, complete refuses them saying
        ``reason``. Either way no object is left behind."""
        if sent.status_code < 300:
            refused = api.post(created["complete_url"])
            assert refused.status_code == 400
            assert reason in refused.data["detail"]
        else:
            assert 400 <= sent.status_code < 500
        with pytest.raises(ObjectNotFound):
            backend.stat(created["file_key"])

    def test_http_api_end_to_end(self, api, conformance_backend, storage_base_url):
        created = create_upload(
            api, filename="kit.txt", file_key="../../escape.txt", size=len(BODY)
        )
        key = created["file_key"]
        assert key.startswith("uploads/") and key.endswith("/escape.txt") and ".." not in key

        sent = send_instruction(created["upload"], BODY, storage_base_url=storage_base_url)
        assert sent.status_code < 300, sent.text
        completed = api.post(created["complete_url"])
        assert completed.status_code == 200, completed.content
        assert completed.data["size"] == len(BODY)

        fetched = api.get(created["file_path"])
        assert fetched.status_code == 302
        download = requests.get(urljoin(storage_base_url, fetched["Location"]), timeout=TIMEOUT)
        assert download.content == BODY
        if self.server_applies_response_overrides:
            disposition = download.headers["Content-Disposition"]
            assert disposition.startswith('attachment; filename="kit.txt"')

        assert api.delete(created["file_path"]).status_code == 204
        with pytest.raises(ObjectNotFound):
            conformance_backend.stat(key)

    def test_a_checksum_the_backend_cannot_verify_is_refused_at_create_saying_what_it_can(
        self, api, conformance_backend
    ):
        declared = conformance_backend.capabilities.checksums
        undeclared = sorted({"md5", "sha256"} - declared)
        if not undeclared:
            pytest.skip(f"the {conformance_backend.name} backend verifies md5 and sha256 alike")
        algorithm = undeclared[0]
        digest = {"md5": md5_base64, "sha256": sha256_base64}[algorithm](BODY)
        field = {"md5": "content_md5", "sha256": "checksum_sha256"}[algorithm]

        refused = api.post(api_url(), {"filename": "a.txt", field: digest}, format="json")

        assert refused.status_code == 400
        can = ", ".join(sorted(declared)) or "none"
        assert f"cannot verify {algorithm} checksums (it can verify: {can})" in str(
            refused.data["checksum"]
        )
        assert not UploadedFile.objects.exists()

    def test_oversize_object_is_refused_by_storage_or_by_complete(
        self, api, settings, conformance_backend, storage_base_url
    ):
        settings.MAX_FILE_UPLOAD_SIZE = 64
        created = create_upload(api, filename="big.bin")
        sent = send_instruction(created["upload"], b"x" * 65, storage_base_url=storage_base_url)
        self.assert_refused_by_storage_or_by_complete(
            api, conformance_backend, created, sent, "the limit is 64 bytes"
        )

    def test_wrong_type_object_is_refused_by_storage_or_by_complete(
        self, api, conformance_backend, storage_base_url
    ):
        created = create_upload(api, filename="cat.png")
        instruction = dict(created["upload"])
        for part in ("fields", "headers"):
            if "Content-Type" in instruction[part]:
                instruction[part] = {**instruction[part], "Content-Type": "text/html"}
        sent = send_instruction(instruction, b"<script>", storage_base_url=storage_base_url)
        self.assert_refused_by_storage_or_by_complete(
            api, conformance_backend, created, sent, "text/html"
        )
