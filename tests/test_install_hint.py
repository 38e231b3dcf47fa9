"""The check's hint for a published backend that is not installed never downgrades the core.

``pip install "django-s3-file-upload[azure]"`` would take the newest final release from the
package index, which can be older than the core installed here; the hint pins the backend at
this core's own version instead, and names the clone's folder for versions not yet published.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import version

import pytest
from django.core import checks

from s3_file_uploads.plugins import get_plugin_manager, reset_plugin_manager
from s3_file_uploads.registry import reset_backends

CORE_VERSION = version("django-s3-file-upload")


@pytest.fixture
def azure_plugin_missing(settings) -> Iterator[None]:
    """The Azure backend's entry point blocked, as if its distribution were not installed."""
    settings.STORAGE_BACKEND = "azure"
    settings.AZURE_CONTAINER = "uploads"
    settings.AZURE_ACCOUNT_NAME = "devstoreaccount1"
    reset_plugin_manager()
    reset_backends()
    get_plugin_manager().set_blocked("azure")
    yield
    reset_plugin_manager()
    reset_backends()


def missing_backend_hint() -> str:
    [error] = [
        message
        for message in checks.run_checks(tags=["s3_file_uploads"])
        if "No storage backend named 'azure'" in message.msg
    ]
    return error.hint


def test_a_missing_published_backend_is_installed_at_the_cores_own_version(azure_plugin_missing):
    hint = missing_backend_hint()

    assert f'pip install "django-s3-file-upload-azure=={CORE_VERSION}"' in hint
    assert "pip install ./backends/azure" in hint


def test_the_hint_never_installs_the_core_through_an_unpinned_extra(azure_plugin_missing):
    hint = missing_backend_hint()

    assert "django-s3-file-upload[" not in hint
    assert '"django-s3-file-upload"' not in hint
