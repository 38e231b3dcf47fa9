"""Users and API clients for the core's tests, and storage set-ups more than one module needs.

The helpers tests share with projects' and backends' tests (``send_instruction``,
``create_upload``, ``api_client``...) come from :mod:`s3_file_uploads.testing`.
"""

from __future__ import annotations

import os

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from s3_file_uploads.testing import api_client, send_instruction

#: The name tests used before the kit exported ``send_instruction``.
send_file = send_instruction

#: Every endpoint that acts on one upload, as (method, path below the API's mount): what a
#: test walks to show that nobody but the owner reaches an upload.
UPLOAD_ENDPOINTS = [
    ("post", "{id}/complete/"),
    ("get", "{id}/"),
    ("delete", "{id}/"),
    ("post", "{id}/parts/"),
    ("get", "{id}/parts/"),
    ("post", "{id}/abort/"),
]


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user("ada", password="pw-ada")


@pytest.fixture
def other_user(db):
    return get_user_model().objects.create_user("bob", password="pw-bob")


@pytest.fixture
def api(user) -> APIClient:
    return api_client(user)


@pytest.fixture
def other_api(other_user) -> APIClient:
    return api_client(other_user)


@pytest.fixture
def s3_without_credentials(s3_bucket, settings, monkeypatch) -> None:
    """The S3 backend on moto with no credentials anywhere botocore looks: settings, the
    environment, files, instance metadata."""
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    settings.AWS_ACCESS_KEY_ID = settings.AWS_SECRET_ACCESS_KEY = None


@pytest.fixture
def azure_with_a_wrong_account_key(azure_container, settings, azurite) -> None:
    """The Azure backend on Azurite signing with a key that is not the account's."""
    settings.AZURE_CONNECTION_STRING = None
    settings.AZURE_ACCOUNT_NAME = "devstoreaccount1"
    settings.AZURE_ACCOUNT_KEY = "bm90IHRoZSBrZXkgbm90IHRoZSBrZXkgbm90IHRoZSBrZXk="
    settings.S3_FILE_UPLOADS = {
        "BACKENDS": {
            "azure": {
                "BACKEND": "azure",
                "OPTIONS": {"account_url": f"{azurite.url}/devstoreaccount1", "ssl": False},
            }
        }
    }
