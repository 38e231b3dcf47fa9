"""Local disk: Django's own views take the role of the cloud, behind signed, expiring URLs.

The upload instruction is a ``PUT`` to :func:`s3_file_uploads.local.views.upload` under a token
that binds the key, the size limit, the content type, the expiry and any declared checksum, so
the view enforces what S3 enforces from a POST policy and ``Content-MD5``. Objects are
create-only: an instruction used once cannot replace what it stored. The content type, MD5 and
SHA-256 of each object live in a JSON sidecar under ``<location>/.s3fu-meta/``, so
:meth:`LocalBackend.stat` answers like a cloud's HEAD.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from django.core import checks, signing
from django.urls import NoReverseMatch, reverse

from s3_file_uploads.contract import (
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

#: How much of a request body is read (and held in memory) at a time.
CHUNK_SIZE = 64 * 1024
#: Where sidecars live, inside the storage root; no key may start with it.
META_DIR = ".s3fu-meta"
#: Suffix of the temporary files an upload streams into, beside their target.
PART_SUFFIX = ".s3fu-part"
UPLOAD_SALT = "s3_file_uploads.local.upload"
DOWNLOAD_SALT = "s3_file_uploads.local.download"
URL_NAMESPACE = "s3_file_uploads"


class InvalidKey(StorageError):
    """The key is empty, absolute, or would resolve outside the storage root."""


class ObjectExists(StorageError):
    """An object is already stored under the key; local objects are create-only."""


class UploadTooLarge(UploadRefused):
    """More bytes arrived than the upload was signed for."""


class ChecksumMismatch(UploadRefused):
    """The bytes that arrived do not have the checksum the upload was signed with."""


class IncompleteUpload(StorageError):
    """The body ended before the length the client declared."""


class TokenExpired(signing.BadSignature):
    """A genuine token whose time is up; ``expired_at`` says when it ran out."""

    def __init__(self, expired_at: datetime) -> None:
        super().__init__(f"expired at {_iso(expired_at)}")
        self.expired_at = expired_at


@dataclass(frozen=True)
class UploadGrant:
    """What one upload token allows: at most ``max_size`` bytes of ``content_type`` to ``key``."""

    backend: str
    key: str
    max_size: int
    content_type: str
    expires_at: int
    checksum: Checksum | None = None


@dataclass(frozen=True)
class DownloadGrant:
    """What one download token allows: a GET of ``key`` served with these headers."""

    backend: str
    key: str
    content_disposition: str
    content_type: str | None
    expires_at: int


class LocalBackend(StorageBackend):
    """Stores objects as files under ``location``; uploads and downloads go through Django.

    ``base_url`` is empty by default, so instruction and download URLs are root-relative paths
    that a same-origin browser uses as they are; set it to an origin (``https://app.example``)
    when other clients need absolute URLs.
    """

    capabilities = Capabilities(
        enforces_size_limit=True,
        enforces_content_type=True,
        checksums=frozenset({"md5", "sha256"}),
    )

    def __init__(
        self, *, name: str = "", location: str | os.PathLike[str] | None = None, base_url: str = ""
    ) -> None:
        super().__init__(name=name)
        if not location:
            raise BackendConfigurationError(
                f"The local backend configuration '{name}' has no storage location.",
                hint="Set MEDIA_ROOT (objects then go to MEDIA_ROOT/s3_file_uploads), or "
                "'location' in the configuration's OPTIONS.",
            )
        self.location = Path(location).resolve()
        self.base_url = (base_url or "").rstrip("/")

    @classmethod
    def settings_defaults(cls, django_settings: Any) -> dict[str, Any]:
        media_root = getattr(django_settings, "MEDIA_ROOT", "")
        return {"location": os.path.join(media_root, "s3_file_uploads")} if media_root else {}

    def check(self) -> list[checks.CheckMessage]:
        messages: list[checks.CheckMessage] = []
        if self.location.exists() and not (
            self.location.is_dir() and os.access(self.location, os.W_OK | os.X_OK)
        ):
            messages.append(
                checks.Error(
                    f"The local backend '{self.name}' cannot write to {self.location}.",
                    hint="Point 'location' (or MEDIA_ROOT) at a directory this process can write.",
                    id="s3_file_uploads.local.E001",
                )
            )
        try:
            reverse(f"{URL_NAMESPACE}:local-upload", args=["token", "key"])
        except NoReverseMatch:
            messages.append(
                checks.Error(
                    f"The local backend '{self.name}' needs its upload and download views, "
                    "but their URLs are not installed.",
                    hint='Include the app\'s URLs: path("...", include("s3_file_uploads.urls")); '
                    "a project that lists the views itself adds "
                    'path("local/", include("s3_file_uploads.local.urls")) in the '
                    "s3_file_uploads namespace.",
                    id="s3_file_uploads.local.E002",
                )
            )
        return messages

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
        self.path(key)
        self.map_acl(acl)
        expires_at = int(time.time()) + expires_in
        grant: dict[str, Any] = {
            "b": self.name,
            "k": key,
            "s": max_size,
            "t": content_type,
            "e": expires_at,
        }
        if checksum is not None:
            grant["c"] = [checksum.algorithm, checksum.value]
        token = signing.dumps(grant, salt=UPLOAD_SALT, compress=True)
        return UploadInstruction(
            method="PUT",
            url=self._url("local-upload", token, key),
            headers={"Content-Type": content_type},
            expires_at=datetime.fromtimestamp(expires_at, UTC),
        )

    def presign_download(
        self, *, key: str, content_disposition: str, content_type: str | None, expires_in: int
    ) -> str:
        self.path(key)
        token = signing.dumps(
            {
                "b": self.name,
                "k": key,
                "d": content_disposition,
                "t": content_type,
                "e": int(time.time()) + expires_in,
            },
            salt=DOWNLOAD_SALT,
            compress=True,
        )
        return self._url("local-download", token, key)

    def stat(self, key: str) -> ObjectInfo:
        path = self.path(key)
        try:
            st = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            raise ObjectNotFound(key) from None
        if not path.is_file():
            raise ObjectNotFound(key)
        meta = self._read_meta(key)
        if meta.get("size") == st.st_size and meta.get("md5"):
            etag = base64.b64decode(meta["md5"]).hex()
            checksums = {name: meta[name] for name in ("md5", "sha256") if meta.get(name)}
        else:
            etag, checksums = f"{st.st_mtime_ns:x}-{st.st_size:x}", {}
        return ObjectInfo(
            key=key,
            size=st.st_size,
            content_type=meta.get("content_type"),
            etag=etag,
            checksums=checksums,
        )

    def delete(self, key: str) -> None:
        path, meta = self.path(key), self._meta_path(key)
        for file in (path, meta):
            with contextlib.suppress(FileNotFoundError, NotADirectoryError):
                file.unlink()
            self._prune(file.parent)

    def receive(
        self,
        key: str,
        stream: BinaryIO,
        *,
        max_size: int,
        content_type: str,
        length: int | None,
        checksum: Checksum | None = None,
    ) -> ObjectInfo:
        """Store ``stream`` under ``key``, all or nothing, refusing to replace an object.

        Reads ``CHUNK_SIZE`` at a time into a temporary file beside the target, stops with
        :class:`UploadTooLarge` as soon as more than ``max_size`` bytes arrived, and raises
        :class:`IncompleteUpload` when fewer than ``length`` did, :class:`ChecksumMismatch` when
        the bytes do not match ``checksum``. Only a complete, flushed file is linked into place,
        so a broken upload never appears as an object.
        """
        path = self.path(key)
        if path.exists():
            raise ObjectExists(f"an object is already stored under '{key}'")
        try:
            part = self._temporary_file(path.parent)
        except (FileExistsError, NotADirectoryError):
            raise ObjectExists(f"an object is stored where a folder of '{key}' would be") from None
        meta_part: Path | None = None
        try:
            digest, sha256, size = hashlib.md5(usedforsecurity=False), hashlib.sha256(), 0
            with part.open("wb") as out:
                while chunk := stream.read(CHUNK_SIZE):
                    size += len(chunk)
                    if size > max_size:
                        raise UploadTooLarge(
                            f"the upload is larger than the {max_size} bytes it was signed for"
                        )
                    digest.update(chunk)
                    sha256.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if length is not None and size != length:
                raise IncompleteUpload(f"the body ended after {size} of {length} bytes")
            checksums = {
                "md5": base64.b64encode(digest.digest()).decode(),
                "sha256": base64.b64encode(sha256.digest()).decode(),
            }
            if checksum is not None and checksums.get(checksum.algorithm) != checksum.value:
                raise ChecksumMismatch(
                    f"the file's {checksum.algorithm} checksum is "
                    f"{checksums.get(checksum.algorithm)}, not the declared {checksum.value}"
                )
            meta_part = self._write_meta_part(
                key, {"content_type": content_type, "size": size, **checksums}
            )
            try:
                os.link(part, path)
            except FileExistsError:
                raise ObjectExists(f"an object is already stored under '{key}'") from None
            os.replace(meta_part, self._meta_path(key))
            meta_part = None
            _fsync_directory(path.parent)
        finally:
            part.unlink(missing_ok=True)
            if meta_part is not None:
                meta_part.unlink(missing_ok=True)
        return ObjectInfo(
            key=key,
            size=size,
            content_type=content_type,
            etag=digest.hexdigest(),
            checksums=checksums,
        )

    def path(self, key: str) -> Path:
        """The file that holds ``key``; raises :class:`InvalidKey` for a key escaping the root."""
        parts = PurePosixPath(key).parts if isinstance(key, str) else ()
        if (
            not parts
            or "\x00" in key
            or "\\" in key
            or key.startswith("/")
            or any(part in {"", ".", ".."} for part in key.split("/"))
            or parts[0] == META_DIR
        ):
            raise InvalidKey(f"'{key}' is not a valid object key for local storage")
        path = (self.location / key).resolve()
        if not path.is_relative_to(self.location) or path == self.location:
            raise InvalidKey(f"'{key}' resolves outside the local storage root")
        return path

    # Private helpers

    def _url(self, view: str, token: str, key: str) -> str:
        try:
            path = reverse(f"{URL_NAMESPACE}:{view}", args=[token, key])
        except NoReverseMatch as exc:
            raise BackendConfigurationError(
                f"The local backend's '{view}' URL is not installed.",
                hint='Include the app\'s URLs: path("...", include("s3_file_uploads.urls")).',
            ) from exc
        return self.base_url + path

    def _meta_path(self, key: str) -> Path:
        return self.location / META_DIR / f"{key}.json"

    def _read_meta(self, key: str) -> dict[str, Any]:
        try:
            meta = json.loads(self._meta_path(key).read_text())
        except (OSError, ValueError):
            return {}
        return meta if isinstance(meta, dict) else {}

    def _write_meta_part(self, key: str, meta: dict[str, Any]) -> Path:
        part = self._temporary_file(self._meta_path(key).parent)
        with part.open("w") as out:
            json.dump(meta, out)
            out.flush()
            os.fsync(out.fileno())
        return part

    def _temporary_file(self, directory: Path) -> Path:
        # A concurrent delete may prune the directory between mkdir and mkstemp: try again.
        for attempt in range(3):
            directory.mkdir(parents=True, exist_ok=True)
            try:
                fd, name = tempfile.mkstemp(dir=directory, prefix=".", suffix=PART_SUFFIX)
            except FileNotFoundError:
                if attempt == 2:
                    raise
                continue
            os.close(fd)
            return Path(name)
        raise AssertionError("unreachable")

    def _prune(self, directory: Path) -> None:
        """Remove empty directories from ``directory`` up to (not including) the root."""
        stops = {self.location, self.location / META_DIR}
        while directory not in stops and directory.is_relative_to(self.location):
            try:
                directory.rmdir()
            except OSError:
                return
            directory = directory.parent


def load_upload_grant(token: str) -> UploadGrant:
    """The grant a token carries; raises ``signing.BadSignature`` (or :class:`TokenExpired`)."""
    data = _load(token, UPLOAD_SALT)
    checksum = Checksum(*data["c"]) if data.get("c") else None
    return UploadGrant(data["b"], data["k"], int(data["s"]), data["t"], int(data["e"]), checksum)


def load_download_grant(token: str) -> DownloadGrant:
    """The grant a token carries; raises ``signing.BadSignature`` (or :class:`TokenExpired`)."""
    data = _load(token, DOWNLOAD_SALT)
    return DownloadGrant(data["b"], data["k"], data["d"], data["t"], int(data["e"]))


def _load(token: str, salt: str) -> dict[str, Any]:
    data = signing.loads(token, salt=salt)
    if not isinstance(data, dict) or not isinstance(data.get("e"), int):
        raise signing.BadSignature("malformed token")
    if time.time() > data["e"]:
        raise TokenExpired(datetime.fromtimestamp(data["e"], UTC))
    return data


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _fsync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
