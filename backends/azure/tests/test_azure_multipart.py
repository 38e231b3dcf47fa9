"""Multipart uploads on Azure, against Azurite: staged blocks, one write SAS per part, and a copy.

Azurite checks SAS signatures, permissions, scope and expiry, so what these tests send through
a part URL is what Azure itself would let a browser do with it.
"""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import requests
from azure.storage.blob import BlobSasPermissions, generate_blob_sas
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient
from s3_file_uploads_azure import AzureBackend
from s3_file_uploads_azure.backend import (
    DEFAULT_STAGING_PREFIX,
    MAXIMUM_UPLOAD_PART_SIZE,
    MAXIMUM_UPLOAD_PARTS_COUNT,
    MINIMUM_UPLOAD_PART_SIZE,
)

from s3_file_uploads.contract import StoredPart
from s3_file_uploads.errors import BackendConfigurationError, ObjectNotFound, StorageError
from s3_file_uploads.registry import get_backend
from s3_file_uploads.testing import api_client, create_upload
from tests.servers.azurite import ACCOUNT_KEY, ACCOUNT_NAME, blob_service

KEY = "uploads/0123/big.bin"
#: Three parts of different lengths (Azure has no smallest block; the core plans equal parts,
#: but the backend itself must keep every block's own size).
PARTS = {1: b"first part " * 300, 2: b"\x00\xff second " * 200, 3: b"tail"}


def start(backend, key: str = KEY, content_type: str = "application/pdf") -> str:
    return backend.start_multipart(key=key, content_type=content_type, acl="private")


def part_url(backend, upload_id: str, number: int, *, expires_in: int = 300) -> str:
    return backend.presign_part(
        key=KEY, upload_id=upload_id, part_number=number, size=len(PARTS.get(number, b"")),
        expires_in=expires_in,
    ).url  # fmt: skip


def send(url: str, data: bytes, **headers: str) -> requests.Response:
    return requests.put(url, data=data, headers=headers, timeout=10)


def send_parts(backend, upload_id: str, numbers=(1, 2, 3)) -> None:
    for number in numbers:
        response = send(part_url(backend, upload_id, number), PARTS[number])
        assert response.status_code == 201, response.text


def query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def with_query(url: str, **changes: str | None) -> str:
    """The URL with query parameters replaced (or dropped, for None): what a client may try."""
    parts = urlsplit(url)
    pairs = dict(parse_qsl(parts.query))
    for name, value in changes.items():
        if value is None:
            pairs.pop(name, None)
        else:
            pairs[name] = value
    return urlunsplit(parts._replace(query=urlencode(pairs)))


def blob_names(azurite, container: str) -> list[str]:
    """Every blob in the container, including those that hold only uncommitted blocks."""
    listing = blob_service(azurite).get_container_client(container)
    return sorted(b.name for b in listing.list_blobs(include=["uncommittedblobs"]))


def stored(azurite, container: str, key: str) -> bytes:
    return blob_service(azurite).get_blob_client(container, key).download_blob().readall()


def everything() -> bytes:
    return b"".join(PARTS[n] for n in sorted(PARTS))


# --- what is declared and signed -----------------------------------------------------------------


def test_capabilities_declare_multipart_within_azure_block_limits():
    caps = AzureBackend.capabilities

    assert caps.multipart is True
    assert caps.max_part_size == MAXIMUM_UPLOAD_PART_SIZE == 4000 * 1024 * 1024
    assert caps.max_parts == MAXIMUM_UPLOAD_PARTS_COUNT == 50_000
    assert caps.min_part_size == MINIMUM_UPLOAD_PART_SIZE == 1024 * 1024


def test_the_upload_id_names_a_staging_blob_and_keeps_the_content_type(azure_container):
    backend = get_backend()

    first, second = start(backend), start(backend)

    token, _, content_type = first.partition(":")
    assert len(token) == 32 and int(token, 16) >= 0
    assert content_type == "application/pdf"
    assert first != second, "every upload stages on a blob of its own"


def test_a_part_url_is_a_write_sas_for_put_block_on_the_staging_blob(azure_container):
    backend = get_backend()
    upload_id = start(backend)
    token = upload_id.partition(":")[0]
    before = datetime.now(UTC).replace(microsecond=0)

    part = backend.presign_part(
        key=KEY, upload_id=upload_id, part_number=42, size=123, expires_in=300
    )

    path = urlsplit(part.url).path
    assert path == f"/{ACCOUNT_NAME}/{azure_container}/{DEFAULT_STAGING_PREFIX}{token}"
    assert KEY not in part.url, "a part URL never names the key the complete step checks"
    params = query(part.url)
    assert params["comp"] == "block"
    assert base64.b64decode(params["blockid"]) == b"000042"
    assert params["sp"] == "w", "Put Block needs write; create is refused (see the next test)"
    assert params["sr"] == "b", "scoped to the one staging blob"
    assert datetime.fromisoformat(params["se"]) == part.expires_at
    assert before + timedelta(seconds=300) <= part.expires_at <= before + timedelta(seconds=302)
    assert (part.part_number, part.size, dict(part.headers)) == (42, 123, {})


def test_azurite_refuses_put_block_and_put_block_list_without_write(azurite, azure_container):
    """Why part URLs carry ``sp=w``: create (the single upload's permission) is not enough."""
    name = f"{DEFAULT_STAGING_PREFIX}probe"
    blob_url = f"{azurite.url}/{ACCOUNT_NAME}/{azure_container}/{name}"
    block = base64.b64encode(b"000001").decode()

    def sas(**permission) -> str:
        return generate_blob_sas(
            ACCOUNT_NAME,
            azure_container,
            name,
            account_key=ACCOUNT_KEY,
            permission=BlobSasPermissions(**permission),
            expiry=datetime.now(UTC) + timedelta(minutes=5),
            protocol="https,http",
        )

    def put_block(**permission) -> int:
        url = f"{blob_url}?comp=block&blockid={block}&{sas(**permission)}"
        return send(url, b"abc").status_code

    def put_block_list(**permission) -> int:
        body = f"<?xml version='1.0'?><BlockList><Latest>{block}</Latest></BlockList>"
        return send(f"{blob_url}?comp=blocklist&{sas(**permission)}", body.encode()).status_code

    assert put_block(create=True) == 403
    assert put_block(add=True) == 403
    assert put_block(write=True) == 201
    assert put_block_list(create=True) == 403
    assert put_block_list(write=True) == 201


# --- parts, resume, complete ---------------------------------------------------------------------


def test_no_part_sent_lists_nothing(azure_container):
    backend = get_backend()

    assert backend.list_parts(key=KEY, upload_id=start(backend)) == []


def test_staged_parts_are_listed_with_their_own_sizes_in_part_order(azure_container):
    backend = get_backend()
    upload_id = start(backend)

    send_parts(backend, upload_id, numbers=(3, 1))

    assert backend.list_parts(key=KEY, upload_id=upload_id) == [
        StoredPart(1, len(PARTS[1])),
        StoredPart(3, len(PARTS[3])),
    ]


def test_a_part_sent_again_is_listed_once_with_its_latest_size(azure_container):
    backend = get_backend()
    upload_id = start(backend)
    send_parts(backend, upload_id, numbers=(1,))

    send(part_url(backend, upload_id, 1), b"shorter").raise_for_status()

    assert backend.list_parts(key=KEY, upload_id=upload_id) == [StoredPart(1, len(b"shorter"))]


def test_complete_assembles_the_parts_in_order_under_the_key_with_the_type(
    azurite, azure_container
):
    backend = get_backend()
    upload_id = start(backend)
    send_parts(backend, upload_id, numbers=(2, 3, 1))
    parts = backend.list_parts(key=KEY, upload_id=upload_id)

    backend.complete_multipart(key=KEY, upload_id=upload_id, parts=parts)

    info = backend.stat(KEY)
    assert info.size == len(everything())
    assert info.content_type == "application/pdf"
    assert stored(azurite, azure_container, KEY) == everything()
    assert blob_names(azurite, azure_container) == [KEY], "the staging blob is gone"


def test_after_complete_the_upload_is_gone_and_completing_again_is_object_not_found(
    azurite, azure_container
):
    backend = get_backend()
    upload_id = start(backend)
    send_parts(backend, upload_id)
    parts = backend.list_parts(key=KEY, upload_id=upload_id)
    backend.complete_multipart(key=KEY, upload_id=upload_id, parts=parts)
    etag = backend.stat(KEY).etag

    with pytest.raises(ObjectNotFound):
        backend.list_parts(key=KEY, upload_id=upload_id)
    # A second complete (two requests at once) must not replace what the first one assembled.
    send_parts(backend, upload_id, numbers=(1,))
    with pytest.raises(ObjectNotFound):
        backend.complete_multipart(key=KEY, upload_id=upload_id, parts=parts[:1])

    assert backend.stat(KEY).etag == etag
    assert stored(azurite, azure_container, KEY) == everything()


def test_a_client_committing_the_staging_blob_itself_changes_nothing(azurite, azure_container):
    backend = get_backend()
    upload_id = start(backend)
    send_parts(backend, upload_id)
    # The part URL's write permission lets the client commit its own block list, in its own
    # order, with its own content type.
    blocks = "".join(
        f"<Latest>{base64.b64encode(f'{n:06d}'.encode()).decode()}</Latest>" for n in (3, 2, 1)
    )
    body = f'<?xml version="1.0" encoding="utf-8"?><BlockList>{blocks}</BlockList>'
    own_commit = with_query(part_url(backend, upload_id, 1), comp="blocklist", blockid=None)
    send(own_commit, body.encode(), **{"x-ms-blob-content-type": "text/html"}).raise_for_status()

    parts = backend.list_parts(key=KEY, upload_id=upload_id)
    assert parts == [StoredPart(n, len(PARTS[n])) for n in (1, 2, 3)]
    backend.complete_multipart(key=KEY, upload_id=upload_id, parts=parts)

    assert stored(azurite, azure_container, KEY) == everything()
    assert backend.stat(KEY).content_type == "application/pdf"


class RacingBackend(AzureBackend):
    """The real backend, with a client rewriting the staging blob (as its part URL allows)
    after complete committed the blocks and before the copy starts."""

    def _sign(self, key, permission, expires_at, **overrides):
        if key.startswith(self.staging_prefix) and permission.read:
            send(
                with_query(self.leftover_part_url, comp=None, blockid=None),
                b"<html>swapped between commit and copy</html>",
                **{"x-ms-blob-type": "BlockBlob"},
            ).raise_for_status()
        return super()._sign(key, permission, expires_at, **overrides)


def test_a_staging_blob_changed_between_commit_and_copy_is_not_copied(
    azurite, azure_container, settings
):
    backend = RacingBackend(
        container=azure_container, connection_string=settings.AZURE_CONNECTION_STRING
    )
    upload_id = start(backend)
    send_parts(backend, upload_id)
    backend.leftover_part_url = part_url(backend, upload_id, 1)
    parts = backend.list_parts(key=KEY, upload_id=upload_id)

    with pytest.raises(StorageError):
        backend.complete_multipart(key=KEY, upload_id=upload_id, parts=parts)

    with pytest.raises(ObjectNotFound):
        backend.stat(KEY)


def test_blocks_this_backend_did_not_name_are_ignored_and_discarded(azurite, azure_container):
    backend = get_backend()
    upload_id = start(backend)
    send_parts(backend, upload_id)
    foreign = with_query(
        part_url(backend, upload_id, 1), blockid=base64.b64encode(b"abcdef").decode()
    )
    send(foreign, b"smuggled").raise_for_status()

    parts = backend.list_parts(key=KEY, upload_id=upload_id)
    assert [p.part_number for p in parts] == [1, 2, 3]
    backend.complete_multipart(key=KEY, upload_id=upload_id, parts=parts)

    assert stored(azurite, azure_container, KEY) == everything()


def test_an_upload_id_of_another_shape_is_no_upload(azure_container):
    with pytest.raises(ObjectNotFound):
        get_backend().list_parts(key=KEY, upload_id="../../uploads/0123/big.bin:text/plain")


# --- what a part URL cannot do -------------------------------------------------------------------


def test_a_part_url_cannot_touch_the_assembled_object(azurite, azure_container):
    """Part URLs need write, and write could replace a blob: so they never name the key."""
    backend = get_backend()
    upload_id = start(backend)
    send_parts(backend, upload_id)
    leftover = part_url(backend, upload_id, 1)  # still valid after complete
    backend.complete_multipart(
        key=KEY, upload_id=upload_id, parts=backend.list_parts(key=KEY, upload_id=upload_id)
    )
    checked = backend.stat(KEY)

    parts = urlsplit(leftover)
    at_key = urlunsplit(
        parts._replace(path=f"/{ACCOUNT_NAME}/{azure_container}/{KEY}", query=parts.query)
    )
    replace = with_query(at_key, comp=None, blockid=None)
    swapped = b"<html>swapped after the complete step checked it</html>"
    assert send(replace, swapped, **{"x-ms-blob-type": "BlockBlob"}).status_code == 403
    assert send(at_key, b"x").status_code == 403
    props = with_query(at_key, comp="properties", blockid=None)
    assert send(props, b"", **{"x-ms-blob-content-type": "text/html"}).status_code == 403
    # What the part URL can still write is the staging blob, which nothing reads any more.
    staging = with_query(leftover, comp=None, blockid=None)
    assert send(staging, b"junk", **{"x-ms-blob-type": "BlockBlob"}).status_code == 201

    after = backend.stat(KEY)
    assert (after.etag, after.size, after.content_type) == (
        checked.etag,
        checked.size,
        checked.content_type,
    )
    assert stored(azurite, azure_container, KEY) == everything()


def test_an_expired_part_url_is_refused(azurite, azure_container):
    backend = get_backend()
    upload_id = start(backend)
    url = part_url(backend, upload_id, 1, expires_in=1)
    time.sleep(2.2)

    assert send(url, PARTS[1]).status_code == 403
    assert backend.list_parts(key=KEY, upload_id=upload_id) == []


def test_the_part_url_of_one_upload_cannot_stage_on_another(azurite, azure_container):
    backend = get_backend()
    mine, theirs = start(backend), start(backend)
    url = part_url(backend, mine, 1)
    aimed = url.replace(mine.partition(":")[0], theirs.partition(":")[0])
    assert aimed != url

    assert send(aimed, PARTS[1]).status_code == 403
    assert backend.list_parts(key=KEY, upload_id=theirs) == []


# --- abort ---------------------------------------------------------------------------------------


def test_abort_discards_every_staged_block_and_can_repeat(azurite, azure_container):
    backend = get_backend()
    upload_id = start(backend)
    send_parts(backend, upload_id)
    assert blob_names(azurite, azure_container) != []

    backend.abort_multipart(key=KEY, upload_id=upload_id)
    backend.abort_multipart(key=KEY, upload_id=upload_id)

    assert blob_names(azurite, azure_container) == []
    assert backend.list_parts(key=KEY, upload_id=upload_id) == []
    with pytest.raises(ObjectNotFound):
        backend.stat(KEY)


def test_abort_of_an_upload_that_never_staged_anything_is_fine(azurite, azure_container):
    backend = get_backend()

    backend.abort_multipart(key=KEY, upload_id=start(backend))

    assert blob_names(azurite, azure_container) == []


# --- options -------------------------------------------------------------------------------------


def test_staging_prefix_option_moves_the_staging_blobs(azurite, azure_container, settings):
    backend = AzureBackend(
        name="staged",
        container=azure_container,
        connection_string=settings.AZURE_CONNECTION_STRING,
        staging_prefix="tmp/parts/",
    )
    upload_id = start(backend)
    send_parts(backend, upload_id, numbers=(1,))

    assert blob_names(azurite, azure_container) == [f"tmp/parts/{upload_id.partition(':')[0]}"]


def test_an_empty_staging_prefix_is_a_configuration_error(settings, azure_container):
    with pytest.raises(BackendConfigurationError) as caught:
        AzureBackend(
            container=azure_container,
            connection_string=settings.AZURE_CONNECTION_STRING,
            staging_prefix="",
        )
    assert caught.value.hint


# --- through the HTTP API ------------------------------------------------------------------------


@pytest.fixture
def api(db, azure_container) -> APIClient:
    return api_client(get_user_model().objects.create_user(f"u-{uuid.uuid4().hex[:8]}"))


def test_a_part_of_the_wrong_length_is_refused_before_anything_is_committed(
    api, azurite, azure_container, settings
):
    """A SAS cannot sign a length: the block list's sizes are what hold each part to it."""
    settings.S3_FILE_UPLOADS = {"MULTIPART_PART_SIZE": MINIMUM_UPLOAD_PART_SIZE}
    settings.MAX_FILE_UPLOAD_SIZE = 10 * MINIMUM_UPLOAD_PART_SIZE
    body = b"p" * (MINIMUM_UPLOAD_PART_SIZE * 2 + 10)
    created = create_upload(api, filename="big.bin", size=len(body), multipart=True)
    signed = api.post(
        created["multipart"]["parts_url"], {"part_numbers": [1, 2, 3]}, format="json"
    ).data["parts"]
    size = MINIMUM_UPLOAD_PART_SIZE
    send(signed[0]["url"], body[:size]).raise_for_status()
    send(signed[1]["url"], body[size : 2 * size] + b"one byte too many").raise_for_status()
    send(signed[2]["url"], body[2 * size :]).raise_for_status()

    refused = api.post(created["complete_url"])

    assert refused.status_code == 409
    assert refused.data["wrong_size_parts"] == [2]
    assert refused.data["missing_parts"] == []
    with pytest.raises(ObjectNotFound):
        get_backend().stat(created["file_key"])
    # Resent at its length, the part completes the upload.
    send(signed[1]["url"], body[size : 2 * size]).raise_for_status()
    done = api.post(created["complete_url"])
    assert done.status_code == 200, done.content
    got = stored(azurite, azure_container, created["file_key"])
    assert hashlib.sha256(got).digest() == hashlib.sha256(body).digest()
