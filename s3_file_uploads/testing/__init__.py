"""The conformance kit: one set of tests that proves a backend keeps the contract.

Subclass :class:`BackendConformance` in a test module and give it a ``conformance_backend``
fixture returning your configured backend (as ``registry.get_backend(name)`` builds it, with
Django settings pointing at a real server). Every built-in backend runs this same class::

    from s3_file_uploads.testing import BackendConformance

    class TestMyBackend(BackendConformance):
        server_checks_signatures = True   # does your test server refuse tampered/expired URLs?

        @pytest.fixture
        def conformance_backend(self, my_server, settings):
            settings.S3_FILE_UPLOADS = {"BACKENDS": {"mine": {"BACKEND": "mine", "OPTIONS": ...}}}
            return get_backend("mine")
"""

from .kit import BackendConformance, send_instruction

__all__ = ["BackendConformance", "send_instruction"]
