"""The local backend on a fresh folder, as the local backend's test modules use it: import the
``store`` and ``backend`` fixtures from here."""

from __future__ import annotations

from pathlib import Path

import pytest

from s3_file_uploads.local import LocalBackend
from s3_file_uploads.registry import get_backend


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def backend(settings, store: Path) -> LocalBackend:
    """The ``disk`` configuration, on ``store``, and the default backend."""
    settings.S3_FILE_UPLOADS = {
        "BACKENDS": {"disk": {"BACKEND": "local", "OPTIONS": {"location": str(store)}}}
    }
    settings.STORAGE_BACKEND = "disk"
    built = get_backend("disk")
    assert isinstance(built, LocalBackend)
    return built
