"""The Azure backend passes the conformance kit against Azurite, which checks SAS signatures."""

import pytest

from s3_file_uploads.registry import get_backend
from s3_file_uploads.testing import BackendConformance


class TestAzureConformance(BackendConformance):
    server_checks_signatures = True  # Azurite checks SAS signature, expiry, permission and scope

    @pytest.fixture
    def conformance_backend(self, azure_container):
        return get_backend("azure")
