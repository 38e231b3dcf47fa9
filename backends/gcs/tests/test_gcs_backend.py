"""The GCS backend against a real fake-gcs-server over HTTP.

fake-gcs-server checks no signature, expiry, policy condition or ``response-content-*``
override, so what is signed is asserted by decoding the policy and the URL and by verifying the
signatures with the public half of the test's own service-account key.
"""

from __future__ import annotations

import base64
import importlib.metadata
import json
import os
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, quote, urlsplit

import google.auth.compute_engine
import google.oauth2.credentials
import pytest
import requests
from django.core import checks
from gcs_signatures import verify_rsa, verify_v4
from google.oauth2 import service_account
from s3_file_uploads_gcs import GCSBackend
from s3_file_uploads_gcs.backend import MAXIMUM_SIGNED_EXPIRY

from s3_file_uploads import registry
from s3_file_uploads.errors import (
    AclNotSupported,
    BackendConfigurationError,
    ObjectNotFound,
    StorageError,
    StorageUnavailable,
)
from s3_file_uploads.testing import md5_base64
from tests.servers import free_port
from tests.servers.fake_gcs import CLIENT_EMAIL, write_service_account_json

SA_EMAIL = "signer@test-project.iam.gserviceaccount.com"


def make_backend(settings, **options) -> GCSBackend:
    """A backend from the fixture's flat settings, with some options overridden."""
    return GCSBackend(name="gcs", **{**GCSBackend.settings_defaults(settings), **options})


def upload(instruction, body: bytes, *, filename: str = "f.bin") -> requests.Response:
    """What the browser does: the fields first, the file last, to the instruction's URL."""
    assert instruction.method == "POST"
    files = {"file": (filename, body, "application/octet-stream")}
    return requests.post(instruction.url, data=dict(instruction.fields), files=files, timeout=10)


def stored_bytes(server, bucket: str, key: str) -> bytes:
    url = f"{server.url}/storage/v1/b/{bucket}/o/{quote(key, safe='')}"
    response = requests.get(url, params={"alt": "media"}, timeout=10)
    response.raise_for_status()
    return response.content


def decoded_policy(instruction) -> dict:
    return json.loads(base64.b64decode(instruction.fields["policy"]))


# -- uploads ---------------------------------------------------------------------------------


def test_following_the_instruction_stores_the_exact_bytes(gcs_bucket, fake_gcs):
    backend = registry.get_backend()
    body = os.urandom(1000) + b"\x00\r\n--boundary-like--\r\n"
    key = "uploads/ab c/\u00fc.bin"

    instruction = backend.presign_upload(
        key=key, max_size=2048, content_type="image/png", acl="private", expires_in=300
    )
    response = upload(instruction, body)

    assert response.status_code in (200, 201, 204), response.text
    assert stored_bytes(fake_gcs, gcs_bucket, key) == body
    info = backend.stat(key)
    assert info.size == len(body)
    # The signed Content-Type field decides, not the type the browser gave the file part.
    assert info.content_type == "image/png"


def test_form_action_is_the_path_style_bucket_url(gcs_bucket, fake_gcs, settings):
    emulated = registry.get_backend().presign_upload(
        key="k", max_size=10, content_type="text/plain", acl="private", expires_in=60
    )
    real = make_backend(settings, api_endpoint=None).presign_upload(
        key="k", max_size=10, content_type="text/plain", acl="private", expires_in=60
    )

    assert emulated.url == f"{fake_gcs.url}/{gcs_bucket}"
    assert real.url == f"https://storage.googleapis.com/{gcs_bucket}"


def test_policy_signs_size_key_type_acl_and_expiry(gcs_bucket, gcs_service_account_file):
    backend = registry.get_backend()
    before = datetime.now(UTC)

    instruction = backend.presign_upload(
        key="uploads/a.pdf",
        max_size=5000,
        content_type="application/pdf",
        acl="public-read",
        expires_in=600,
    )

    fields = instruction.fields
    policy = decoded_policy(instruction)
    conditions = policy["conditions"]
    assert ["content-length-range", 1, 5000] in conditions
    assert {"key": "uploads/a.pdf"} in conditions
    assert {"bucket": gcs_bucket} in conditions
    assert {"Content-Type": "application/pdf"} in conditions
    assert {"acl": "public-read"} in conditions
    assert {"x-goog-algorithm": "GOOG4-RSA-SHA256"} in conditions
    assert fields["key"] == "uploads/a.pdf"
    assert fields["Content-Type"] == "application/pdf"
    assert fields["acl"] == "public-read"
    assert fields["x-goog-credential"].startswith(f"{CLIENT_EMAIL}/")
    expiration = datetime.fromisoformat(policy["expiration"])
    assert before + timedelta(seconds=590) <= expiration <= before + timedelta(seconds=610)
    assert abs((instruction.expires_at - expiration).total_seconds()) < 5
    # The policy GCS receives is the one the test's key signed (the emulator checks no signature).
    verify_rsa(gcs_service_account_file, fields["x-goog-signature"], fields["policy"].encode())


def test_private_upload_signs_the_private_acl(gcs_bucket):
    instruction = registry.get_backend().presign_upload(
        key="k", max_size=10, content_type="text/plain", acl="private", expires_in=60
    )

    assert instruction.fields["acl"] == "private"
    assert {"acl": "private"} in decoded_policy(instruction)["conditions"]


def test_upload_expiry_is_capped_at_seven_days(gcs_bucket):
    before = datetime.now(UTC)

    instruction = registry.get_backend().presign_upload(
        key="k", max_size=10, content_type="text/plain", acl="private", expires_in=30 * 86400
    )

    cap = before + timedelta(seconds=MAXIMUM_SIGNED_EXPIRY)
    expiration = datetime.fromisoformat(decoded_policy(instruction)["expiration"])
    assert cap - timedelta(seconds=5) <= expiration <= cap + timedelta(seconds=5)
    assert instruction.expires_at <= cap + timedelta(seconds=5)


# -- downloads -------------------------------------------------------------------------------


def test_download_url_is_v4_signed_with_disposition_and_type(
    gcs_bucket, fake_gcs, gcs_service_account_file
):
    backend = registry.get_backend()
    body = b"%PDF-1.7 not really"
    key = "uploads/ab c/r\u00e9sum\u00e9.pdf"
    response = upload(
        backend.presign_upload(
            key=key, max_size=100, content_type="application/pdf", acl="private", expires_in=60
        ),
        body,
    )
    assert response.status_code in (200, 201, 204)
    disposition = "attachment; filename=\"resume.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf"

    url = backend.presign_download(
        key=key, content_disposition=disposition, content_type="application/pdf", expires_in=120
    )

    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}" == fake_gcs.url
    assert query["response-content-disposition"] == [disposition]
    assert query["response-content-type"] == ["application/pdf"]
    assert query["X-Goog-Algorithm"] == ["GOOG4-RSA-SHA256"]
    assert query["X-Goog-Expires"] == ["120"]
    assert query["X-Goog-SignedHeaders"] == ["host"]
    assert query["X-Goog-Credential"][0].startswith(f"{CLIENT_EMAIL}/")
    # The disposition and type sit inside the canonical request the test's key signed.
    canonical_query = parts.query.rpartition("&X-Goog-Signature=")[0]
    canonical_request = "\n".join(
        [
            "GET",
            parts.path,
            canonical_query,
            f"host:{parts.netloc}\n",
            "host",
            "UNSIGNED-PAYLOAD",
        ]
    )
    verify_v4(url, canonical_request, gcs_service_account_file)
    # The emulator serves the bytes (it ignores the response-content-* overrides).
    fetched = requests.get(url, timeout=10)
    assert fetched.status_code == 200
    assert fetched.content == body


def test_download_expiry_is_capped_at_seven_days(gcs_bucket):
    url = registry.get_backend().presign_download(
        key="k", content_disposition="attachment", content_type=None, expires_in=30 * 86400
    )

    query = parse_qs(urlsplit(url).query)
    assert query["X-Goog-Expires"] == [str(MAXIMUM_SIGNED_EXPIRY)]
    assert "response-content-type" not in query


def test_download_url_points_at_real_gcs_without_a_api_endpoint(gcs_bucket, settings):
    url = make_backend(settings, api_endpoint=None).presign_download(
        key="a b.txt", content_disposition="inline", content_type="text/plain", expires_in=60
    )

    parts = urlsplit(url)
    assert parts.netloc == "storage.googleapis.com"
    assert parts.path == f"/{gcs_bucket}/a%20b.txt"


# -- stat and delete -------------------------------------------------------------------------


def test_stat_reports_size_type_etag_and_md5(gcs_bucket):
    backend = registry.get_backend()
    body = b"hello, bucket\n" * 7
    upload(
        backend.presign_upload(
            key="s.txt", max_size=1000, content_type="text/plain", acl="private", expires_in=60
        ),
        body,
    )

    info = backend.stat("s.txt")

    assert info.key == "s.txt"
    assert info.size == len(body)
    assert info.content_type == "text/plain"
    assert info.etag
    assert info.checksums == {"md5": md5_base64(body)}


def test_stat_of_a_missing_object_raises_object_not_found(gcs_bucket):
    with pytest.raises(ObjectNotFound):
        registry.get_backend().stat("never/uploaded")


def test_delete_removes_the_object_and_twice_is_fine(gcs_bucket):
    backend = registry.get_backend()
    upload(
        backend.presign_upload(
            key="d.txt", max_size=100, content_type="text/plain", acl="private", expires_in=60
        ),
        b"bye",
    )
    assert backend.stat("d.txt").size == 3

    backend.delete("d.txt")

    with pytest.raises(ObjectNotFound):
        backend.stat("d.txt")
    backend.delete("d.txt")


def test_unreachable_storage_raises_storage_unavailable(gcs_service_account_file):
    closed = free_port()
    backend = GCSBackend(
        bucket_name="b",
        credentials=str(gcs_service_account_file),
        api_endpoint=f"http://127.0.0.1:{closed}",
        api_endpoint_auth=False,
        timeout=0.5,
        retry_timeout=1,
    )
    started = time.monotonic()

    with pytest.raises(StorageUnavailable):
        backend.stat("k")
    with pytest.raises(StorageUnavailable):
        backend.delete("k")

    assert time.monotonic() - started < 10, "retries must stop at retry_timeout"


def test_a_api_endpoint_is_called_with_credentials_unless_told_otherwise(gcs_bucket, settings):
    anonymous = make_backend(settings, retry_timeout=1)
    authenticated = make_backend(settings, api_endpoint_auth=True, retry_timeout=1)

    with pytest.raises(ObjectNotFound):
        anonymous.stat("k")
    # The test key's token endpoint is a dead loopback port: asking for a token fails there.
    with pytest.raises(StorageError) as caught:
        authenticated.stat("k")
    assert not isinstance(caught.value, ObjectNotFound)


# -- ACLs ------------------------------------------------------------------------------------


def test_uniform_bucket_level_access_refuses_public_read_with_a_reason(gcs_bucket, settings):
    settings.GS_UNIFORM_BUCKET_LEVEL_ACCESS = True
    backend = registry.get_backend()

    with pytest.raises(AclNotSupported, match="uniform bucket-level access"):
        backend.presign_upload(
            key="k", max_size=10, content_type="text/plain", acl="public-read", expires_in=60
        )
    private = backend.presign_upload(
        key="k", max_size=10, content_type="text/plain", acl="private", expires_in=60
    )

    assert "acl" not in private.fields
    assert not any("acl" in c for c in decoded_policy(private)["conditions"] if isinstance(c, dict))
    assert backend.capabilities.acls == frozenset({"private"})


def test_fine_grained_buckets_accept_every_canned_acl(gcs_bucket):
    backend = registry.get_backend()

    assert {backend.map_acl(acl) for acl in backend.capabilities.acls} == {
        "private",
        "public-read",
        "public-read-write",
        "authenticated-read",
    }
    with pytest.raises(AclNotSupported):
        backend.map_acl("bucket-owner-full-control")


# -- configuration and checks ----------------------------------------------------------------


def test_missing_bucket_is_a_configuration_error_with_a_hint(settings):
    settings.STORAGE_BACKEND = "gcs"

    with pytest.raises(BackendConfigurationError) as caught:
        registry.get_backend()

    assert "no bucket" in str(caught.value)
    assert "GS_BUCKET_NAME" in caught.value.hint


def test_registry_builds_the_backend_through_the_entry_point(gcs_bucket):
    (entry_point,) = importlib.metadata.entry_points(group="s3_file_uploads", name="gcs")

    backend = registry.get_backend()

    assert entry_point.value == "s3_file_uploads_gcs.plugin"
    assert registry.backend_classes()["gcs"] is GCSBackend
    assert isinstance(backend, GCSBackend)
    assert backend.name == "gcs"
    assert backend.bucket_name == gcs_bucket
    assert registry.get_backend() is backend


def test_expiry_over_seven_days_makes_the_check_warn(gcs_bucket, settings):
    backend = registry.get_backend()
    assert backend.check() == []

    settings.S3_FILE_UPLOADS = {"UPLOAD_EXPIRY": 8 * 86400, "DOWNLOAD_EXPIRY": 3600}
    (warning,) = backend.check()

    assert isinstance(warning, checks.Warning)
    assert warning.id == "s3_file_uploads_gcs.W001"
    assert "UPLOAD_EXPIRY" in warning.msg
    assert "604800" in warning.hint

    settings.S3_FILE_UPLOADS = {"DOWNLOAD_EXPIRY": MAXIMUM_SIGNED_EXPIRY + 1}
    assert ["DOWNLOAD_EXPIRY" in w.msg for w in backend.check()] == [True]


def test_a_public_default_acl_makes_the_check_warn(gcs_bucket, settings):
    settings.GS_DEFAULT_ACL = "publicRead"

    (warning,) = registry.get_backend().check()

    assert warning.id == "s3_file_uploads_gcs.W002"


def test_credentials_may_be_a_service_account_key_file(gcs_bucket, settings, tmp_path):
    key_file = write_service_account_json(tmp_path / "other.json", client_email=SA_EMAIL)
    backend = make_backend(settings, credentials=str(key_file))

    url = backend.presign_download(
        key="k", content_disposition="inline", content_type=None, expires_in=60
    )

    assert parse_qs(urlsplit(url).query)["X-Goog-Credential"][0].startswith(f"{SA_EMAIL}/")
    assert not backend.signs_with_iam
    with pytest.raises(ObjectNotFound):
        backend.stat("k")


def test_an_unreadable_key_file_is_a_configuration_error(gcs_bucket, settings, tmp_path):
    (tmp_path / "broken.json").write_text("{not json")

    with pytest.raises(BackendConfigurationError) as caught:
        make_backend(settings, credentials=str(tmp_path / "broken.json"))

    assert "GS_CREDENTIALS" in caught.value.hint


def test_without_credentials_application_default_credentials_are_used(
    gcs_bucket, settings, tmp_path, monkeypatch
):
    adc_email = "adc@test-project.iam.gserviceaccount.com"
    adc_file = write_service_account_json(tmp_path / "adc.json", client_email=adc_email)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(adc_file))
    del settings.GS_CREDENTIALS

    url = registry.get_backend().presign_download(
        key="k", content_disposition="inline", content_type=None, expires_in=60
    )

    assert parse_qs(urlsplit(url).query)["X-Goog-Credential"][0].startswith(f"{adc_email}/")


# -- signing without a private key (IAM signBlob) --------------------------------------------


def test_keyless_credentials_sign_through_iam_sign_blob(gcs_bucket, settings):
    token_only = google.oauth2.credentials.Credentials(token="ya29.test-token")

    backend = make_backend(settings, credentials=token_only, sa_email=SA_EMAIL)

    assert backend.signs_with_iam
    assert backend._signing_kwargs() == {
        "service_account_email": SA_EMAIL,
        "access_token": "ya29.test-token",
    }


def test_metadata_server_credentials_sign_through_iam_sign_blob(gcs_bucket, settings):
    # Cloud Run/GCE/GKE credentials: a token from the metadata server, never a key. Building the
    # backend must not call the metadata server (it is not there), so the universe is given.
    metadata = google.auth.compute_engine.Credentials(universe_domain="googleapis.com")

    backend = make_backend(settings, credentials=metadata)

    assert backend.signs_with_iam


def test_credentials_with_a_key_sign_locally(gcs_bucket, settings):
    backend = make_backend(settings)
    kwargs = backend._signing_kwargs()

    assert not backend.signs_with_iam
    assert set(kwargs) == {"credentials"}
    assert isinstance(kwargs["credentials"], service_account.Credentials)


def test_iam_sign_blob_setting_forces_the_iam_path(gcs_bucket, settings):
    settings.GS_IAM_SIGN_BLOB = True
    settings.GS_SA_EMAIL = SA_EMAIL

    backend = registry.get_backend()

    assert backend.signs_with_iam


def test_keyless_credentials_without_a_service_account_are_a_configuration_error(
    gcs_bucket, settings
):
    token_only = google.oauth2.credentials.Credentials(token="ya29.test-token")

    with pytest.raises(BackendConfigurationError) as caught:
        make_backend(settings, credentials=token_only)

    assert "GS_SA_EMAIL" in caught.value.hint


# -- CORS ------------------------------------------------------------------------------------


def test_configure_cors_sets_and_returns_the_upload_rules(gcs_bucket):
    origins = ["https://app.example.com", "http://localhost:8000"]

    rules = registry.get_backend().configure_cors(origins)

    assert json.loads(json.dumps(rules)) == rules
    (rule,) = rules
    assert rule["origin"] == origins
    assert set(rule["method"]) == {"POST", "PUT", "GET", "HEAD"}
    assert {"Content-Type", "ETag", "x-goog-resumable"} <= set(rule["responseHeader"])
    assert rule["maxAgeSeconds"] > 0


def test_configure_cors_on_a_missing_bucket_is_a_storage_error(gcs_bucket, settings):
    backend = make_backend(settings, bucket_name="no-such-bucket")

    with pytest.raises(StorageError) as caught:
        backend.configure_cors(["https://app.example.com"])

    assert not isinstance(caught.value, ObjectNotFound)
