"""Users, API clients and a helper that follows an upload instruction like a browser would."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user("ada", password="pw-ada")


@pytest.fixture
def other_user(db):
    return get_user_model().objects.create_user("bob", password="pw-bob")


@pytest.fixture
def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def other_api(other_user) -> APIClient:
    client = APIClient()
    client.force_authenticate(other_user)
    return client


def send_file(
    instruction: dict[str, Any], body: bytes, filename: str = "f.bin"
) -> requests.Response:
    """Follow an upload instruction generically: POST form (fields first, file last) or PUT."""
    if instruction["method"] == "POST":
        return requests.post(
            instruction["url"],
            data=instruction["fields"],
            files={"file": (filename, body)},
            timeout=30,
        )
    return requests.put(instruction["url"], data=body, headers=instruction["headers"], timeout=30)
