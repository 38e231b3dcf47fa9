"""The non-browser clients in docs/api.md, run as they are against a live server: curl with jq
and Python requests, signed in with a session and CSRF or with Basic auth, following a PUT
instruction (the memory backend) and a POST form (S3 on moto)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from s3_file_uploads.models import UploadedFile, UploadState

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"
PDF = b"%PDF-1.7 sent by a script\n" * 50
PASSWORD = "pw-for-scripts"


def load_python_example():
    spec = importlib.util.spec_from_file_location("upload_example", EXAMPLES / "upload.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(params=["memory", "s3"])
def storage(request, settings, live_server):
    if request.param == "memory":
        settings.S3_FILE_UPLOADS = {
            "BACKENDS": {"memory": {"BACKEND": "memory", "OPTIONS": {"base_url": live_server.url}}}
        }
        settings.STORAGE_BACKEND = "memory"
    else:
        request.getfixturevalue("s3_bucket")
    return request.param


@pytest.fixture
def ada(transactional_db):
    # Staff, so that the admin's login page stands in for the project's own.
    return get_user_model().objects.create_user("ada", password=PASSWORD, is_staff=True)


@pytest.fixture
def report(tmp_path) -> Path:
    path = tmp_path / "report.pdf"
    path.write_bytes(PDF)
    return path


def assert_completed(upload_id: str, storage: str) -> None:
    row = UploadedFile.objects.get(pk=upload_id)
    assert row.file_upload_state == UploadState.COMPLETED
    assert row.backend == storage
    assert row.size == len(PDF)


@pytest.mark.parametrize("auth", ["basic", "session"])
def test_the_curl_example_uploads_completes_and_fetches(live_server, storage, ada, report, auth):
    env = {
        **os.environ,
        "BASE": live_server.url,
        "AUTH_METHOD": auth,
        "API_USER": "ada",
        "API_PASSWORD": PASSWORD,
        "LOGIN_URL": f"{live_server.url}/admin/login/",
    }

    done = subprocess.run(
        ["bash", str(EXAMPLES / "upload.sh"), report.name],
        cwd=report.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    assert (report.parent / "downloaded-report.pdf").read_bytes() == PDF
    assert_completed(done.stdout.strip(), storage)


@pytest.mark.parametrize("auth", ["basic", "session"])
def test_the_requests_example_uploads_completes_and_fetches(
    live_server, storage, ada, report, auth
):
    example = load_python_example()
    if auth == "basic":
        api = example.basic_auth_session("ada", PASSWORD)
    else:
        api = example.signed_in_session(f"{live_server.url}/admin/login/", "ada", PASSWORD)

    upload_id, content = example.upload(api, live_server.url, report)

    assert content == PDF
    assert_completed(upload_id, storage)


@pytest.mark.parametrize("storage", ["memory"], indirect=True)
def test_a_session_post_without_the_csrf_token_is_refused(live_server, storage, ada):
    example = load_python_example()
    api = example.signed_in_session(f"{live_server.url}/admin/login/", "ada", PASSWORD)
    del api.headers["X-CSRFToken"]

    refused = api.post(f"{live_server.url}/api/s3-file-uploads/", json={"filename": "a.pdf"})

    assert refused.status_code == 403
    assert refused.json() == {"detail": "CSRF Failed: CSRF token missing."}
