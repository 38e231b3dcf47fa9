"""The OpenAPI schema stays in step with the code.

It generates without a warning and validates, it describes every route and method of
``s3_file_uploads.urls``, and the replies of a real run against moto match its response schemas.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from django.core.management import call_command
from django.urls import URLResolver, reverse
from drf_spectacular.drainage import GENERATOR_STATS
from rest_framework.views import APIView

from s3_file_uploads import urls as upload_urls
from s3_file_uploads.testing import send_instruction, sha256_base64

from .auth import live_session

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def openapi(tmp_path_factory) -> dict[str, Any]:
    """``manage.py spectacular --validate --fail-on-warn``: raises on any warning or error."""
    out = tmp_path_factory.mktemp("openapi") / "schema.json"
    GENERATOR_STATS.reset()
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--format=openapi-json", f"--file={out}"
    )
    return json.loads(out.read_text())


def test_schema_generates_without_warnings_and_validates(openapi):
    assert openapi["openapi"].startswith("3.")
    operation_ids = [
        op["operationId"] for item in openapi["paths"].values() for op in item.values()
    ]
    assert len(operation_ids) == len(set(operation_ids))


def rest_routes(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, type]]:
    """Every DRF view under ``patterns``, with its OpenAPI path; includes are walked too."""
    for pattern in patterns:
        route = prefix + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            yield from rest_routes(pattern.url_patterns, route)
        elif isinstance(getattr(pattern.callback, "cls", None), type) and issubclass(
            pattern.callback.cls, APIView
        ):
            yield route, pattern.callback.cls


def test_every_route_and_method_is_described(openapi):
    mount = reverse("s3_file_uploads:upload-file-create")
    routes = dict(rest_routes(upload_urls.urlpatterns, mount))
    assert len(routes) >= 5
    for path, view in routes.items():
        methods = {m for m in view.http_method_names if m not in ("head", "options")}
        methods = {m for m in methods if hasattr(view, m)}
        assert path in openapi["paths"], path
        assert set(openapi["paths"][path]) == methods, path
        for method, operation in openapi["paths"][path].items():
            codes = set(operation["responses"])
            assert {"401", "403"} <= codes, (method, path)
            assert any(code < "400" for code in codes), (method, path)
            if "{file_id}" in path:
                assert {"404", "503"} <= codes, (method, path)


def test_the_schema_is_served(client):
    reply = client.get("/api/schema/", {"format": "json"})
    assert reply.status_code == 200
    assert "/api/s3-file-uploads/{file_id}/complete/" in reply.json()["paths"]


def test_the_app_imports_and_serves_without_drf_spectacular():
    code = textwrap.dedent(
        """
        import sys
        sys.modules["drf_spectacular"] = None  # as if it were not installed
        import django
        from django.conf import settings
        settings.configure(
            SECRET_KEY="x",
            INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes",
                            "rest_framework", "s3_file_uploads"],
            DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
            ROOT_URLCONF="s3_file_uploads.urls",
        )
        django.setup()
        from s3_file_uploads import schema, views
        assert schema.extend_schema is None
        assert not hasattr(views.UploadedFileCreateView.post, "kwargs")
        print(schema.CreatedUploadSerializer().fields["multipart"].__class__.__name__)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "MultipartPlanOrFalseField"


class Replies:
    """Calls the live server and holds every reply to the schema of its operation."""

    def __init__(self, openapi: dict[str, Any], base: str, session: requests.Session) -> None:
        self.openapi, self.base, self.session = openapi, base, session
        self.schema = schemathesis.openapi.from_dict(openapi)
        self.checked: set[tuple[str, str, int]] = set()

    def __call__(self, method: str, path: str, expected: int, **kwargs: Any) -> requests.Response:
        url = self.base + path.format(**kwargs.pop("ids", {}))
        reply = self.session.request(method, url, allow_redirects=False, timeout=30, **kwargs)
        assert reply.status_code == expected, reply.text
        documented = self.openapi["paths"][path][method.lower()]["responses"]
        assert str(reply.status_code) in documented, (method, path, reply.status_code)
        self.schema[path][method].validate_response(reply)
        for name, header in documented[str(reply.status_code)].get("headers", {}).items():
            assert not header.get("required") or name in reply.headers, name
        self.checked.add((method, path, reply.status_code))
        return reply


LIST = "/api/s3-file-uploads/"
ONE = "/api/s3-file-uploads/{file_id}/"
COMPLETE = "/api/s3-file-uploads/{file_id}/complete/"
PARTS = "/api/s3-file-uploads/{file_id}/parts/"
ABORT = "/api/s3-file-uploads/{file_id}/abort/"


def test_real_replies_match_the_schema(
    openapi, live_server, s3_bucket, user, monkeypatch, settings
):
    with live_session(monkeypatch, user.username) as session:
        call = Replies(openapi, live_server.url, session)

        created = call("POST", LIST, 201, json={"filename": "naïve.txt", "size": 11}).json()
        ids = {"file_id": created["id"]}
        call("POST", COMPLETE, 409, ids=ids)
        call("GET", ONE, 409, ids=ids)
        call("GET", PARTS, 400, ids=ids)
        call("POST", ABORT, 400, ids=ids)
        assert send_instruction(created["upload"], b"hello world").ok
        call("POST", COMPLETE, 200, ids=ids)
        call("POST", COMPLETE, 200, ids=ids)
        assert "Location" in call("GET", ONE, 302, ids=ids).headers
        call("GET", ONE, 302, ids=ids, params={"disposition": "inline"})
        call("GET", ONE, 400, ids=ids, params={"disposition": "sideways"})
        call("GET", LIST, 200)
        call("GET", LIST, 200, params={"state": "completed"})
        call("DELETE", ONE, 204, ids=ids)
        call("DELETE", ONE, 404, ids=ids)

        refused = call("POST", LIST, 201, json={"filename": "big.bin", "size": 3}).json()
        send_instruction(refused["upload"], b"four")
        call("POST", COMPLETE, 400, ids={"file_id": refused["id"]})

        call("POST", LIST, 400, json={"acl": "world-writable", "size": 0, "content_md5": "x"})
        call("POST", LIST, 400, json=["not", "an", "object"])
        call("POST", LIST, 400, data="{", headers={"Content-Type": "application/json"})
        call("POST", LIST, 415, data="x", headers={"Content-Type": "text/plain"})

        multipart = {"filename": "v.bin", "size": 99, "multipart": True}
        parts = call("POST", LIST, 201, json=multipart).json()
        ids = {"file_id": parts["id"]}
        assert parts["upload"] is None
        assert parts["multipart"]["part_count"] == 1
        call("GET", PARTS, 200, ids=ids)
        call("POST", PARTS, 400, ids=ids, json={"part_numbers": [1]})  # S3 needs its checksum
        declared = {"parts": [{"part_number": 1, "checksum": sha256_base64(b"p" * 99)}]}
        signed = call("POST", PARTS, 200, ids=ids, json=declared).json()["parts"][0]
        put = requests.put(signed["url"], data=b"p" * 99, headers=signed["headers"], timeout=30)
        assert put.ok, put.text
        assert call("GET", PARTS, 200, ids=ids).json()["parts"][0]["size"] == 99
        call("POST", PARTS, 400, ids=ids, json={"part_numbers": [2]})
        call("POST", PARTS, 400, ids=ids, json={"part_numbers": ["one", 1]})
        call("POST", PARTS, 400, ids=ids, json={"part_numbers": []})
        assert call("POST", COMPLETE, 200, ids=ids).json()["multipart"] is True

        ids = {"file_id": call("POST", LIST, 201, json=multipart).json()["id"]}
        assert call("POST", COMPLETE, 409, ids=ids).json()["missing_parts"] == [1]
        call("POST", ABORT, 204, ids=ids)
        call("POST", PARTS, 400, ids=ids, json={"part_numbers": [1]})
        call("POST", ABORT, 400, ids=ids)

        with requests.Session() as nobody:
            Replies(openapi, live_server.url, nobody)("POST", LIST, 401, json={})

        unreachable = {"file_id": call("POST", LIST, 201, json={}).json()["id"]}
        settings.AWS_S3_ENDPOINT_URL = "http://127.0.0.1:9"
        call("POST", COMPLETE, 503, ids=unreachable)

    operations = {(m, p) for m, p, _ in call.checked}
    assert len(operations) == 8
