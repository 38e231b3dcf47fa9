"""The S3 backend passes the conformance kit against moto server."""

import pytest

from s3_file_uploads.registry import get_backend
from s3_file_uploads.testing import BackendConformance


class TestS3Conformance(BackendConformance):
    server_checks_signatures = False  # moto checks no signature, expiry or policy condition

    @pytest.fixture
    def conformance_backend(self, s3_bucket):
        return get_backend("s3")
