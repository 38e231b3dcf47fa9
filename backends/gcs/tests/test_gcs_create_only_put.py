"""Create-only PUT instructions on GCS: what is signed, read back from the URL and checked with
the public half of the test's own key, and what fake-gcs-server does with them.

fake-gcs-server checks no signature and none of the signed preconditions: not
``x-goog-content-length-range``, not ``Content-MD5``, and not ``x-goog-if-generation-match: 0``
(a second PUT to a stored key replaces it there; GCS answers 412). So the signature is what is
proved here: the test's key signed exactly the headers the browser sends, precondition included.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests
from cryptography.exceptions import InvalidSignature
from django.contrib.auth import get_user_model
from gcs_signatures import verify_v4
from rest_framework.test import APIClient

from s3_file_uploads.contract import Checksum, UploadSpec
from s3_file_uploads.models import UploadState
from s3_file_uploads.registry import get_backend
from s3_file_uploads.testing import api_client, create_upload, md5_base64, send_instruction

pytestmark = pytest.mark.usefixtures("gcs_bucket")

BODY = b"checked bytes\n" * 20
OTHER = b"other bytes!!\n" * 20


@pytest.fixture
def api(db) -> APIClient:
    return api_client(get_user_model().objects.create_user("putter", password="pw"))


def stored(server, bucket: str, key: str) -> bytes:
    url = f"{server.url}/storage/v1/b/{bucket}/o/{quote(key, safe='')}"
    return requests.get(url, params={"alt": "media"}, timeout=10).content


#: A text file of ``len(BODY)`` bytes, declared at create; tests replace what they vary.
PUT_SPEC = UploadSpec(
    key="k/put.txt", max_size=1000, content_type="text/plain", acl="private", expires_in=60
)


def spec(**changes) -> UploadSpec:
    return dataclasses.replace(PUT_SPEC, **{"size": len(BODY), **changes})


def signed_headers(url: str) -> list[str]:
    return parse_qs(urlsplit(url).query)["X-Goog-SignedHeaders"][0].split(";")


def canonical_put(url: str, headers: dict[str, str]) -> str:
    """The V4 canonical request of a PUT to ``url`` that sends ``headers`` (names any case)."""
    parts = urlsplit(url)
    sent = {name.lower(): value for name, value in {**headers, "host": parts.netloc}.items()}
    names = sorted(sent)
    return "\n".join(
        [
            "PUT",
            parts.path,
            parts.query.rpartition("&X-Goog-Signature=")[0],
            "".join(f"{name}:{sent[name]}\n" for name in names),
            ";".join(names),
            "UNSIGNED-PAYLOAD",
        ]
    )


def test_a_declared_size_gets_a_put_signing_length_type_acl_and_generation_zero():
    instruction = get_backend().sign_upload(spec())
    exact = f"{len(BODY)},{len(BODY)}"

    assert (instruction.method, dict(instruction.fields)) == ("PUT", {})
    assert instruction.headers == {
        "Content-Type": "text/plain",
        "x-goog-if-generation-match": "0",
        "x-goog-content-length-range": exact,
        "x-goog-acl": "private",
    }
    assert signed_headers(instruction.url) == [
        "content-length",
        "content-type",
        "host",
        "x-goog-acl",
        "x-goog-content-length-range",
        "x-goog-if-generation-match",
    ]


def test_what_the_browser_sends_is_what_the_key_signed_and_nothing_less(gcs_service_account_file):
    instruction = get_backend().sign_upload(spec())
    sent = {**instruction.headers, "Content-Length": str(len(BODY))}
    without_precondition = {k: v for k, v in sent.items() if k != "x-goog-if-generation-match"}

    verify_v4(instruction.url, canonical_put(instruction.url, sent), gcs_service_account_file)
    for changed in (
        without_precondition,
        {**sent, "Content-Length": str(len(BODY) + 1)},
        {**sent, "Content-Type": "text/html"},
    ):
        with pytest.raises(InvalidSignature):
            verify_v4(
                instruction.url, canonical_put(instruction.url, changed), gcs_service_account_file
            )


def test_a_declared_md5_is_a_signed_content_md5_header():
    instruction = get_backend().sign_upload(spec(checksum=Checksum("md5", md5_base64(BODY))))

    assert instruction.headers["Content-MD5"] == md5_base64(BODY)
    assert "content-md5" in signed_headers(instruction.url)


def test_uniform_bucket_level_access_signs_no_acl_and_no_size_signs_a_post_policy(settings):
    settings.GS_UNIFORM_BUCKET_LEVEL_ACCESS = True
    backend = get_backend()
    put = backend.sign_upload(spec())

    assert "x-goog-acl" not in {**put.headers, **dict.fromkeys(signed_headers(put.url))}
    assert backend.sign_upload(spec(size=None)).method == "POST"


def test_fake_gcs_server_ignores_the_signed_generation_precondition(fake_gcs, gcs_bucket):
    # What the emulator does, so that the day it enforces the precondition this test says so:
    # GCS answers the second PUT with 412 Precondition Failed; fake-gcs-server stores it.
    instruction = get_backend().sign_upload(spec())

    first = send_instruction(instruction, BODY)
    second = send_instruction(instruction, OTHER)

    assert first.status_code == 200, first.text
    assert second.status_code == 200
    assert stored(fake_gcs, gcs_bucket, "k/put.txt") == OTHER


def test_a_browser_style_upload_of_declared_size_completes(api, fake_gcs, gcs_bucket):
    created = create_upload(api, body=BODY, filename="notes.txt", size=len(BODY))

    done = api.post(created["complete_url"])

    assert created["upload"]["method"] == "PUT"
    assert created["upload"]["headers"]["x-goog-if-generation-match"] == "0"
    assert done.status_code == 200, done.data
    assert done.data["status"] == UploadState.COMPLETED
    assert stored(fake_gcs, gcs_bucket, created["file_key"]) == BODY
