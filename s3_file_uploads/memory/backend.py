"""Objects in a dictionary, behind signed, expiring URLs that Django's own views serve.

Made for a project's tests: configure ``{"BACKEND": "memory"}`` and a test creates, uploads,
completes and fetches with Django's test client, with no network, no SDK and nothing to patch.
The upload instruction is a ``PUT`` under a token that binds the key, the size limit, the content
type, the expiry and any declared checksum; :mod:`s3_file_uploads.memory.views` holds the request
to them as a cloud would. Objects live as long as the backend instance: the process, or until a
settings change rebuilds the backends.

The presign verbs, grants, refusals and the views' checks are the local backend's
(:mod:`s3_file_uploads.local.links`, ``.grants``, ``.errors``, ``.replies``, ``.serving``);
memory links are signed under a scope of their own.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from dataclasses import dataclass
from io import BytesIO
from typing import BinaryIO

from s3_file_uploads.contract import ACLS, Capabilities, NewObject, ObjectInfo
from s3_file_uploads.errors import ObjectNotFound, StorageError
from s3_file_uploads.local.errors import (
    ChecksumMismatch,
    ObjectExists,
    UploadTooLarge,
)
from s3_file_uploads.local.grants import UploadGrant
from s3_file_uploads.local.links import SignedLinkBackend
from s3_file_uploads.sized_source import sized_source

#: The scope of this backend's tokens, so a local link never passes as a memory one.
MEMORY = "memory"
#: The host of Django's test client. The client ignores the host of an absolute URL, so URLs
#: are absolute, as every URL in a reply must be, and a test still follows them as they are.
DEFAULT_BASE_URL = "http://testserver"
DEFAULT_CONTENT_TYPE = "application/octet-stream"


@dataclass(frozen=True)
class StoredObject:
    data: bytes
    content_type: str


class MemoryBackend(SignedLinkBackend):
    """Keeps objects in this process. For tests only: nothing survives a restart.

    ``base_url`` prefixes every signed URL (Django's test client host by default; a test on
    pytest-django's ``live_server`` sets it to ``live_server.url``). ``create_only`` (the default,
    as on the local backend and Azure) refuses an upload to a key that holds an object; set it
    to ``False`` to overwrite, as S3 does.
    """

    capabilities = Capabilities(
        enforces_size_limit=True,
        enforces_content_type=True,
        acls=frozenset(ACLS),
        checksums=frozenset({"md5", "sha256"}),
        server_side_io=True,
    )
    link_scope = MEMORY

    def __init__(
        self, *, name: str = "", base_url: str = DEFAULT_BASE_URL, create_only: bool = True
    ) -> None:
        super().__init__(name=name)
        self.base_url = (base_url or "").rstrip("/")
        self.create_only = create_only
        self._objects: dict[str, StoredObject] = {}
        self._lock = threading.Lock()

    # The contract (the presign verbs are SignedLinkBackend's) --------------------------------

    def describe(self) -> str:
        return f"the memory of this process ('{self.name}' storage)"

    def stat(self, key: str) -> ObjectInfo:
        return _info(key, self._stored(key))

    def delete(self, key: str) -> None:
        with self._lock:
            self._objects.pop(key, None)

    def open_read(self, key: str, *, start: int = 0, end: int | None = None) -> BinaryIO:
        data = self._stored(key).data
        return BytesIO(data[start : None if end is None else end + 1])

    def store(self, target: NewObject, stream: BinaryIO) -> ObjectInfo:
        key, size = target.key, target.size
        self._check_key(key)
        self.map_acl(target.acl)
        # Memory is where it goes anyway; held to its declared size as the other backends are.
        stored = StoredObject(sized_source(stream, size).read(), target.content_type)
        with self._lock:
            if self.create_only and key in self._objects:
                raise ObjectExists(f"an object is already stored under '{key}'")
            self._objects[key] = stored
        return _info(key, stored)

    # What a test reaches for ------------------------------------------------------------------

    def put(self, key: str, data: bytes, *, content_type: str = DEFAULT_CONTENT_TYPE) -> ObjectInfo:
        """Store ``data`` under ``key`` directly, as if a browser had followed the instruction.

        For tests that skip the browser step; replaces what the key held.
        """
        self._check_key(key)
        stored = StoredObject(bytes(data), content_type)
        with self._lock:
            self._objects[key] = stored
        return _info(key, stored)

    def get(self, key: str) -> bytes:
        """The bytes stored under ``key``; raises ObjectNotFound when there are none."""
        return self._stored(key).data

    def keys(self) -> list[str]:
        """Every key stored, sorted."""
        with self._lock:
            return sorted(self._objects)

    def clear(self) -> None:
        """Forget every object (between tests)."""
        with self._lock:
            self._objects.clear()

    # What the upload view calls ---------------------------------------------------------------

    def receive(self, grant: UploadGrant, data: bytes) -> ObjectInfo:
        """Store ``data`` as the grant allows, or raise why not; nothing is stored on a refusal."""
        if len(data) > grant.max_size:
            raise UploadTooLarge(
                f"the upload is larger than the {grant.max_size} bytes it was signed for"
            )
        stored = StoredObject(data, grant.content_type)
        info = _info(grant.key, stored)
        if grant.checksum is not None:
            actual = info.checksums[grant.checksum.algorithm]
            if actual != grant.checksum.value:
                raise ChecksumMismatch(
                    f"the file's {grant.checksum.algorithm} checksum is {actual}, not the "
                    f"declared {grant.checksum.value}"
                )
        with self._lock:
            if self.create_only and grant.key in self._objects:
                raise ObjectExists(f"an object is already stored under '{grant.key}'")
            self._objects[grant.key] = stored
        return info

    # Private helpers --------------------------------------------------------------------------

    def _check_key(self, key: str) -> None:
        if not isinstance(key, str) or not key or "\x00" in key or key.startswith("/"):
            raise StorageError(f"'{key}' is not a valid object key")

    def _stored(self, key: str) -> StoredObject:
        with self._lock:
            stored = self._objects.get(key)
        if stored is None:
            raise ObjectNotFound(key)
        return stored


def _info(key: str, stored: StoredObject) -> ObjectInfo:
    md5 = hashlib.md5(stored.data, usedforsecurity=False).digest()
    sha256 = hashlib.sha256(stored.data).digest()
    return ObjectInfo(
        key=key,
        size=len(stored.data),
        content_type=stored.content_type,
        etag=md5.hex(),
        checksums={
            "md5": base64.b64encode(md5).decode(),
            "sha256": base64.b64encode(sha256).decode(),
        },
    )
