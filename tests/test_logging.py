"""What the package logs, under which logger, and what it never logs (signed URLs, credentials).

Each scenario runs over a real stand-in: a refused upload, a refused object storage fails to
delete, a 503, a 502, a missing bucket, a cleanup.
"""

from __future__ import annotations

import io
import logging

import pytest
from django.core.management import call_command

from s3_file_uploads.hookspecs import hookimpl
from s3_file_uploads.redaction import redact
from s3_file_uploads.registry import get_backend
from s3_file_uploads.testing import create_upload

from .plugin_modules import plugin_module
from .servers.azurite import ACCOUNT_KEY
from .servers.moto import SECRET_KEY, s3_client

#: What must never reach a log line: signatures, SAS tokens, credentials.
SECRETS = (
    "Signature=",
    "X-Amz-Signature",
    "X-Amz-Credential",
    "x-goog-signature",
    "sig=",
    "AccountKey",
    SECRET_KEY,
    ACCOUNT_KEY,
    "testing-key",
)


#: The package's loggers: the core's namespace and each backend package's.
LOGGERS = ("s3_file_uploads", "s3_file_uploads_s3", "s3_file_uploads_azure", "s3_file_uploads_gcs")


@pytest.fixture
def logs(caplog):
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def ours(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.split(".")[0] in LOGGERS]


def records(caplog, logger: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == logger]


def assert_no_secrets(caplog) -> None:
    text = "\n".join(r.getMessage() for r in ours(caplog))
    for secret in SECRETS:
        assert secret.lower() not in text.lower(), secret


def created_and_sent(api, body: bytes = b"eleven byte", **fields) -> dict:
    return create_upload(api, body=body, **{"filename": "notes.txt", **fields})


def test_a_refused_upload_is_logged_with_its_id_backend_key_and_reason(api, s3_bucket, logs):
    created = created_and_sent(api, b"eleven byte", size=5)

    done = api.post(created["complete_url"])

    assert done.status_code == 400
    [record] = records(logs, "s3_file_uploads.completion")
    message = record.getMessage()
    assert record.levelno == logging.INFO
    assert created["id"] in message
    assert "backend s3" in message
    assert created["file_key"] in message
    assert "11 bytes, but 5 bytes were declared" in message
    assert_no_secrets(logs)


@pytest.fixture
def bucket_removing_plugin(settings, s3_bucket, moto_server):
    """A project plugin that refuses every upload after removing the object and the bucket, so
    the refused object's delete fails in storage."""

    @hookimpl
    def s3_file_uploads_before_complete(upload, info):
        client = s3_client(moto_server)
        client.delete_object(Bucket=s3_bucket, Key=upload.get_file_key())
        client.delete_bucket(Bucket=s3_bucket)
        return "Refused by the test plugin."

    with plugin_module("bucket_removing_plugin", s3_file_uploads_before_complete) as name:
        settings.S3_FILE_UPLOADS = {"PLUGINS": [name]}
        yield


@pytest.mark.usefixtures("bucket_removing_plugin")
def test_a_storage_error_swallowed_while_deleting_a_refused_object_is_logged(api, logs):
    created = created_and_sent(api)

    done = api.post(created["complete_url"])

    assert done.status_code == 400
    [warning] = [
        r for r in records(logs, "s3_file_uploads.completion") if r.levelno == logging.WARNING
    ]
    message = warning.getMessage()
    assert created["id"] in message
    assert "backend s3" in message
    assert created["file_key"] in message
    assert "cleanup_uploads" in message
    assert "no bucket named" in message
    assert_no_secrets(logs)


def test_a_503_is_logged_by_the_reply_and_by_the_backend(api, s3_bucket, settings, logs):
    created = created_and_sent(api)
    settings.AWS_S3_ENDPOINT_URL = "http://127.0.0.1:9"

    done = api.post(created["complete_url"])

    assert done.status_code == 503
    [reply] = records(logs, "s3_file_uploads.storage_replies")
    assert reply.levelno == logging.WARNING
    assert reply.getMessage().startswith(
        f"503: storage unavailable (backend s3, key {created['file_key']}, upload {created['id']})"
    )
    backend_lines = [r.getMessage() for r in records(logs, "s3_file_uploads_s3.backend")]
    assert any(f"key {created['file_key']}" in line for line in backend_lines), backend_lines
    assert_no_secrets(logs)


def test_a_502_is_logged_with_backend_key_and_upload(api, azure_container, settings, azurite, logs):
    created = created_and_sent(api)
    settings.AZURE_CONNECTION_STRING = (
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
        "AccountKey=bm90IHRoZSBrZXkgbm90IHRoZSBrZXkgbm90IHRoZSBrZXk=;"
        f"BlobEndpoint={azurite.url}/devstoreaccount1;"
    )

    done = api.post(created["complete_url"])

    assert done.status_code == 502, done.content
    [reply] = records(logs, "s3_file_uploads.storage_replies")
    message = reply.getMessage()
    assert message.startswith("502: storage refused the request")
    assert f"backend azure, key {created['file_key']}, upload {created['id']}" in message
    assert records(logs, "s3_file_uploads_azure.backend")
    assert_no_secrets(logs)


@pytest.mark.parametrize(
    ("fixture", "setting", "logger"),
    [
        ("s3_bucket", "AWS_BUCKET_NAME", "s3_file_uploads_s3.backend"),
        ("azure_container", "AZURE_CONTAINER", "s3_file_uploads_azure.backend"),
        ("gcs_bucket", "GS_BUCKET_NAME", "s3_file_uploads_gcs.backend"),
    ],
)
def test_a_missing_bucket_is_an_error_in_the_backend_log_and_the_reply_log(
    api, request, settings, logs, fixture, setting, logger
):
    request.getfixturevalue(fixture)
    setattr(settings, setting, "no-such-bucket-anywhere")
    created = create_upload(api, filename="notes.txt")

    assert api.post(created["complete_url"]).status_code == 500

    errors = [r.getMessage() for r in records(logs, logger) if r.levelno == logging.ERROR]
    assert any(
        f"key {created['file_key']}" in line and "no-such-bucket-anywhere" in line
        for line in errors
    ), errors
    [reply] = records(logs, "s3_file_uploads.storage_replies")
    assert reply.levelno == logging.ERROR
    assert created["id"] in reply.getMessage()
    assert setting in reply.getMessage()
    assert_no_secrets(logs)


def test_cleanup_logs_each_upload_it_removes(api, s3_bucket, logs):
    created = create_upload(api, filename="never-sent.txt")

    call_command("cleanup_uploads", "--older-than", "0s", stdout=io.StringIO())

    lines = [
        r.getMessage() for r in records(logs, "s3_file_uploads.management.commands.cleanup_uploads")
    ]
    assert (
        f"cleanup_uploads removed upload {created['id']} (backend s3, key {created['file_key']})"
        in lines
    )
    assert_no_secrets(logs)


def test_signing_and_a_successful_complete_log_no_url(api, s3_bucket, logs):
    created = created_and_sent(api)
    api.post(created["complete_url"])
    api.get(created["file_path"])
    get_backend().presign_download(
        key=created["file_key"], content_disposition="attachment", content_type=None, expires_in=60
    )

    lines = [r.getMessage() for r in ours(logs)]
    assert any(line.startswith("Built storage backend s3: S3 bucket") for line in lines), lines
    assert not any("http" in line for line in lines), lines
    assert_no_secrets(logs)


def test_redact_removes_signed_queries_and_credentials():
    text = (
        "GET https://b.s3.amazonaws.com/k?X-Amz-Signature=abc&X-Amz-Credential=AKIA failed; "
        "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=c2VjcmV0;EndpointSuffix=x "
        "and /c/k?sv=2024&sig=abc%3D"
    )

    cleaned = redact(text)

    assert cleaned.startswith("GET https://b.s3.amazonaws.com/k?[query removed] failed;")
    assert "AccountKey=[removed]" in cleaned
    assert "sig=[removed]" in cleaned
    for secret in ("abc", "AKIA", "c2VjcmV0"):
        assert secret not in cleaned
