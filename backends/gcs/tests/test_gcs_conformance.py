"""The GCS backend passes the conformance kit against fake-gcs-server."""

import pytest

from s3_file_uploads.registry import get_backend
from s3_file_uploads.testing import BackendConformance


class TestGCSConformance(BackendConformance):
    server_checks_signatures = False  # fake-gcs-server checks no signature, expiry or policy
    # It also ignores response-content-disposition: test_gcs_backend.py proves the disposition
    # is in the signed URL instead.
    server_applies_response_overrides = False

    @pytest.fixture
    def conformance_backend(self, gcs_bucket):
        return get_backend("gcs")
