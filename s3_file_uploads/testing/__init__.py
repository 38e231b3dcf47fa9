"""The conformance kit, and the helpers a project's or a backend's upload tests use.

The kit is one set of tests that proves a backend keeps the contract. Subclass
:class:`BackendConformance` in a test module and give it a ``conformance_backend`` fixture
returning your configured backend (as ``registry.get_backend(name)`` builds it, with Django
settings pointing at a real server). Every built-in backend runs this same class::

    from s3_file_uploads.testing import BackendConformance

    class TestMyBackend(BackendConformance):
        server_checks_signatures = True   # does your test server refuse tampered/expired URLs?

        @pytest.fixture
        def conformance_backend(self, my_server, settings):
            settings.S3_FILE_UPLOADS = {"BACKENDS": {"mine": {"BACKEND": "mine", "OPTIONS": ...}}}
            return get_backend("mine")

:class:`BackendConformance` is :class:`ConformanceFixtures` (the fixtures a test class gives)
plus three mixins; a backend that cannot pass one of them picks the others instead::

    class TestMyBackend(ContractConformance, HttpApiConformance):  # no multipart
        ...

The helpers: :func:`api_url` (where the API is mounted), :func:`api_client` (a logged-in
client), :func:`create_upload` (create through the API, optionally send the bytes),
:func:`send_instruction` (what a browser does with an instruction), :func:`md5_base64` and
:func:`sha256_base64` (checksums as the API takes them) and :func:`sample_bytes`.
"""

from .api import api_client, api_url, create_upload
from .browser import send_instruction
from .content import md5_base64, sample_bytes, sha256_base64
from .contract import ContractConformance
from .file_access import FileAccessConformance
from .fixtures import ConformanceFixtures
from .http_api import HttpApiConformance
from .kit import BackendConformance
from .multipart import MultipartConformance

__all__ = [
    "BackendConformance",
    "ConformanceFixtures",
    "ContractConformance",
    "FileAccessConformance",
    "HttpApiConformance",
    "MultipartConformance",
    "api_client",
    "api_url",
    "create_upload",
    "md5_base64",
    "sample_bytes",
    "send_instruction",
    "sha256_base64",
]
