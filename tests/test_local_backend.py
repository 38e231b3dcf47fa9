"""The local-disk backend, over real HTTP through Django's live server, on real files."""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from s3_file_uploads.contract import Checksum, ObjectInfo, UploadSpec
from s3_file_uploads.errors import AclNotSupported, BackendConfigurationError, ObjectNotFound
from s3_file_uploads.local import LocalBackend
from s3_file_uploads.local.backend import META_DIR, TOMBSTONE_DIR, InvalidKey, UploadTooLarge
from s3_file_uploads.local.files import TEMP_SUFFIX
from s3_file_uploads.local.grants import LOCAL, UploadGrant
from s3_file_uploads.registry import backend_classes, get_backend

from . import local_disk

pytestmark = pytest.mark.urls("tests.local_storage_urls")
store, backend = local_disk.store, local_disk.backend  # the fixtures

KEY = "uploads/0123456789abcdef0123456789abcdef/report.pdf"
PDF = "application/pdf"
TEN_BYTES_OF_PDF = UploadSpec(key=KEY, max_size=10, content_type=PDF, acl="private", expires_in=60)


def assert_refused_storing_nothing(response, status: int, saying: str, store: Path) -> None:
    """The upload was refused with ``status``, a detail that says ``saying``, and nothing was
    left in the store."""
    assert response.status_code == status
    assert saying in response.json()["detail"]
    assert files_under(store) == []


def token_of(url: str) -> str:
    return url.split("/local/", 1)[1].split("/")[1]


def upload_url(live_server, token: str, key: str = KEY) -> str:
    return f"{live_server.url}/api/s3-file-uploads/local/upload/{token}/{quote(key, safe='')}"


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def put(live_server, backend: LocalBackend, body: bytes, *, key=KEY, max_size=1024, **kwargs):
    instruction = backend.presign_upload(
        key=key, max_size=max_size, content_type=PDF, acl="private", expires_in=60
    )
    headers = {**instruction.headers, **kwargs.pop("headers", {})}
    return requests.request(
        instruction.method, live_server.url + instruction.url, data=body, headers=headers, **kwargs
    )


def test_registered_through_the_plugin_hook():
    assert backend_classes()["local"] is LocalBackend


def test_instruction_is_a_signed_put_with_the_content_type(backend):
    instruction = backend.presign_upload(TEN_BYTES_OF_PDF)
    assert instruction.method == "PUT"
    assert instruction.url.startswith("/api/s3-file-uploads/local/upload/")
    assert instruction.headers == {"Content-Type": PDF}
    assert not instruction.fields
    assert 55 <= (instruction.expires_at.timestamp() - time.time()) <= 61
    assert backend.capabilities.enforces_size_limit and backend.capabilities.enforces_content_type
    assert not backend.capabilities.cors


def test_base_url_makes_urls_absolute(settings, store):
    settings.S3_FILE_UPLOADS = {
        "BACKENDS": {
            "disk": {
                "BACKEND": "local",
                "OPTIONS": {"location": str(store), "base_url": "https://files.example/"},
            }
        }
    }
    built = get_backend("disk")
    instruction = built.presign_upload(TEN_BYTES_OF_PDF)
    assert instruction.url.startswith("https://files.example/api/s3-file-uploads/local/upload/")
    download = built.presign_download(
        key=KEY, content_disposition="attachment", content_type=None, expires_in=60
    )
    assert download.startswith("https://files.example/api/s3-file-uploads/local/download/")


def test_location_defaults_to_media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.S3_FILE_UPLOADS = {"BACKENDS": {"disk": {"BACKEND": "local"}}}
    assert get_backend("disk").location == (tmp_path / "media" / "s3_file_uploads").resolve()


def test_no_location_and_no_media_root_is_a_configuration_error(settings):
    settings.MEDIA_ROOT = ""
    settings.S3_FILE_UPLOADS = {"BACKENDS": {"disk": {"BACKEND": "local"}}}
    with pytest.raises(BackendConfigurationError) as error:
        get_backend("disk")
    assert "MEDIA_ROOT" in error.value.hint


def test_only_private_acl(backend):
    with pytest.raises(AclNotSupported, match="private"):
        backend.presign_upload(
            key=KEY, max_size=10, content_type=PDF, acl="public-read", expires_in=60
        )


@pytest.mark.parametrize("size", [1, 64 * 1024, 64 * 1024 + 1, 3 * 1024 * 1024 + 7])
def test_put_stores_the_exact_bytes(live_server, backend, store, size):
    body = os.urandom(size)
    response = put(live_server, backend, body, max_size=size)
    assert response.status_code == 201, response.text
    assert (store / KEY).read_bytes() == body
    md5 = hashlib.md5(body, usedforsecurity=False).digest()
    assert response.headers["ETag"] == f'"{md5.hex()}"'
    assert backend.stat(KEY) == ObjectInfo(
        key=KEY,
        size=size,
        content_type=PDF,
        etag=md5.hex(),
        checksums={
            "md5": base64.b64encode(md5).decode(),
            "sha256": base64.b64encode(hashlib.sha256(body).digest()).decode(),
        },
    )
    assert sorted(p.name for p in files_under(store)) == ["report.pdf", "report.pdf.json"]


@pytest.mark.parametrize("algorithm", ["md5", "sha256"])
def test_a_signed_checksum_is_held_to(live_server, backend, store, algorithm):
    body = os.urandom(100_000)
    declared = base64.b64encode(hashlib.new(algorithm, body).digest()).decode()
    instruction = backend.presign_upload(
        key=KEY,
        max_size=len(body),
        content_type=PDF,
        acl="private",
        expires_in=60,
        checksum=Checksum(algorithm, declared),
    )
    url = live_server.url + instruction.url
    other = body[:-1] + bytes([body[-1] ^ 1])
    refused = requests.put(url, data=other, headers=instruction.headers)
    assert_refused_storing_nothing(refused, 400, f"{algorithm} checksum", store)

    stored = requests.put(url, data=body, headers=instruction.headers)
    assert stored.status_code == 201
    assert backend.stat(KEY).checksums[algorithm] == declared


def test_declared_length_over_the_limit_is_413_and_stores_nothing(live_server, backend, store):
    response = put(live_server, backend, b"x" * 1025, max_size=1024)
    assert_refused_storing_nothing(response, 413, "1024 bytes", store)


def test_streaming_past_the_limit_stops_and_leaves_no_temporary_file(backend, store):
    # A server that does not bound the body by Content-Length: the count while streaming is
    # what stops it.
    source = store.parent / "big.bin"
    source.write_bytes(os.urandom(300 * 1024))
    with source.open("rb") as stream, pytest.raises(UploadTooLarge):
        backend.receive(KEY, stream, max_size=200 * 1024, content_type=PDF, length=None)
    assert files_under(store) == []
    assert not list(store.rglob(f"*{TEMP_SUFFIX}"))


def test_a_body_cut_short_leaves_no_object(live_server, backend, store):
    instruction = backend.presign_upload(
        key=KEY, max_size=10_000, content_type=PDF, acl="private", expires_in=60
    )
    host, port = live_server.thread.host, live_server.thread.port
    with socket.create_connection((host, port)) as sock:
        sock.sendall(
            f"PUT {instruction.url} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {PDF}\r\n"
            "Content-Length: 10000\r\n\r\n".encode()
            + b"y" * 4000
        )
        sock.shutdown(socket.SHUT_WR)
        reply = sock.recv(65536)
    assert reply.startswith(b"HTTP/1.1 400"), reply
    deadline = time.monotonic() + 5
    while files_under(store) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert files_under(store) == []
    with pytest.raises(ObjectNotFound):
        backend.stat(KEY)


def test_empty_body_is_refused(live_server, backend, store):
    response = put(live_server, backend, b"")
    assert_refused_storing_nothing(response, 400, "empty", store)


@pytest.mark.parametrize("sent", ["text/html", "application/pdf; charset=x", ""])
def test_other_content_type_is_refused(live_server, backend, store, sent):
    response = put(live_server, backend, b"%PDF-", headers={"Content-Type": sent})
    assert_refused_storing_nothing(response, 400, "Content-Type 'application/pdf'", store)


def test_tampered_token_is_refused(live_server, backend, store):
    instruction = backend.presign_upload(TEN_BYTES_OF_PDF)
    token = token_of(instruction.url)
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    response = requests.put(
        upload_url(live_server, flipped),
        data=b"x",
        headers=instruction.headers,
    )
    assert_refused_storing_nothing(response, 403, "signature", store)


def test_a_token_with_a_raised_limit_but_the_old_signature_is_refused(live_server, backend, store):
    instruction = backend.presign_upload(TEN_BYTES_OF_PDF)
    token = token_of(instruction.url)
    payload, timestamp, signature = token.rsplit(":", 2)
    bigger = (
        UploadGrant("disk", KEY, 10**9, PDF, int(time.time()) + 60)
        .sign(scope=LOCAL)
        .rsplit(":", 2)[0]
    )
    forged = f"{bigger}:{timestamp}:{signature}"
    assert forged != token and payload != bigger
    response = requests.put(
        upload_url(live_server, forged),
        data=b"x" * 11,
        headers=instruction.headers,
    )
    assert response.status_code == 403
    assert files_under(store) == []


def test_a_download_token_cannot_upload(live_server, backend, store):
    url = backend.presign_download(
        key=KEY, content_disposition="attachment", content_type=PDF, expires_in=60
    )
    response = requests.put(
        upload_url(live_server, token_of(url)),
        data=b"x",
        headers={"Content-Type": PDF},
    )
    assert response.status_code == 403
    assert files_under(store) == []


def test_the_url_names_the_key_and_another_key_is_refused(live_server, backend, store):
    instruction = backend.presign_upload(TEN_BYTES_OF_PDF)
    assert instruction.url.endswith(f"/{KEY}")
    other = KEY.replace("report.pdf", "other.pdf")
    response = requests.put(
        upload_url(live_server, token_of(instruction.url), other),
        data=b"x",
        headers=instruction.headers,
    )
    assert_refused_storing_nothing(response, 403, "another object key", store)

    assert put(live_server, backend, b"%PDF").status_code == 201
    download = backend.presign_download(
        key=KEY, content_disposition="attachment", content_type=None, expires_in=60
    )
    assert requests.get(live_server.url + download.replace(KEY, other)).status_code == 403


def test_expired_token_is_refused_with_a_message(live_server, backend, store):
    instruction = backend.presign_upload(
        key=KEY, max_size=10, content_type=PDF, acl="private", expires_in=-1
    )
    response = requests.put(
        live_server.url + instruction.url, data=b"x", headers=instruction.headers
    )
    assert_refused_storing_nothing(response, 403, "expired", store)


def test_second_put_is_refused_and_the_first_object_kept(live_server, backend, store):
    instruction = backend.presign_upload(TEN_BYTES_OF_PDF)
    url = live_server.url + instruction.url
    first = requests.put(url, data=b"first", headers=instruction.headers)
    second = requests.put(url, data=b"second", headers=instruction.headers)
    assert first.status_code == 201
    assert second.status_code == 409
    assert "already" in second.json()["detail"]
    assert (store / KEY).read_bytes() == b"first"
    assert backend.stat(KEY).size == 5
    assert not list(store.rglob(f"*{TEMP_SUFFIX}"))


def test_concurrent_puts_of_one_instruction_store_exactly_one(live_server, backend, store):
    instruction = backend.presign_upload(
        key=KEY, max_size=4 * 1024 * 1024, content_type=PDF, acl="private", expires_in=60
    )
    bodies = [bytes([n]) * (2 * 1024 * 1024) for n in range(6)]
    start = threading.Barrier(len(bodies))

    def send(body: bytes) -> int:
        start.wait()
        url = live_server.url + instruction.url
        return requests.put(url, data=body, headers=instruction.headers, timeout=30).status_code

    with ThreadPoolExecutor(len(bodies)) as pool:
        statuses = list(pool.map(send, bodies))
    assert sorted(statuses) == [201] + [409] * (len(bodies) - 1)
    assert (store / KEY).read_bytes() == bodies[statuses.index(201)]
    assert (
        backend.stat(KEY).checksums["md5"]
        == base64.b64encode(
            hashlib.md5(bodies[statuses.index(201)], usedforsecurity=False).digest()
        ).decode()
    )
    assert not list(store.rglob(f"*{TEMP_SUFFIX}"))


def test_only_put_is_accepted(live_server, backend, store):
    instruction = backend.presign_upload(TEN_BYTES_OF_PDF)
    response = requests.post(
        live_server.url + instruction.url, data=b"x", headers=instruction.headers
    )
    assert response.status_code == 405
    assert files_under(store) == []


@pytest.mark.parametrize(
    "key",
    ["../outside.txt", "uploads/../../outside.txt", "/etc/passwd", "a//b", "a/./b", "", "a/"],
)
def test_keys_that_leave_the_root_are_refused_when_signing(backend, key):
    with pytest.raises(InvalidKey):
        backend.presign_upload(key=key, max_size=10, content_type=PDF, acl="private", expires_in=9)


def test_sidecar_folder_is_not_a_key(backend):
    with pytest.raises(InvalidKey):
        backend.path(f"{META_DIR}/uploads/x.json")


def test_a_signed_key_that_escapes_is_refused_by_the_view(live_server, backend, store):
    # Even a token the server signed by mistake cannot write outside the root.
    token = UploadGrant("disk", "../outside.txt", 10, PDF, int(time.time()) + 60).sign(scope=LOCAL)
    response = requests.put(
        upload_url(live_server, token, "../outside.txt"),
        data=b"x",
        headers={"Content-Type": PDF},
    )
    assert response.status_code == 400, response.text
    assert not (store.parent / "outside.txt").exists()


def test_a_symlink_out_of_the_root_is_refused(live_server, backend, store, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    store.mkdir(parents=True)
    (store / "uploads").symlink_to(outside)
    with pytest.raises(InvalidKey):
        backend.path(KEY)
    assert list(outside.iterdir()) == []


def stored(backend: LocalBackend, live_server, body: bytes) -> None:
    assert put(live_server, backend, body, max_size=len(body)).status_code == 201


def test_download_serves_the_bytes_with_the_signed_headers(live_server, backend):
    body = os.urandom(200_000)
    stored(backend, live_server, body)
    disposition = (
        'attachment; filename="naive resume.pdf"; '
        "filename*=UTF-8''na%C3%AFve%20r%C3%A9sum%C3%A9.pdf"
    )
    url = backend.presign_download(
        key=KEY, content_disposition=disposition, content_type=PDF, expires_in=60
    )
    response = requests.get(live_server.url + url)
    assert response.status_code == 200
    assert response.content == body
    assert response.headers["Content-Disposition"] == disposition
    assert response.headers["Content-Type"] == PDF
    assert response.headers["Content-Length"] == str(len(body))
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=10-19", 10, 19),
        ("bytes=999-", 999, 999),
        ("bytes=-5", 995, 999),
        ("bytes=0-5000", 0, 999),
    ],
)
def test_range_returns_206_and_the_slice(live_server, backend, header, start, end):
    body = os.urandom(1000)
    stored(backend, live_server, body)
    url = backend.presign_download(
        key=KEY, content_disposition="inline", content_type=PDF, expires_in=60
    )
    response = requests.get(live_server.url + url, headers={"Range": header})
    assert response.status_code == 206
    assert response.content == body[start : end + 1]
    assert response.headers["Content-Range"] == f"bytes {start}-{end}/1000"
    assert response.headers["Content-Length"] == str(end - start + 1)
    assert response.headers["Content-Disposition"] == "inline"


def test_unsatisfiable_range_is_416(live_server, backend):
    stored(backend, live_server, b"0123456789")
    url = backend.presign_download(
        key=KEY, content_disposition="attachment", content_type=None, expires_in=60
    )
    response = requests.get(live_server.url + url, headers={"Range": "bytes=10-20"})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == "bytes */10"


def test_several_ranges_or_a_stale_if_range_serve_the_whole_file(live_server, backend):
    stored(backend, live_server, b"0123456789")
    url = live_server.url + backend.presign_download(
        key=KEY, content_disposition="attachment", content_type=None, expires_in=60
    )
    several = requests.get(url, headers={"Range": "bytes=0-1,4-5"})
    stale = requests.get(url, headers={"Range": "bytes=0-1", "If-Range": '"other"'})
    fresh = requests.get(url, headers={"Range": "bytes=0-1", "If-Range": several.headers["ETag"]})
    assert (several.status_code, several.content) == (200, b"0123456789")
    assert (stale.status_code, stale.content) == (200, b"0123456789")
    assert (fresh.status_code, fresh.content) == (206, b"01")
    assert several.headers["Content-Type"] == PDF  # from the sidecar when the link names none


def test_download_tokens_are_checked(live_server, backend):
    stored(backend, live_server, b"abc")
    good = backend.presign_download(
        key=KEY, content_disposition="attachment", content_type=None, expires_in=60
    )
    expired = backend.presign_download(
        key=KEY, content_disposition="attachment", content_type=None, expires_in=-1
    )
    token = token_of(good)
    tampered = good.replace(token, token[:-1] + ("A" if token[-1] != "A" else "B"))
    assert requests.get(live_server.url + good).content == b"abc"
    gone = requests.get(live_server.url + expired)
    assert gone.status_code == 403 and "expired" in gone.json()["detail"]
    assert requests.get(live_server.url + tampered).status_code == 403


def test_download_of_a_deleted_object_is_404(live_server, backend):
    stored(backend, live_server, b"abc")
    url = backend.presign_download(
        key=KEY, content_disposition="attachment", content_type=None, expires_in=60
    )
    backend.delete(KEY)
    assert requests.get(live_server.url + url).status_code == 404


def test_stat_of_a_missing_object_raises(backend):
    with pytest.raises(ObjectNotFound):
        backend.stat(KEY)
    with pytest.raises(ObjectNotFound):
        backend.stat("uploads")  # a folder is not an object


def test_delete_removes_object_sidecar_and_empty_folders(live_server, backend, store):
    stored(backend, live_server, b"abc")
    other = "uploads/ffffffffffffffffffffffffffffffff/keep.txt"
    assert put(live_server, backend, b"keep", key=other).status_code == 201
    backend.delete(KEY)
    with pytest.raises(ObjectNotFound):
        backend.stat(KEY)
    tombstone = f"{META_DIR}/{TOMBSTONE_DIR}/{hashlib.sha256(KEY.encode()).hexdigest()}"
    assert sorted(p.relative_to(store).as_posix() for p in files_under(store)) == sorted(
        [f"{META_DIR}/{other}.json", tombstone, other]
    )
    assert not (store / KEY).parent.exists()
    assert not (store / META_DIR / KEY).parent.exists()
    backend.delete(KEY)  # deleting what is gone is fine
    assert backend.stat(other).size == 4


def test_stat_without_a_sidecar_still_answers(backend, store):
    (store / KEY).parent.mkdir(parents=True)
    (store / KEY).write_bytes(b"placed by hand")
    info = backend.stat(KEY)
    assert (info.size, info.content_type, dict(info.checksums)) == (14, None, {})
    assert info.etag
