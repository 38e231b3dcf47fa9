"""Create-only PUT instructions on S3 against a real moto server, and the upload method setting.

moto enforces ``If-None-Match: *`` on PutObject (a second PUT to a stored key gets 412) but no
signature, so what is signed is read back from the URL's ``X-Amz-SignedHeaders``; LocalStack
shows S3 refusing the rest (tests/test_attacks_s3_localstack.py).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core import checks

from s3_file_uploads.contract import Checksum, UploadSpec
from s3_file_uploads.errors import BackendConfigurationError, UploadRefused
from s3_file_uploads.registry import get_backend
from s3_file_uploads.testing import md5_base64, send_instruction, sha256_base64

pytestmark = pytest.mark.usefixtures("s3_bucket")

BODY = b"twelve bytes"


def spec(key: str = "k/put.txt", **changes) -> UploadSpec:
    fields = {
        "key": key,
        "max_size": 1000,
        "content_type": "text/plain",
        "acl": "private",
        "expires_in": 60,
        "size": len(BODY),
    }
    return UploadSpec(**{**fields, **changes})


def signed_headers(url: str) -> set[str]:
    return set(parse_qs(urlsplit(url).query)["X-Amz-SignedHeaders"][0].split(";"))


def test_a_declared_size_gets_a_put_that_signs_length_type_acl_and_create_only():
    instruction = get_backend().sign_upload(spec())

    assert instruction.method == "PUT"
    assert not instruction.fields
    assert instruction.headers == {
        "Content-Type": "text/plain",
        "If-None-Match": "*",
        "x-amz-acl": "private",
    }
    assert signed_headers(instruction.url) == {
        "content-length",
        "content-type",
        "host",
        "if-none-match",
        "x-amz-acl",
    }


def test_the_put_carries_no_header_a_browser_refuses_to_set():
    instruction = get_backend().sign_upload(spec())
    assert {name.lower() for name in instruction.headers}.isdisjoint({"content-length", "host"})


@pytest.mark.parametrize(
    ("checksum", "header"),
    [
        (Checksum("md5", md5_base64(BODY)), "Content-MD5"),
        (Checksum("sha256", sha256_base64(BODY)), "x-amz-checksum-sha256"),
    ],
)
def test_a_declared_checksum_is_a_signed_header_of_the_put(checksum, header):
    instruction = get_backend().sign_upload(spec(checksum=checksum))

    assert instruction.headers[header] == checksum.value
    assert header.lower() in signed_headers(instruction.url)


def test_bucket_owner_enforced_puts_sign_no_acl(settings):
    settings.AWS_S3_OBJECT_ACLS = False
    instruction = get_backend().sign_upload(spec())
    assert "x-amz-acl" not in instruction.headers
    assert "x-amz-acl" not in signed_headers(instruction.url)


def test_following_the_put_stores_the_bytes_and_a_second_put_is_refused_by_moto():
    backend = get_backend()
    instruction = backend.sign_upload(spec())

    first = send_instruction(instruction, BODY)
    second = send_instruction(instruction, b"other bytes!")

    assert first.status_code == 200, first.text
    assert second.status_code == 412
    assert "PreconditionFailed" in second.text
    info = backend.stat("k/put.txt")
    assert (info.size, info.content_type) == (len(BODY), "text/plain")
    assert requests.get(backend_url(backend), timeout=10).content == BODY


def backend_url(backend) -> str:
    return backend.presign_download(
        key="k/put.txt", content_disposition="attachment", content_type=None, expires_in=30
    )


def test_without_a_declared_size_auto_signs_a_post_policy():
    instruction = get_backend().sign_upload(spec(size=None))
    assert instruction.method == "POST"
    assert "policy" in instruction.fields


def test_upload_method_post_signs_a_policy_even_for_a_declared_size(settings):
    settings.AWS_S3_UPLOAD_METHOD = "post"
    assert get_backend().sign_upload(spec()).method == "POST"


def test_upload_method_put_refuses_an_upload_of_unknown_size_saying_what_to_send(settings):
    settings.AWS_S3_UPLOAD_METHOD = "PUT"
    backend = get_backend()

    assert backend.sign_upload(spec()).method == "PUT"
    with pytest.raises(UploadRefused, match="send the file's size in bytes as 'size'"):
        backend.sign_upload(spec(size=None))


def test_an_unknown_upload_method_is_a_configuration_error_with_a_hint(settings):
    settings.AWS_S3_UPLOAD_METHOD = "multipart"
    with pytest.raises(BackendConfigurationError) as error:
        get_backend()
    assert "'multipart'" in str(error.value)
    assert "AWS_S3_UPLOAD_METHOD" in error.value.hint


def test_an_unknown_upload_method_is_reported_by_the_system_checks(settings):
    settings.S3_FILE_UPLOADS = {
        "BACKENDS": {"s3": {"BACKEND": "s3", "OPTIONS": {"upload_method": "form"}}}
    }
    errors = checks.run_checks(tags=["s3_file_uploads"])
    assert [e.id for e in errors] == ["s3_file_uploads.W007"]
    assert "'form'" in errors[0].msg
    assert "'auto'" in errors[0].hint
