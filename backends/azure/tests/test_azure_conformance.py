"""The Azure backend passes the conformance kit against Azurite, which checks SAS signatures."""

import pytest
from s3_file_uploads_azure.server_io import WRITE_BLOCK_SIZE

from s3_file_uploads.registry import get_backend
from s3_file_uploads.testing import BackendConformance


class TestAzureConformance(BackendConformance):
    server_checks_signatures = True  # Azurite checks SAS signature, expiry, permission and scope
    several_requests_write_size = 2 * WRITE_BLOCK_SIZE  # staged blocks, then one commit

    @pytest.fixture
    def conformance_backend(self, azure_container):
        return get_backend("azure")
