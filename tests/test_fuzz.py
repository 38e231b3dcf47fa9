"""A bounded schemathesis run against a live server with S3 on moto.

Every operation of the schema served at ``/api/schema/`` gets valid and invalid requests, and
every reply must be free of 5xx and exactly as the schema documents it: status code, content
type, headers and body. Path ids are schemathesis's own (random, or malformed in negative
cases) or those of uploads made for the run in every state, so complete, fetch, parts and abort
get past their 404s. The longer run is in docs/testing.md.
"""

from __future__ import annotations

import json
import os
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import requests
import schemathesis
from django.contrib.auth import get_user_model
from django.urls import Resolver404, resolve
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from s3_file_uploads.models import UploadedFile
from s3_file_uploads.testing import send_instruction

from .auth import live_session

#: Per operation: about 250 requests in 15 s. ``FUZZ_MAX_EXAMPLES=500`` makes the longer run of
#: docs/testing.md, which adds schemathesis's coverage phase (boundary values of every input).
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "30"))
SEED = 20261125
USERNAME = "fuzzer"
API = "/api/s3-file-uploads/"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
CONFIG = {
    "seed": SEED,
    "generation": {
        "mode": "all",
        "max-examples": MAX_EXAMPLES,
        "deterministic": True,
        "database": "none",
        "with-security-parameters": False,
    },
    "phases": {"coverage": {"enabled": MAX_EXAMPLES > 30}},
}
STATES = ("waiting", "sent", "completed", "failed", "multipart")

#: Requests sent, by operation, and those whose path matched no route; reported with ``-s``.
SENT: Counter[str] = Counter()
#: Ids of the fuzzing user's uploads for the operation under test, one in each of ``STATES``.
SEEDS: list[str] = []


def served_schema() -> dict[str, Any]:
    """What ``/api/schema/?format=json`` serves, built at collection time.

    (``schemathesis.pytest.from_fixture`` would load it from the live server, but it sets
    ``Function._nodeid``, which pytest 9.2 no longer has.)
    """
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document, renderer_context={}))


schema = schemathesis.openapi.from_dict(
    served_schema(), config=schemathesis.Config.from_dict(CONFIG)
).include(path_regex=f"^{API}")


@schema.hook
def before_generate_path_parameters(context: Any, strategy: Any) -> Any:
    """Half schemathesis's ids, half those of the run's uploads."""
    ours = st.integers(0, len(STATES) - 1).map(lambda i: {"file_id": SEEDS[i]})
    return st.one_of(strategy, ours)


def seed_uploads(session: requests.Session, base: str) -> list[str]:
    """One upload in each of ``STATES``, which the endpoints treat differently."""

    def create(**body: Any) -> dict[str, Any]:
        reply = session.post(base + API, json={"filename": "seed.txt", **body}, timeout=30)
        assert reply.status_code == 201, reply.text
        return reply.json()

    def complete(data: dict[str, Any]) -> None:
        session.post(f"{base}{API}{data['id']}/complete/", timeout=30)

    waiting, sent, done, failed = create(), create(), create(), create(size=3)
    for upload, body in ((sent, b"seed"), (done, b"seed"), (failed, b"four")):
        assert send_instruction(upload["upload"], body).ok
    complete(done)
    complete(failed)
    multipart = create(size=10, multipart=True)
    return [u["id"] for u in (waiting, sent, done, failed, multipart)]


@pytest.fixture
def fuzz_session(live_server, s3_bucket, transactional_db, monkeypatch) -> Iterator[Any]:
    """The fuzzing user's session, and that user's uploads in every state in ``SEEDS``."""
    get_user_model().objects.create_user(USERNAME)
    with live_session(monkeypatch, USERNAME) as session:
        SEEDS[:] = seed_uploads(session, live_server.url)
        states = UploadedFile.objects.filter(pk__in=SEEDS).values_list("file_upload_state")
        assert {s for (s,) in states} == {"AWAIT_COMPLETE", "COMPLETED", "FAILED"}
        yield session


@pytest.fixture(scope="module", autouse=True)
def report_sent() -> Iterator[None]:
    SENT.clear()
    yield
    if SENT:
        print(f"\nschemathesis sent {SENT.total()} requests: {dict(sorted(SENT.items()))}")


def routed(response: Any) -> bool:
    """Whether the request's path reaches one of the API's views at all."""
    try:
        match = resolve(unquote(urlsplit(response.request.url).path))
    except Resolver404:
        return False
    return match.namespace == "s3_file_uploads"


@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # the server, not state
def test_api_holds_to_its_schema(case, fuzz_session, live_server):
    SENT[case.operation.label] += 1
    response = case.call(base_url=live_server.url, session=fuzz_session)
    if routed(response):
        case.validate_response(response, checks=CHECKS)
    else:
        # A path parameter holding '/' makes a path of another shape, outside the API: the
        # project's 404 page answers it. It still must not fail.
        SENT["matched no route"] += 1
        case.validate_response(response, checks=[not_a_server_error])


@pytest.mark.parametrize("route", ["", "{id}/", "{id}/complete/", "{id}/parts/", "{id}/abort/"])
def test_options_answers_on_every_route(api, route):
    """Found by fuzzing: DRF's metadata asked the views with POST for a serializer class."""
    reply = api.options(API + route.format(id=uuid.uuid4()))
    assert reply.status_code == 200
    if route == "":
        assert "filename" in reply.data["actions"]["POST"]


@pytest.mark.parametrize(
    "upload_id", ["undefined", "null,null", "E3E70682-C209-1CAC-A29F-6FBED82C07CD"]
)
def test_a_malformed_id_gets_the_apis_404(api, upload_id):
    """Found by fuzzing: a malformed id matched no route and got the project's HTML 404 page."""
    for method, route in [
        ("get", ""),
        ("post", "complete/"),
        ("get", "parts/"),
        ("post", "abort/"),
    ]:
        reply = getattr(api, method)(f"{API}{upload_id}/{route}")
        assert reply.status_code == 404
        assert reply["Content-Type"] == "application/json"


def test_an_unknown_state_lists_nothing(api):
    """Found by fuzzing on PostgreSQL: a NUL in ``state`` reached the database, a 500."""
    for state in ("a\x00b", "sideways", ""):
        reply = api.get(API, {"state": state})
        assert reply.status_code == 200
        assert reply.data == []
