"""The local backend's multipart family, over real HTTP through Django's live server.

Parts are staged on disk under ``.s3fu-meta/.s3fu-multipart/<upload id>/`` through tokens that
bind key, upload id, part number and exact length; complete streams them into the object.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import threading
import tracemalloc
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from s3_file_uploads.contract import Checksum, StoredPart
from s3_file_uploads.errors import ObjectNotFound
from s3_file_uploads.local.backend import (
    META_DIR,
    MULTIPART_DIR,
    InvalidKey,
    InvalidPart,
    ObjectExists,
    PartGrant,
)
from s3_file_uploads.local.grants import LOCAL

from . import local_disk

pytestmark = pytest.mark.urls("tests.local_storage_urls")
store, backend = local_disk.store, local_disk.backend  # the fixtures

KEY = "uploads/0123456789abcdef0123456789abcdef/big.bin"
TYPE = "application/octet-stream"
MiB = 1024 * 1024


def staging_root(store: Path) -> Path:
    return store / META_DIR / MULTIPART_DIR


def put_part(live_server, backend, upload_id, number, body, *, size=None, key=KEY, **kwargs):
    part = backend.presign_part(
        key=key,
        upload_id=upload_id,
        part_number=number,
        size=len(body) if size is None else size,
        expires_in=kwargs.pop("expires_in", 60),
        checksum=kwargs.pop("checksum", None),
    )
    return requests.put(live_server.url + part.url, data=body, headers=dict(part.headers))


def upload_in_parts(live_server, backend, body: bytes, part_size: int) -> str:
    upload_id = backend.start_multipart(key=KEY, content_type=TYPE, acl="private")
    for number, start in enumerate(range(0, len(body), part_size), start=1):
        sent = put_part(live_server, backend, upload_id, number, body[start : start + part_size])
        assert sent.status_code == 200, sent.text
    return upload_id


def test_declares_multipart_with_s3s_part_rules(backend):
    capabilities = backend.capabilities
    assert capabilities.multipart
    assert capabilities.min_part_size == 5 * MiB
    assert capabilities.max_parts == 10_000


def test_parts_are_staged_listed_assembled_in_order_and_the_staging_removed(
    live_server, backend, store
):
    body = os.urandom(3 * MiB + 17)
    upload_id = backend.start_multipart(key=KEY, content_type=TYPE, acl="private")
    assert (staging_root(store) / upload_id).is_dir()
    chunks = [body[:MiB], body[MiB : 2 * MiB], body[2 * MiB : 3 * MiB], body[3 * MiB :]]
    for number in (3, 1, 4, 2):  # any order, as parallel parts arrive
        sent = put_part(live_server, backend, upload_id, number, chunks[number - 1])
        assert sent.status_code == 200, sent.text
        assert sent.json() == {
            "part_number": number,
            "size": len(chunks[number - 1]),
            "etag": sent.headers["ETag"].strip('"'),
        }

    listed = backend.list_parts(key=KEY, upload_id=upload_id)
    assert [(p.part_number, p.size) for p in listed] == [(1, MiB), (2, MiB), (3, MiB), (4, 17)]
    backend.complete_multipart(key=KEY, upload_id=upload_id, parts=listed)

    assert (store / KEY).read_bytes() == body
    info = backend.stat(KEY)
    assert info.size == len(body)
    assert info.content_type == TYPE
    assert info.etag.endswith("-4")
    assert list(staging_root(store).iterdir()) == []
    with pytest.raises(ObjectNotFound):
        backend.list_parts(key=KEY, upload_id=upload_id)


def test_a_part_of_another_length_is_refused_and_nothing_staged(live_server, backend, store):
    upload_id = backend.start_multipart(key=KEY, content_type=TYPE, acl="private")
    for body in (b"x" * 99, b"x" * 101):
        refused = put_part(live_server, backend, upload_id, 1, body, size=100)
        assert refused.status_code == 400
        assert "exactly 100 bytes" in refused.json()["detail"]
    assert backend.list_parts(key=KEY, upload_id=upload_id) == []
    assert [p.name for p in (staging_root(store) / upload_id).iterdir()] == ["upload.json"]


def test_the_query_cannot_re_aim_a_part_token(live_server, backend):
    upload_id = backend.start_multipart(key=KEY, content_type=TYPE, acl="private")
    part = backend.presign_part(key=KEY, upload_id=upload_id, part_number=2, size=5, expires_in=60)
    query = parse_qs(urlsplit(part.url).query)
    assert query == {"uploadId": [upload_id], "partNumber": ["2"]}
    aimed = part.url.replace("partNumber=2", "partNumber=3")
    refused = requests.put(live_server.url + aimed, data=b"12345")
    assert refused.status_code == 403
    assert backend.list_parts(key=KEY, upload_id=upload_id) == []


def test_tampered_expired_and_foreign_tokens_are_refused(live_server, backend):
    upload_id = backend.start_multipart(key=KEY, content_type=TYPE, acl="private")
    expired = put_part(live_server, backend, upload_id, 1, b"abc", expires_in=-1)
    assert expired.status_code == 403
    assert "expired" in expired.json()["detail"]

    part = backend.presign_part(key=KEY, upload_id=upload_id, part_number=1, size=3, expires_in=60)
    token = part.url.split("/part/", 1)[1].split("/", 1)[0]
    forged = PartGrant("disk", KEY, upload_id, 1, 10**9, 2**40).sign(scope=LOCAL).rsplit(":", 2)[0]
    tampered = part.url.replace(
        token, f"{forged}:{token.rsplit(':', 2)[1]}:{token.rsplit(':')[-1]}"
    )
    assert requests.put(live_server.url + tampered, data=b"abc").status_code == 403

    upload = backend.presign_upload(
        key=KEY, max_size=10, content_type=TYPE, acl="private", expires_in=60
    )
    upload_token = upload.url.split("/upload/", 1)[1].split("/", 1)[0]
    foreign = part.url.replace(token, upload_token)
    assert requests.put(live_server.url + foreign, data=b"abc").status_code == 403
    assert backend.list_parts(key=KEY, upload_id=upload_id) == []


def sha256(body: bytes) -> Checksum:
    return Checksum("sha256", base64.b64encode(hashlib.sha256(body).digest()).decode())


def test_a_part_of_its_signed_checksum_is_stored_and_listed_with_it(live_server, backend):
    upload_id = backend.start_multipart(key=KEY, content_type=TYPE, acl="private")
    sent = put_part(live_server, backend, upload_id, 1, b"a" * 10, checksum=sha256(b"a" * 10))
    assert sent.status_code == 200, sent.text
    [listed] = backend.list_parts(key=KEY, upload_id=upload_id)
    assert listed.checksum == sha256(b"a" * 10).value


def test_a_part_of_other_bytes_than_its_signed_checksum_is_refused_while_streaming(
    live_server, backend
):
    upload_id = backend.start_multipart(key=KEY, content_type=TYPE, acl="private")
    sent = put_part(live_server, backend, upload_id, 1, b"b" * 10, checksum=sha256(b"a" * 10))
    assert sent.status_code == 400
    assert "sha256 checksum" in sent.json()["detail"]
    assert sha256(b"a" * 10).value in sent.json()["detail"]
    assert backend.list_parts(key=KEY, upload_id=upload_id) == []


def test_a_part_sent_again_replaces_the_first(live_server, backend, store):
    upload_id = backend.start_multipart(key=KEY, content_type=TYPE, acl="private")
    first = put_part(live_server, backend, upload_id, 1, b"a" * 10)
    second = put_part(live_server, backend, upload_id, 1, b"b" * 10)
    assert first.headers["ETag"] != second.headers["ETag"]
    listed = backend.list_parts(key=KEY, upload_id=upload_id)
    checksum = base64.b64encode(hashlib.sha256(b"b" * 10).digest()).decode()
    assert listed == [StoredPart(1, 10, second.headers["ETag"].strip('"'), checksum)]
    backend.complete_multipart(key=KEY, upload_id=upload_id, parts=listed)
    assert (store / KEY).read_bytes() == b"b" * 10


def test_parts_after_complete_or_abort_are_refused(live_server, backend, store):
    done = upload_in_parts(live_server, backend, b"d" * 10, 10)
    backend.complete_multipart(
        key=KEY, upload_id=done, parts=backend.list_parts(key=KEY, upload_id=done)
    )
    late = put_part(live_server, backend, done, 1, b"e" * 10)
    assert late.status_code == 404
    assert "no longer open" in late.json()["detail"]
    assert (store / KEY).read_bytes() == b"d" * 10

    other = KEY.replace("big.bin", "aborted.bin")
    aborted = backend.start_multipart(key=other, content_type=TYPE, acl="private")
    assert put_part(live_server, backend, aborted, 1, b"f" * 10, key=other).status_code == 200
    backend.abort_multipart(key=other, upload_id=aborted)
    backend.abort_multipart(key=other, upload_id=aborted)  # a gone upload is not an error
    assert put_part(live_server, backend, aborted, 1, b"f" * 10, key=other).status_code == 404
    assert list(staging_root(store).iterdir()) == []
    with pytest.raises(ObjectNotFound):
        backend.stat(other)


def test_an_upload_id_answers_only_for_its_own_key(live_server, backend):
    upload_id = backend.start_multipart(key=KEY, content_type=TYPE, acl="private")
    other = KEY.replace("big.bin", "other.bin")
    with pytest.raises(ObjectNotFound):
        backend.list_parts(key=other, upload_id=upload_id)
    assert put_part(live_server, backend, upload_id, 1, b"x", key=other).status_code == 404
    backend.abort_multipart(key=other, upload_id=upload_id)
    assert backend.list_parts(key=KEY, upload_id=upload_id) == []
    for forged in ("../../etc", "A" * 32, ""):
        with pytest.raises(ObjectNotFound):
            backend.list_parts(key=KEY, upload_id=forged)


def test_complete_is_create_only_and_a_refused_complete_stays_resumable(
    live_server, backend, store
):
    upload_id = upload_in_parts(live_server, backend, b"new" * 5, 15)
    (store / KEY).parent.mkdir(parents=True)
    (store / KEY).write_bytes(b"already here")
    parts = backend.list_parts(key=KEY, upload_id=upload_id)
    with pytest.raises(ObjectExists):
        backend.complete_multipart(key=KEY, upload_id=upload_id, parts=parts)
    assert (store / KEY).read_bytes() == b"already here"
    assert backend.list_parts(key=KEY, upload_id=upload_id) == parts
    assert not [p for p in (store / KEY).parent.iterdir() if p.name != "big.bin"]


def test_complete_with_a_part_that_is_gone_raises_and_keeps_the_rest(live_server, backend, store):
    upload_id = upload_in_parts(live_server, backend, b"p" * 20, 10)
    parts = backend.list_parts(key=KEY, upload_id=upload_id)
    with pytest.raises(InvalidPart):
        backend.complete_multipart(
            key=KEY, upload_id=upload_id, parts=[*parts, StoredPart(3, 10, "x")]
        )
    assert backend.list_parts(key=KEY, upload_id=upload_id) == parts
    with pytest.raises(ObjectNotFound):
        backend.stat(KEY)


def test_two_completes_at_once_assemble_once(live_server, backend, store):
    body = os.urandom(4 * MiB)
    upload_id = upload_in_parts(live_server, backend, body, MiB)
    parts = backend.list_parts(key=KEY, upload_id=upload_id)
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def complete() -> None:
        start.wait()
        try:
            backend.complete_multipart(key=KEY, upload_id=upload_id, parts=parts)
            outcomes.append("completed")
        except ObjectNotFound:
            outcomes.append("gone")

    threads = [threading.Thread(target=complete) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["completed", "gone"]
    assert hashlib.sha256((store / KEY).read_bytes()).digest() == hashlib.sha256(body).digest()


@pytest.mark.parametrize("copy_file_range", [True, False], ids=["copy_file_range", "read-write"])
def test_complete_streams_the_parts_without_holding_them_in_memory(
    backend, store, monkeypatch, copy_file_range
):
    if not copy_file_range:
        monkeypatch.delattr(os, "copy_file_range", raising=False)  # as on macOS and Windows
    body = os.urandom(24 * MiB)
    upload_id = backend.start_multipart(key=KEY, content_type=TYPE, acl="private")
    for number in (1, 2, 3):
        # Staged in this thread, so that the peak below counts nothing but complete's work.
        chunk = body[(number - 1) * 8 * MiB : number * 8 * MiB]
        grant = PartGrant("disk", KEY, upload_id, number, len(chunk), 2**40)
        backend.receive_part(grant, io.BytesIO(chunk), length=len(chunk))
    del chunk
    parts = backend.list_parts(key=KEY, upload_id=upload_id)
    tracemalloc.start()
    try:
        backend.complete_multipart(key=KEY, upload_id=upload_id, parts=parts)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * MiB, peak  # a part is 8 MiB; at most one 1 MiB chunk is held
    assert hashlib.sha256((store / KEY).read_bytes()).digest() == hashlib.sha256(body).digest()


def test_the_staging_folder_is_not_a_key(backend):
    with pytest.raises(InvalidKey):
        backend.path(f"{MULTIPART_DIR}/0123456789abcdef0123456789abcdef/upload.json")
