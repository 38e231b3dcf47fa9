"""The Azure backend against a real Azurite over HTTP: what it signs is what Azurite accepts."""

from __future__ import annotations

import base64
import hashlib
import http.server
import threading
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import requests
from azure.storage.blob import BlobServiceClient, CorsRule
from s3_file_uploads_azure import AzureBackend
from s3_file_uploads_azure.backend import (
    MAXIMUM_PUT_BLOB_SIZE,
    USER_DELEGATION_KEY_REFRESH_MARGIN,
    _UserDelegationKeyCache,
)

from s3_file_uploads.errors import (
    AclNotSupported,
    BackendConfigurationError,
    ObjectNotFound,
    StorageError,
    StorageUnavailable,
)
from s3_file_uploads.registry import get_backend
from tests.servers import free_port
from tests.servers.azurite import (
    ACCOUNT_KEY,
    ACCOUNT_NAME,
    TOKEN_OBJECT_ID,
    EmulatorTokenCredential,
    blob_service,
    connection_string,
)

ORIGIN = "https://app.example.com"
BLOCK_BLOB = {"x-ms-blob-type": "BlockBlob"}
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40


def put(instruction, data: bytes, **kwargs) -> requests.Response:
    assert instruction.method == "PUT"
    return requests.put(
        instruction.url, data=data, headers=dict(instruction.headers), timeout=10, **kwargs
    )


def sas_params(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def sign_upload(backend, key: str, content_type: str = "application/pdf", expires_in: int = 300):
    return backend.presign_upload(
        key=key,
        max_size=10 * 1024 * 1024,
        content_type=content_type,
        acl="private",
        expires_in=expires_in,
    )


def stored(azurite, container: str, key: str) -> bytes | None:
    blob = blob_service(azurite).get_blob_client(container, key)
    return blob.download_blob().readall() if blob.exists() else None


# --- the registry builds it from django-storages' flat settings --------------------------------


def test_registry_builds_one_azure_backend_from_flat_settings(azure_container):
    backend = get_backend()

    assert isinstance(backend, AzureBackend)
    assert backend.container == azure_container
    assert backend.account_name == ACCOUNT_NAME
    assert get_backend() is backend, "the instance (and its client) is built once"
    assert backend._service is get_backend()._service


def test_capabilities_say_azure_cannot_enforce_size_or_type():
    caps = AzureBackend.capabilities

    assert (caps.enforces_size_limit, caps.enforces_content_type) == (False, False)
    assert caps.cors is True
    assert caps.acls == frozenset({"private"})


# --- upload, download, stat, delete -------------------------------------------------------------


def test_following_the_instruction_stores_the_exact_bytes(azurite, azure_container):
    backend = get_backend()
    before = datetime.now(UTC).replace(microsecond=0)

    instruction = sign_upload(backend, "uploads/a b/report.pdf", expires_in=300)
    response = put(instruction, PDF)

    assert response.status_code == 201, response.text
    assert stored(azurite, azure_container, "uploads/a b/report.pdf") == PDF
    assert dict(instruction.headers) == {
        "x-ms-blob-type": "BlockBlob",
        "Content-Type": "application/pdf",
    }
    assert dict(instruction.fields) == {}
    assert before + timedelta(seconds=300) <= instruction.expires_at
    assert instruction.expires_at <= before + timedelta(seconds=302)
    params = sas_params(instruction.url)
    assert params["sp"] == "c", "create only: no read, no overwrite"
    assert params["sr"] == "b", "scoped to one blob"
    assert datetime.fromisoformat(params["se"]) == instruction.expires_at


def test_stat_reports_size_type_etag_and_md5(azure_container):
    backend = get_backend()
    put(sign_upload(backend, "k/stat.pdf"), PDF).raise_for_status()

    info = backend.stat("k/stat.pdf")

    assert info.key == "k/stat.pdf"
    assert info.size == len(PDF)
    assert info.content_type == "application/pdf"
    assert info.etag and not info.etag.startswith('"')
    md5 = hashlib.md5(PDF, usedforsecurity=False).digest()
    assert info.checksums == {"md5": base64.b64encode(md5).decode()}


def test_download_url_serves_the_bytes_with_disposition_and_type(azure_container):
    backend = get_backend()
    put(sign_upload(backend, "k/dl.pdf"), PDF).raise_for_status()
    disposition = "attachment; filename=\"report.pdf\"; filename*=UTF-8''r%C3%A9port.pdf"

    url = backend.presign_download(
        key="k/dl.pdf",
        content_disposition=disposition,
        content_type="application/pdf",
        expires_in=60,
    )
    response = requests.get(url, timeout=10)

    assert response.status_code == 200, response.text
    assert response.content == PDF
    assert response.headers["Content-Disposition"] == disposition
    assert response.headers["Content-Type"] == "application/pdf"
    assert sas_params(url)["sp"] == "r"


def test_download_without_type_override_keeps_the_stored_type(azure_container):
    backend = get_backend()
    put(sign_upload(backend, "k/t.txt", content_type="text/plain"), b"hi").raise_for_status()

    url = backend.presign_download(
        key="k/t.txt", content_disposition="inline", content_type=None, expires_in=60
    )
    response = requests.get(url, timeout=10)

    assert response.headers["Content-Type"] == "text/plain"
    assert response.headers["Content-Disposition"] == "inline"
    assert "rsct" not in sas_params(url)


def test_delete_removes_the_blob_and_twice_is_fine(azurite, azure_container):
    backend = get_backend()
    put(sign_upload(backend, "k/gone.pdf"), PDF).raise_for_status()

    backend.delete("k/gone.pdf")
    backend.delete("k/gone.pdf")

    assert stored(azurite, azure_container, "k/gone.pdf") is None
    with pytest.raises(ObjectNotFound):
        backend.stat("k/gone.pdf")


def test_stat_of_a_missing_blob_raises_object_not_found(azure_container):
    with pytest.raises(ObjectNotFound):
        get_backend().stat("never/uploaded.pdf")


# --- what Azurite refuses -----------------------------------------------------------------------


def test_a_tampered_signature_is_refused(azurite, azure_container):
    instruction = sign_upload(get_backend(), "k/tampered.pdf")
    parts = urlsplit(instruction.url)
    pairs = [
        (name, ("B" if value[0] == "A" else "A") + value[1:] if name == "sig" else value)
        for name, value in parse_qsl(parts.query)
    ]
    tampered = urlunsplit(parts._replace(query=urlencode(pairs)))
    assert sas_params(tampered)["sig"] != sas_params(instruction.url)["sig"]

    response = requests.put(tampered, data=PDF, headers=dict(instruction.headers), timeout=10)

    assert response.status_code == 403, response.text
    assert stored(azurite, azure_container, "k/tampered.pdf") is None


def test_an_expired_upload_sas_is_refused(azurite, azure_container):
    instruction = sign_upload(get_backend(), "k/late.pdf", expires_in=1)
    time.sleep(2.2)

    response = put(instruction, PDF)

    assert response.status_code == 403, response.text
    assert stored(azurite, azure_container, "k/late.pdf") is None


def test_an_expired_download_sas_is_refused(azure_container):
    backend = get_backend()
    put(sign_upload(backend, "k/old.pdf"), PDF).raise_for_status()
    url = backend.presign_download(
        key="k/old.pdf", content_disposition="inline", content_type=None, expires_in=1
    )
    time.sleep(2.2)

    assert requests.get(url, timeout=10).status_code == 403


def test_the_download_sas_cannot_write(azurite, azure_container):
    backend = get_backend()
    put(sign_upload(backend, "k/read-only.pdf"), PDF).raise_for_status()
    url = backend.presign_download(
        key="k/read-only.pdf", content_disposition="inline", content_type=None, expires_in=60
    )

    response = requests.put(
        url, data=b"<svg/>", headers={"x-ms-blob-type": "BlockBlob"}, timeout=10
    )

    assert response.status_code == 403, response.text
    assert stored(azurite, azure_container, "k/read-only.pdf") == PDF


def test_the_download_sas_cannot_create_a_new_blob(azurite, azure_container):
    url = get_backend().presign_download(
        key="k/not-there.pdf", content_disposition="inline", content_type=None, expires_in=60
    )

    response = requests.put(url, data=PDF, headers=BLOCK_BLOB, timeout=10)

    assert response.status_code == 403, response.text
    assert stored(azurite, azure_container, "k/not-there.pdf") is None


def test_the_upload_sas_for_one_key_cannot_write_another(azurite, azure_container):
    instruction = sign_upload(get_backend(), "k/mine.pdf")
    parts = urlsplit(instruction.url)
    other = urlunsplit(parts._replace(path=parts.path.replace("/k/mine.pdf", "/k/theirs.pdf")))
    assert other != instruction.url

    response = requests.put(other, data=PDF, headers=dict(instruction.headers), timeout=10)

    assert response.status_code == 403, response.text
    assert stored(azurite, azure_container, "k/theirs.pdf") is None


def test_the_upload_sas_cannot_overwrite_a_finished_upload(azurite, azure_container):
    instruction = sign_upload(get_backend(), "k/once.pdf")
    put(instruction, PDF).raise_for_status()

    response = put(instruction, b"<html>swapped after the complete step checked it</html>")

    assert response.status_code in (403, 409), response.text
    assert stored(azurite, azure_container, "k/once.pdf") == PDF


def test_the_upload_sas_cannot_read(azure_container):
    instruction = sign_upload(get_backend(), "k/blind.pdf")
    put(instruction, PDF).raise_for_status()

    assert requests.get(instruction.url, timeout=10).status_code == 403


# --- ACLs ---------------------------------------------------------------------------------------


def test_only_private_is_accepted_and_other_acls_say_why(azure_container):
    backend = get_backend()

    assert backend.map_acl("private") is None
    for acl in ("public-read", "public-read-write", "authenticated-read"):
        with pytest.raises(AclNotSupported, match="container setting"):
            backend.presign_upload(
                key="k/public.pdf",
                max_size=10,
                content_type="application/pdf",
                acl=acl,
                expires_in=60,
            )


# --- configuration errors -----------------------------------------------------------------------


def test_a_missing_container_is_a_configuration_error_with_a_hint(azure_container, settings):
    del settings.AZURE_CONTAINER

    with pytest.raises(BackendConfigurationError) as raised:
        get_backend()

    assert "no container" in str(raised.value)
    assert "AZURE_CONTAINER" in raised.value.hint


def test_missing_credentials_are_a_configuration_error_with_a_hint(settings):
    settings.STORAGE_BACKEND = "azure"
    settings.AZURE_CONTAINER = "uploads"

    with pytest.raises(BackendConfigurationError) as raised:
        get_backend()

    assert "no credentials" in str(raised.value)
    assert "AZURE_ACCOUNT_KEY" in raised.value.hint


@pytest.mark.parametrize(
    ("options", "message", "hint"),
    [
        ({"account_key": ACCOUNT_KEY}, "no account name", "AZURE_ACCOUNT_NAME"),
        (
            {"connection_string": f"AccountName={ACCOUNT_NAME};SharedAccessSignature=sv=1&sig=x"},
            "no AccountKey",
            "AZURE_TOKEN_CREDENTIAL",
        ),
        (
            {"token_credential": EmulatorTokenCredential(), "account_url": "http://127.0.0.1:1/a"},
            "HTTPS only",
            "https://",
        ),
        ({"connection_string": "not a connection string"}, "malformed", "CONNECTION_STRING"),
        ({"account_key": ACCOUNT_KEY, "user_delegation_key_lifetime": 8 * 86400}, "7 days", ""),
    ],
)
def test_bad_options_are_configuration_errors_with_hints(options, message, hint):
    with pytest.raises(BackendConfigurationError, match=message) as raised:
        AzureBackend(name="bad", container="uploads", **options)

    assert hint in (raised.value.hint or "")


def test_settings_defaults_reads_django_storages_names(settings):
    credential = EmulatorTokenCredential()
    settings.AZURE_CONTAINER = "media"
    settings.AZURE_ACCOUNT_NAME = "acct"
    settings.AZURE_ACCOUNT_KEY = ACCOUNT_KEY
    settings.AZURE_CONNECTION_STRING = "UseDevelopmentStorage=true"
    settings.AZURE_TOKEN_CREDENTIAL = credential
    settings.AZURE_CUSTOM_DOMAIN = "cdn.example.com"
    settings.AZURE_ENDPOINT_SUFFIX = "core.chinacloudapi.cn"
    settings.AZURE_SSL = False
    settings.AZURE_API_VERSION = "2021-08-06"
    settings.AZURE_CONNECTION_TIMEOUT_SECS = 7
    settings.AZURE_CLIENT_OPTIONS = {"connection_verify": False}

    assert AzureBackend.settings_defaults(settings) == {
        "container": "media",
        "account_name": "acct",
        "account_key": ACCOUNT_KEY,
        "connection_string": "UseDevelopmentStorage=true",
        "token_credential": credential,
        "custom_domain": "cdn.example.com",
        "endpoint_suffix": "core.chinacloudapi.cn",
        "ssl": False,
        "api_version": "2021-08-06",
        "timeout": 7,
        "client_options": {"connection_verify": False},
    }


def test_account_name_and_key_sign_urls_on_the_account_or_custom_domain():
    plain = AzureBackend(container="media", account_name="acct", account_key=ACCOUNT_KEY)
    cdn = AzureBackend(
        container="media",
        account_name="acct",
        account_key=ACCOUNT_KEY,
        custom_domain="files.example.com",
    )

    plain_url = sign_upload(plain, "a/b.pdf").url
    cdn_url = plain_url.replace("acct.blob.core.windows.net", "files.example.com")

    assert plain_url.startswith("https://acct.blob.core.windows.net/media/a/b.pdf?")
    assert sas_params(plain_url)["spr"] == "https"
    assert sign_upload(cdn, "a/b.pdf").url.split("?")[0] == cdn_url.split("?")[0]


# --- errors translated at the boundary ----------------------------------------------------------


def local_backend(port: int, **options) -> AzureBackend:
    """A backend whose Blob service is whatever answers on ``port`` here, without retries."""
    return AzureBackend(
        container="uploads",
        account_name=ACCOUNT_NAME,
        account_key=ACCOUNT_KEY,
        account_url=f"http://127.0.0.1:{port}/{ACCOUNT_NAME}",
        max_retries=0,
        **options,
    )


def test_unreachable_storage_raises_storage_unavailable():
    backend = local_backend(free_port(), timeout=1)
    started = time.monotonic()

    with pytest.raises(StorageUnavailable):
        backend.stat("k/any.pdf")
    with pytest.raises(StorageUnavailable):
        backend.delete("k/any.pdf")

    assert time.monotonic() - started < 10


def test_a_stopped_azurite_makes_stat_unavailable_then_it_recovers(azure_container, azurite):
    backend = get_backend()
    put(sign_upload(backend, "k/outage.pdf"), PDF).raise_for_status()
    assert backend.stat("k/outage.pdf").size == len(PDF)

    # In-memory Azurite forgets everything on restart: recreate the container afterwards.
    azurite.stop()
    try:
        with pytest.raises(StorageUnavailable):
            AzureBackend(
                container=azure_container,
                connection_string=connection_string(azurite),
                timeout=1,
                max_retries=0,
            ).stat("k/outage.pdf")
    finally:
        azurite.restart()
        blob_service(azurite).create_container(azure_container)

    with pytest.raises(ObjectNotFound):
        backend.stat("k/outage.pdf")


class BusyBlobService(http.server.BaseHTTPRequestHandler):
    """A real HTTP server answering every request the way an overloaded Blob service does."""

    def do_HEAD(self) -> None:
        self.send_response(503)
        self.send_header("x-ms-error-code", "ServerBusy")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_DELETE = do_HEAD

    def log_message(self, *args) -> None:
        pass


def test_a_server_error_raises_storage_unavailable():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), BusyBlobService)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    backend = local_backend(server.server_port)
    try:
        with pytest.raises(StorageUnavailable, match="503 ServerBusy"):
            backend.stat("k/any.pdf")
        with pytest.raises(StorageUnavailable, match="503"):
            backend.delete("k/any.pdf")
    finally:
        server.shutdown()
        server.server_close()


def test_a_wrong_account_key_is_a_storage_error_not_a_missing_object(azurite, azure_container):
    wrong = base64.b64encode(b"not the key" * 4).decode()
    backend = AzureBackend(
        container=azure_container,
        account_name=ACCOUNT_NAME,
        account_key=wrong,
        account_url=f"{azurite.url}/{ACCOUNT_NAME}",
    )

    with pytest.raises(StorageError) as raised:
        backend.stat("k/any.pdf")

    assert type(raised.value) is StorageError
    assert "refused" in str(raised.value)


def test_a_missing_container_on_storage_is_not_reported_as_a_missing_object(azurite):
    backend = AzureBackend(
        container="no-such-container", connection_string=connection_string(azurite)
    )

    with pytest.raises(StorageError, match="no-such-container") as raised:
        backend.stat("k/any.pdf")
    with pytest.raises(StorageError, match="no-such-container"):
        backend.delete("k/any.pdf")

    assert not isinstance(raised.value, ObjectNotFound)


# --- CORS ---------------------------------------------------------------------------------------


def preflight(url: str, origin: str = ORIGIN, method: str = "PUT") -> requests.Response:
    return requests.options(
        url.split("?")[0],
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "x-ms-blob-type,content-type",
        },
        timeout=10,
    )


def test_configure_cors_makes_azurite_answer_the_browser_preflight(azurite, azure_container):
    backend = get_backend()
    service = blob_service(azurite)
    other_rule = CorsRule(["https://admin.example.com"], ["GET"], max_age_in_seconds=60)
    service.set_service_properties(cors=[other_rule])
    instruction = sign_upload(backend, "k/cors.pdf")
    try:
        assert preflight(instruction.url).status_code == 403, "no rule for this origin yet"

        rules = backend.configure_cors([ORIGIN])
        backend.configure_cors([ORIGIN])  # idempotent: replaces its own rule

        allowed = preflight(instruction.url)
        assert allowed.status_code == 200, allowed.text
        assert allowed.headers["Access-Control-Allow-Origin"] == ORIGIN
        assert "PUT" in allowed.headers["Access-Control-Allow-Methods"]
        assert preflight(instruction.url, origin="https://evil.example").status_code == 403
        assert preflight(instruction.url, method="DELETE").status_code == 403

        response = requests.put(
            instruction.url,
            data=PDF,
            headers={**instruction.headers, "Origin": ORIGIN},
            timeout=10,
        )
        assert response.status_code == 201
        assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
        assert "etag" in response.headers["Access-Control-Expose-Headers"].lower()
    finally:
        service.set_service_properties(cors=[])

    assert len(rules) == 2, "the rule set for another purpose is kept"
    assert rules[0]["allowed_origins"] == ["https://admin.example.com"]
    assert rules[1] == {
        "allowed_origins": [ORIGIN],
        "allowed_methods": ["PUT", "GET", "HEAD", "OPTIONS"],
        "allowed_headers": ["x-ms-blob-type", "content-type", "content-md5", "x-ms-*"],
        "exposed_headers": ["ETag"],
        "max_age_in_seconds": 3600,
    }


# --- system checks ------------------------------------------------------------------------------


def test_check_is_quiet_for_a_sensible_configuration(azure_container):
    assert get_backend().check() == []


def test_check_warns_about_long_expiry_oversize_single_put_and_plain_http(settings):
    settings.S3_FILE_UPLOADS = {
        "UPLOAD_EXPIRY": 3 * 86400,
        "DOWNLOAD_EXPIRY": 300,
        "MULTIPART_THRESHOLD": MAXIMUM_PUT_BLOB_SIZE + 1,
    }
    settings.MAX_FILE_UPLOAD_SIZE = MAXIMUM_PUT_BLOB_SIZE + 1
    backend = AzureBackend(
        name="prod", container="media", account_name="acct", account_key=ACCOUNT_KEY, ssl=False
    )

    messages = backend.check()

    assert [m.id for m in messages] == [
        "s3_file_uploads_azure.W001",
        "s3_file_uploads_azure.W002",
        "s3_file_uploads_azure.W003",
    ]
    assert "UPLOAD_EXPIRY" in messages[0].msg
    assert "MULTIPART_THRESHOLD" in messages[1].hint
    assert all(m.hint for m in messages)


def test_a_large_limit_is_fine_when_larger_files_go_multipart(settings):
    """Files over MULTIPART_THRESHOLD are staged in blocks, so one PUT never carries them."""
    settings.MAX_FILE_UPLOAD_SIZE = 50 * MAXIMUM_PUT_BLOB_SIZE
    backend = AzureBackend(
        name="big", container="media", account_name="acct", account_key=ACCOUNT_KEY
    )

    assert [m.id for m in backend.check()] == []


# --- user delegation SAS (token credential), against Azurite over HTTPS with OAuth ---------------


class CountingAzureBackend(AzureBackend):
    """The real backend, counting the user delegation keys it fetches from Azurite."""

    fetched: list

    def _fetch_user_delegation_key(self, start, expiry):
        key = super()._fetch_user_delegation_key(start, expiry)
        self.fetched.append(key)
        return key


def oauth_backend(azurite_oauth, container: str = "uploads", cls=CountingAzureBackend, **options):
    backend = cls(
        name="entra",
        container=container,
        account_url=azurite_oauth.account_url,
        token_credential=EmulatorTokenCredential(),
        client_options={"connection_verify": str(azurite_oauth.ca_file)},
        **options,
    )
    backend.fetched = []
    return backend


def oauth_container(azurite_oauth) -> str:
    service = BlobServiceClient(
        azurite_oauth.account_url,
        credential=EmulatorTokenCredential(),
        connection_verify=str(azurite_oauth.ca_file),
    )
    name = f"udk-{time.monotonic_ns()}"
    service.create_container(name)
    return name


def test_a_token_credential_signs_user_delegation_sas(azurite_oauth):
    backend = oauth_backend(azurite_oauth)

    upload = sign_upload(backend, "k/entra.pdf", expires_in=120)
    download = backend.presign_download(
        key="k/entra.pdf",
        content_disposition="attachment",
        content_type="application/pdf",
        expires_in=60,
    )

    assert len(backend.fetched) == 1, "one key, fetched from Azurite, signs both"
    key = backend.fetched[0]
    up, down = sas_params(upload.url), sas_params(download)
    assert up["skoid"] == down["skoid"] == key.signed_oid == TOKEN_OBJECT_ID
    assert up["ske"] == down["ske"] == key.signed_expiry
    assert (up["sp"], down["sp"]) == ("c", "r")
    assert (down["rscd"], down["rsct"]) == ("attachment", "application/pdf")
    assert datetime.fromisoformat(up["se"]) == upload.expires_at
    assert datetime.fromisoformat(key.signed_expiry) >= upload.expires_at + timedelta(
        seconds=USER_DELEGATION_KEY_REFRESH_MARGIN
    )


def test_a_token_credential_stats_and_deletes_over_oauth(azurite_oauth):
    container = oauth_container(azurite_oauth)
    backend = oauth_backend(azurite_oauth, container)
    backend._container.upload_blob("k/by-sdk.pdf", PDF)

    assert backend.stat("k/by-sdk.pdf").size == len(PDF)
    backend.delete("k/by-sdk.pdf")
    with pytest.raises(ObjectNotFound):
        backend.stat("k/by-sdk.pdf")


@pytest.mark.xfail(
    strict=True,
    reason="Azurite 3.35 verifies user delegation SAS without the two request-header/query lines "
    "azure-storage-blob 12.31 signs (sv=2026-10-06), so it refuses every SDK-made UDK SAS; "
    "when this passes, the emulator caught up: drop the mark.",
)
def test_azurite_accepts_a_put_through_a_user_delegation_sas(azurite_oauth):
    container = oauth_container(azurite_oauth)
    instruction = sign_upload(oauth_backend(azurite_oauth, container), "k/udk.pdf")

    response = put(instruction, PDF, verify=str(azurite_oauth.ca_file))

    assert response.status_code == 201, response.text


def test_the_user_delegation_key_is_reused_until_a_sas_would_outlive_it(azurite_oauth):
    backend = oauth_backend(azurite_oauth, user_delegation_key_lifetime=3600)

    first = sas_params(sign_upload(backend, "k/1.pdf", expires_in=60).url)
    second = sas_params(sign_upload(backend, "k/2.pdf", expires_in=600).url)
    assert len(backend.fetched) == 1
    assert first["ske"] == second["ske"]

    long = sign_upload(backend, "k/3.pdf", expires_in=2 * 3600)
    assert len(backend.fetched) == 2, "the cached key ends before this SAS would"
    renewed = datetime.fromisoformat(backend.fetched[1].signed_expiry)
    assert renewed >= long.expires_at + timedelta(seconds=USER_DELEGATION_KEY_REFRESH_MARGIN)
    assert sas_params(long.url)["ske"] == backend.fetched[1].signed_expiry

    sign_upload(backend, "k/4.pdf", expires_in=60)
    assert len(backend.fetched) == 2, "the renewed key serves short SAS again"


def test_concurrent_requests_fetch_one_user_delegation_key(azurite_oauth):
    backend = oauth_backend(azurite_oauth)
    barrier = threading.Barrier(12)
    urls: list[str] = []

    def sign(n: int) -> None:
        barrier.wait()
        urls.append(sign_upload(backend, f"k/{n}.pdf").url)

    threads = [threading.Thread(target=sign, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(urls) == 12
    assert len(backend.fetched) == 1
    assert len({sas_params(url)["ske"] for url in urls}) == 1


def test_the_key_cache_refreshes_before_the_key_expires_as_time_passes(azurite_oauth):
    """Drives the cache with a movable clock; every key comes from Azurite itself."""
    service = BlobServiceClient(
        azurite_oauth.account_url,
        credential=EmulatorTokenCredential(),
        connection_verify=str(azurite_oauth.ca_file),
    )
    now = [datetime.now(UTC).replace(microsecond=0)]
    fetched = []

    def fetch(start, expiry):
        fetched.append(service.get_user_delegation_key(start, expiry))
        return fetched[-1]

    cache = _UserDelegationKeyCache(fetch, lifetime=3600, clock=lambda: now[0])
    t0 = now[0]

    key = cache.key_until(t0 + timedelta(seconds=300))
    assert datetime.fromisoformat(key.signed_expiry) == t0 + timedelta(seconds=3600)

    now[0] = t0 + timedelta(seconds=2700)
    assert cache.key_until(now[0] + timedelta(seconds=300)) is key, "still 10 minutes left"

    now[0] = t0 + timedelta(seconds=3100)
    renewed = cache.key_until(now[0] + timedelta(seconds=300))
    assert renewed is not key, "300 s SAS + 300 s margin would pass the key's expiry"
    assert datetime.fromisoformat(renewed.signed_expiry) == now[0] + timedelta(seconds=3600)
    assert len(fetched) == 2


def test_token_credential_default_builds_azure_identity_credential():
    pytest.importorskip("azure.identity")
    from azure.identity import DefaultAzureCredential

    backend = AzureBackend(container="media", account_name="acct", token_credential="default")

    assert isinstance(backend._service.credential, DefaultAzureCredential)
    assert backend._service.url.startswith("https://acct.blob.core.windows.net")
