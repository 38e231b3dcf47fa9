"""0.1.0 projects do not list ``rest_framework`` in INSTALLED_APPS: without it the API still
answers a browser (``Accept: text/html``) with JSON, not a 500 for the browsable API's template."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import override_settings

API = "/api/s3-file-uploads/"
WITHOUT_DRF = [
    app for app in settings.INSTALLED_APPS if app not in ("rest_framework", "drf_spectacular")
]


@pytest.fixture
def logged_in(client, user):
    client.force_login(user)
    return client


def test_a_browser_gets_json_when_rest_framework_is_not_an_installed_app(logged_in):
    with override_settings(INSTALLED_APPS=WITHOUT_DRF):
        listed = logged_in.get(API, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})

    assert listed.status_code == 200
    assert listed["Content-Type"] == "application/json"
    assert listed.json() == []


def test_an_error_reply_is_json_for_a_browser_too(logged_in):
    with override_settings(INSTALLED_APPS=WITHOUT_DRF):
        missing = logged_in.get(
            f"{API}00000000-0000-4000-8000-000000000000/", headers={"Accept": "text/html"}
        )

    assert missing.status_code == 404
    assert missing.json() == {"detail": "No upload of yours has this id."}


def test_the_browsable_api_stays_when_rest_framework_is_installed(logged_in):
    page = logged_in.get(API, headers={"Accept": "text/html"})

    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")
    assert b"<html" in page.content
