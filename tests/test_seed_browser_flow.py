"""The seed's browser flow, as its frontend does it, over HTTP against a live Django and moto.

Session login, JSON create with the CSRF header, multipart POST of ``upload_form`` (fields first,
file last), empty-body POST to ``complete_url``, then the download: only the seed's settings
plus ``AWS_S3_ENDPOINT_URL`` are set (the ``s3_bucket`` fixture).
"""

from __future__ import annotations

import pytest
import requests

pytestmark = pytest.mark.usefixtures("s3_bucket")
API = "/api/s3-file-uploads/"


@pytest.fixture
def frontend(live_server, user, client) -> requests.Session:
    """A browser-like session: logged in by cookie, holding Django's CSRF cookie."""
    assert client.login(username="ada", password="pw-ada")
    session = requests.Session()
    session.cookies.set("sessionid", client.cookies["sessionid"].value)
    session.get(f"{live_server.url}/admin/login/", timeout=10)
    assert "csrftoken" in session.cookies
    return session


def test_seed_frontend_flow_works_unchanged(frontend, live_server):
    body = b"%PDF-1.4 seed flow"
    created = frontend.post(
        f"{live_server.url}{API}",
        json={"filename": "invoice.pdf"},
        headers={"X-CSRFToken": frontend.cookies["csrftoken"]},
        timeout=10,
    )
    assert created.status_code == 201, created.text
    form = created.json()["upload_form"]

    stored = requests.post(
        form["url"], data=form["fields"], files={"file": ("invoice.pdf", body)}, timeout=10
    )
    assert stored.status_code == 204, stored.text

    completed = frontend.post(
        created.json()["complete_url"],
        headers={"X-CSRFToken": frontend.cookies["csrftoken"]},
        timeout=10,
    )
    assert completed.status_code == 200, completed.text
    assert completed.json()["status"] == "COMPLETED"

    download = frontend.get(f"{live_server.url}{created.json()['file_path']}", timeout=10)
    assert download.content == body
    assert download.history[0].status_code == 302


def test_session_create_without_csrf_header_is_refused(frontend, live_server):
    refused = frontend.post(f"{live_server.url}{API}", json={"filename": "a.pdf"}, timeout=10)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
