"""The S3 backend against a real moto server, and its settings, checks and plugin registration."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core import checks
from s3_file_uploads_s3 import S3Backend

from s3_file_uploads.errors import (
    AclNotSupported,
    BackendConfigurationError,
    ObjectNotFound,
    StorageUnavailable,
)
from s3_file_uploads.registry import backend_classes, get_backend
from s3_file_uploads.testing import send_instruction

pytestmark = pytest.mark.usefixtures("s3_bucket")


def sign(backend: S3Backend, key: str = "k/one.txt", **overrides):
    options = {
        "key": key,
        "max_size": 1000,
        "content_type": "text/plain",
        "acl": "private",
        "expires_in": 60,
    }
    return backend.presign_upload(**{**options, **overrides})


def test_registered_through_the_entry_point_and_built_once():
    assert backend_classes()["s3"] is S3Backend
    assert get_backend() is get_backend("s3")


def test_seed_and_django_storages_setting_names_configure_it(settings, moto_server):
    settings.AWS_BUCKET_NAME = None
    settings.AWS_STORAGE_BUCKET_NAME = "storages-bucket"
    settings.AWS_S3_ADDRESSING_STYLE = "path"
    backend = get_backend()
    assert backend.bucket_name == "storages-bucket"
    url = sign(backend).url
    assert url == f"{moto_server.url}/storages-bucket"


def test_upload_stat_download_delete_roundtrip():
    backend = get_backend()
    instruction = sign(backend)
    assert send_instruction(instruction, b"twelve bytes").status_code == 204

    info = backend.stat("k/one.txt")
    assert (info.size, info.content_type) == (12, "text/plain")
    assert info.etag

    url = backend.presign_download(
        key="k/one.txt",
        content_disposition='inline; filename="a"',
        content_type="text/plain",
        expires_in=30,
    )
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["30"]
    assert requests.get(url, timeout=10).content == b"twelve bytes"

    backend.delete("k/one.txt")
    backend.delete("k/one.txt")
    with pytest.raises(ObjectNotFound):
        backend.stat("k/one.txt")


def test_policy_conditions_and_expiry_are_signed():
    instruction = sign(get_backend(), max_size=4242, expires_in=120)
    policy = json.loads(base64.b64decode(instruction.fields["policy"]))
    assert ["content-length-range", 1, 4242] in policy["conditions"]
    assert {"Content-Type": "text/plain"} in policy["conditions"]
    assert {"key": "k/one.txt"} in policy["conditions"]
    signed_expiry = policy["expiration"][:19]
    assert signed_expiry == instruction.expires_at.strftime("%Y-%m-%dT%H:%M:%S")


def test_every_seed_acl_maps_when_the_bucket_uses_acls():
    backend = get_backend()
    for acl in ("private", "public-read", "public-read-write", "authenticated-read"):
        assert backend.map_acl(acl) == acl


def test_bucket_owner_enforced_signs_no_acl(settings):
    settings.AWS_S3_OBJECT_ACLS = False
    backend = get_backend()
    assert "acl" not in sign(backend).fields
    with pytest.raises(AclNotSupported, match="bucket owner enforced"):
        backend.map_acl("public-read")


def test_missing_bucket_is_a_configuration_error_with_a_hint(settings):
    settings.AWS_BUCKET_NAME = None
    with pytest.raises(BackendConfigurationError) as error:
        get_backend()
    assert "AWS_BUCKET_NAME" in error.value.hint


def test_missing_bucket_is_reported_by_the_system_checks(settings):
    settings.AWS_BUCKET_NAME = None
    errors = checks.run_checks(tags=["s3_file_uploads"])
    assert [e.id for e in errors] == ["s3_file_uploads.W007"]
    assert "AWS_STORAGE_BUCKET_NAME" in errors[0].hint


def test_unreachable_endpoint_is_storage_unavailable(settings):
    settings.AWS_S3_ENDPOINT_URL = "http://127.0.0.1:9"
    with pytest.raises(StorageUnavailable):
        get_backend().stat("anything")
