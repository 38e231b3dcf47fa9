"""The local backend passes the conformance kit, its views served by Django's live server."""

from __future__ import annotations

import pytest

from s3_file_uploads.registry import get_backend
from s3_file_uploads.testing import BackendConformance


class TestLocalConformance(BackendConformance):
    server_checks_signatures = True  # the local views verify every token's signature and expiry

    @pytest.fixture
    def conformance_backend(self, settings, tmp_path):
        settings.S3_FILE_UPLOADS = {
            "BACKENDS": {
                "local": {"BACKEND": "local", "OPTIONS": {"location": str(tmp_path / "store")}}
            }
        }
        settings.STORAGE_BACKEND = "local"
        return get_backend("local")

    @pytest.fixture
    def storage_base_url(self, live_server) -> str:
        return live_server.url
