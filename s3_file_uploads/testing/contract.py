"""The storage contract, verb by verb: presign, stat, download, delete and map_acl."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from urllib.parse import urljoin

import pytest
import requests

from ..contract import ACLS, Capabilities, StorageBackend
from ..disposition import content_disposition
from ..errors import AclNotSupported, ObjectNotFound
from .browser import TIMEOUT, send_instruction
from .fixtures import ConformanceFixtures

#: What the contract tests store: a few kilobytes with a NUL and a non-UTF-8 byte in them.
BODY = b"conformance kit \x00\xff bytes\n" * 64


class ContractConformance(ConformanceFixtures):
    """Each verb of :class:`~s3_file_uploads.contract.StorageBackend` against the test server."""

    def upload(
        self,
        backend: StorageBackend,
        key: str,
        storage_base_url: str,
        content_type: str = "text/plain",
    ) -> requests.Response:
        """Presign an upload of :data:`BODY` to ``key`` and send it as a browser would."""
        instruction = backend.presign_upload(
            key=key, max_size=1 << 20, content_type=content_type, acl="private", expires_in=60
        )
        return send_instruction(instruction, BODY, storage_base_url=storage_base_url)

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
