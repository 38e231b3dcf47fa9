"""Objects in a dictionary, behind signed, expiring URLs that Django's own views serve.

Made for a project's tests: configure ``{"BACKEND": "memory"}`` and a test creates, uploads,
completes and fetches with Django's test client, with no network, no SDK and nothing to patch.
The upload instruction is a ``PUT`` under a token that binds the key, the size limit, the content
type, the expiry and any declared checksum; :mod:`s3_file_uploads.memory.views` holds the request
to them as a cloud would. Objects live as long as the backend instance: the process, or until a
settings change rebuilds the backends.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core import signing
from django.urls import NoReverseMatch, reverse

from s3_file_uploads.contract import (
    ACLS,
    Capabilities,
    Checksum,
    ObjectInfo,
    StorageBackend,
    UploadInstruction,
)
from s3_file_uploads.errors import (
    BackendConfigurationError,
    ObjectNotFound,
    StorageError,
    UploadRefused,
)

UPLOAD_SALT = "s3_file_uploads.memory.upload"
DOWNLOAD_SALT = "s3_file_uploads.memory.download"
URL_NAMESPACE = "s3_file_uploads"
#: The host of Django's test client. The client ignores the host of an absolute URL, so URLs
#: are absolute, as every URL in a reply must be, and a test still follows them as they are.
DEFAULT_BASE_URL = "http://testserver"
DEFAULT_CONTENT_TYPE = "application/octet-stream"


class ObjectExists(StorageError):
    """An object is already stored under the key, and this backend was built create-only."""


class UploadTooLarge(UploadRefused):
    """More bytes arrived than the upload was signed for."""


class ChecksumMismatch(UploadRefused):
    """The bytes that arrived do not have the checksum the upload was signed with."""


class TokenExpired(signing.BadSignature):
    """A genuine token whose time is up; ``expired_at`` says when it ran out."""

    def __init__(self, expired_at: datetime) -> None:
        super().__init__(f"expired at {expired_at.isoformat().replace('+00:00', 'Z')}")
        self.expired_at = expired_at


@dataclass(frozen=True)
class StoredObject:
    data: bytes
    content_type: str


@dataclass(frozen=True)
class UploadGrant:
    """What one upload token allows: at most ``max_size`` bytes of ``content_type`` to ``key``."""

    backend: str
    key: str
    max_size: int
    content_type: str
    checksum: Checksum | None = None


@dataclass(frozen=True)
class DownloadGrant:
    """What one download token allows: a GET of ``key`` served with these headers."""

    backend: str
    key: str
    content_disposition: str
    content_type: str | None


class MemoryBackend(StorageBackend):
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
    )

    def __init__(
        self, *, name: str = "", base_url: str = DEFAULT_BASE_URL, create_only: bool = True
    ) -> None:
        super().__init__(name=name)
        self.base_url = (base_url or "").rstrip("/")
        self.create_only = create_only
        self._objects: dict[str, StoredObject] = {}
        self._lock = threading.Lock()

    # The contract -----------------------------------------------------------------------------

    def describe(self) -> str:
        return f"the memory of this process ('{self.name}' storage)"

    def presign_upload(
        self,
        *,
        key: str,
        max_size: int,
        content_type: str,
        acl: str,
        expires_in: int,
        checksum: Checksum | None = None,
    ) -> UploadInstruction:
        _check_key(key)
        self.map_acl(acl)
        expires_at = int(time.time()) + expires_in
        grant: dict[str, Any] = {"b": self.name, "k": key, "s": max_size, "t": content_type}
        if checksum is not None:
            grant["c"] = [checksum.algorithm, checksum.value]
        token = _sign(grant, UPLOAD_SALT, expires_at)
        return UploadInstruction(
            method="PUT",
            url=self._url("memory-upload", token, key),
            headers={"Content-Type": content_type},
            expires_at=datetime.fromtimestamp(expires_at, UTC),
        )

    def presign_download(
        self, *, key: str, content_disposition: str, content_type: str | None, expires_in: int
    ) -> str:
        _check_key(key)
        grant = {"b": self.name, "k": key, "d": content_disposition, "t": content_type}
        token = _sign(grant, DOWNLOAD_SALT, int(time.time()) + expires_in)
        return self._url("memory-download", token, key)

    def stat(self, key: str) -> ObjectInfo:
        return _info(key, self._stored(key))

    def delete(self, key: str) -> None:
        with self._lock:
            self._objects.pop(key, None)

    # What a test reaches for ------------------------------------------------------------------

    def put(self, key: str, data: bytes, *, content_type: str = DEFAULT_CONTENT_TYPE) -> ObjectInfo:
        """Store ``data`` under ``key`` directly, as if a browser had followed the instruction.

        For tests that skip the browser step; replaces what the key held.
        """
        _check_key(key)
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

    def _stored(self, key: str) -> StoredObject:
        with self._lock:
            stored = self._objects.get(key)
        if stored is None:
            raise ObjectNotFound(key)
        return stored

    def _url(self, view: str, token: str, key: str) -> str:
        try:
            path = reverse(f"{URL_NAMESPACE}:{view}", args=[token, key])
        except NoReverseMatch as exc:
            raise BackendConfigurationError(
                f"The memory backend's '{view}' URL is not installed.",
                hint='Include the app\'s URLs: path("...", include("s3_file_uploads.urls")).',
            ) from exc
        return self.base_url + path


def load_upload_grant(token: str) -> UploadGrant:
    """The grant a token carries; raises ``signing.BadSignature`` (or :class:`TokenExpired`)."""
    data = _load(token, UPLOAD_SALT)
    checksum = Checksum(*data["c"]) if data.get("c") else None
    return UploadGrant(data["b"], data["k"], int(data["s"]), data["t"], checksum)


def load_download_grant(token: str) -> DownloadGrant:
    """The grant a token carries; raises ``signing.BadSignature`` (or :class:`TokenExpired`)."""
    data = _load(token, DOWNLOAD_SALT)
    return DownloadGrant(data["b"], data["k"], data["d"], data["t"])


def _sign(grant: dict[str, Any], salt: str, expires_at: int) -> str:
    return signing.dumps({**grant, "e": expires_at}, salt=salt, compress=True)


def _load(token: str, salt: str) -> dict[str, Any]:
    data = signing.loads(token, salt=salt)
    if not isinstance(data, dict) or not isinstance(data.get("e"), int):
        raise signing.BadSignature("malformed token")
    if time.time() > data["e"]:
        raise TokenExpired(datetime.fromtimestamp(data["e"], UTC))
    return data


def _check_key(key: str) -> None:
    if not isinstance(key, str) or not key or "\x00" in key or key.startswith("/"):
        raise StorageError(f"'{key}' is not a valid object key")


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
