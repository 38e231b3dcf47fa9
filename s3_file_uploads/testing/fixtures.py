"""What every conformance mixin stands on: the fixtures a backend's test class gives it."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from ..contract import StorageBackend
from .api import api_client


class ConformanceFixtures:
    """The fixtures and switches of the conformance kit, declared once for every mixin.

    A backend's test class **must** override ``conformance_backend`` and **may** override the
    other fixtures and the two class attributes. Needs pytest-django (``db``, ``settings``).
    """

    #: Whether the test server checks signatures and expiry (Azurite, the local and memory
    #: backends: yes; moto and fake-gcs-server: no, so those tests are skipped there and each
    #: backend's own tests decode what was signed instead).
    server_checks_signatures: bool = False
    #: Whether the test server answers with the signed Content-Disposition (fake-gcs-server
    #: does not; the GCS backend's own tests then assert the signed query parameters).
    server_applies_response_overrides: bool = True
    #: The size from which the backend's ``write`` sends a stream in several requests (blocks,
    #: parts, chunks), when it does: a stream that breaks its declared size is then also
    #: tried one byte either side of it.
    several_requests_write_size: int | None = None

    @pytest.fixture
    def conformance_backend(self) -> StorageBackend:
        """Required: your backend, configured against a real test server (typically
        ``registry.get_backend(name)`` after pointing Django settings at that server)."""
        raise NotImplementedError("Override this fixture to return your configured backend.")

    @pytest.fixture
    def storage_base_url(self) -> str:
        """Optional: the prefix for root-relative URLs the backend signs. A backend served by
        Django itself returns ``live_server.url``; storage of its own needs none."""
        return ""

    @pytest.fixture
    def key(self) -> str:
        """Optional: a fresh object key for one test, under a prefix the kit owns."""
        return f"conformance/{uuid.uuid4().hex}/file.bin"

    @pytest.fixture
    def api(self, db, settings, conformance_backend, storage_base_url) -> APIClient:
        """Optional: a client logged in as a new user, with the backend as the default; a
        backend served by Django itself is asked on its own host, so the absolute URLs in
        replies point where its views listen."""
        settings.STORAGE_BACKEND = conformance_backend.name
        user = get_user_model().objects.create_user(f"kit-{uuid.uuid4().hex[:8]}")
        return api_client(user, storage_base_url=storage_base_url)
