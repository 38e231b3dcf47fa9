"""Local disk: Django's own views take the role of the cloud, behind signed, expiring URLs.

The upload instruction is a ``PUT`` to :func:`s3_file_uploads.local.views.upload` under a token
that binds the key, the size limit, the content type, the expiry and any declared checksum, so
the view enforces what S3 enforces from a POST policy and ``Content-MD5``. Objects are
create-only: an instruction used once cannot replace what it stored. The content type, MD5 and
SHA-256 of each object live in a JSON sidecar under ``<location>/.s3fu-meta/``, so
:meth:`LocalBackend.stat` answers like a cloud's HEAD.

Multipart uploads stage their parts under ``<location>/.s3fu-meta/.s3fu-multipart/<upload id>/``,
one file per part, each sent with a ``PUT`` under a token that binds the key, the upload id, the
part number and the part's exact length. Complete streams the parts in order into a temporary
file beside the target and links it into place (create-only, like a single upload); abort
removes the staging folder.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import hashlib
import json
import os
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO
from urllib.parse import urlencode

from django.core import checks, signing
from django.urls import NoReverseMatch, reverse

from s3_file_uploads.contract import (
    Capabilities,
    Checksum,
    ObjectInfo,
    PartInstruction,
    StorageBackend,
    StoredPart,
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
PART_SALT = "s3_file_uploads.local.part"
URL_NAMESPACE = "s3_file_uploads"
#: Where unfinished multipart uploads stage their parts, inside META_DIR; no key may start with it.
MULTIPART_DIR = ".s3fu-multipart"
#: How much of a part is read (and held in memory) at a time.
PART_CHUNK_SIZE = 1024 * 1024
#: The cloud rules the local backend keeps, so clients and the core plan parts as they do on S3.
MINIMUM_UPLOAD_PART_SIZE = 5 * 1024 * 1024
MAXIMUM_UPLOAD_PART_SIZE = 5 * 1024 * 1024 * 1024
MAXIMUM_UPLOAD_PARTS_COUNT = 10_000
#: Suffix of a staging folder a complete has claimed, so parts and other completes stay out.
CLAIM_SUFFIX = ".completing"
#: Where deleted keys leave a tombstone, inside META_DIR: an upload link signed before the
#: delete then stores nothing, so no object appears that no row tracks.
TOMBSTONE_DIR = ".s3fu-deleted"
#: Longest life of an upload link, and so of a tombstone: S3's and GCS's 7-day ceiling.
MAXIMUM_UPLOAD_EXPIRY = 7 * 24 * 3600
#: Least time between two sweeps of expired tombstones by one process.
TOMBSTONE_SWEEP_INTERVAL = 3600
UPLOAD_ID_RE = re.compile(r"^[0-9a-f]{32}$")
PART_NAME_RE = re.compile(r"^(\d{5})\.part$")
MANIFEST = "upload.json"


class KeyDeleted(StorageError):
    """The key's object was deleted after this upload link was signed; the link stores nothing."""


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


class WrongPartLength(UploadRefused):
    """A part was sent with another length than the one its token binds."""


class InvalidPart(StorageError):
    """A part complete was given is no longer stored at its length (S3's ``InvalidPart``)."""


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
    #: When the link was signed, in milliseconds; a delete after it retires the link.
    signed_at: int = 0


@dataclass(frozen=True)
class DownloadGrant:
    """What one download token allows: a GET of ``key`` served with these headers."""

    backend: str
    key: str
    content_disposition: str
    content_type: str | None
    expires_at: int


@dataclass(frozen=True)
class PartGrant:
    """What one part token allows: exactly ``size`` bytes as part ``part_number`` of an upload."""

    backend: str
    key: str
    upload_id: str
    part_number: int
    size: int
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
        multipart=True,
        checksums=frozenset({"md5", "sha256"}),
        min_part_size=MINIMUM_UPLOAD_PART_SIZE,
        max_part_size=MAXIMUM_UPLOAD_PART_SIZE,
        max_parts=MAXIMUM_UPLOAD_PARTS_COUNT,
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
        self._last_sweep = 0.0

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
        expires_at = int(time.time()) + min(expires_in, MAXIMUM_UPLOAD_EXPIRY)
        grant: dict[str, Any] = {
            "b": self.name,
            "k": key,
            "s": max_size,
            "t": content_type,
            "e": expires_at,
            "i": time.time_ns() // 1_000_000,
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
        elif meta.get("size") == st.st_size and meta.get("etag"):
            etag, checksums = str(meta["etag"]), {}
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
        """Remove the object and leave a tombstone, so links signed before now store nothing."""
        path, meta = self.path(key), self._meta_path(key)
        self._bury(key)
        for file in (path, meta):
            with contextlib.suppress(FileNotFoundError, NotADirectoryError):
                file.unlink()
            self._prune(file.parent)
        self._sweep_tombstones()

    def receive(
        self,
        key: str,
        stream: BinaryIO,
        *,
        max_size: int,
        content_type: str,
        length: int | None,
        checksum: Checksum | None = None,
        signed_at: int = 0,
    ) -> ObjectInfo:
        """Store ``stream`` under ``key``, all or nothing, refusing to replace an object.

        Reads ``CHUNK_SIZE`` at a time into a temporary file beside the target, stops with
        :class:`UploadTooLarge` as soon as more than ``max_size`` bytes arrived, and raises
        :class:`IncompleteUpload` when fewer than ``length`` did, :class:`ChecksumMismatch` when
        the bytes do not match ``checksum``, and :class:`KeyDeleted` when the key was deleted
        after ``signed_at`` (milliseconds). Only a complete, flushed file is linked into place,
        so a broken upload never appears as an object.
        """
        path = self.path(key)
        self._refuse_if_deleted_since(key, signed_at)
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
            try:
                self._refuse_if_deleted_since(key, signed_at)  # a delete while it streamed
            except KeyDeleted:
                for file in (path, self._meta_path(key)):
                    file.unlink(missing_ok=True)
                raise
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

    # Multipart: parts staged on disk, assembled by streaming on complete.

    def start_multipart(self, *, key: str, content_type: str, acl: str) -> str:
        self.path(key)
        self.map_acl(acl)
        upload_id = secrets.token_hex(16)
        staging = self._staging(upload_id)
        staging.mkdir(parents=True)
        manifest = {"key": key, "content_type": content_type, "started": int(time.time())}
        temporary = self._temporary_file(staging)
        try:
            temporary.write_text(json.dumps(manifest))
            os.replace(temporary, staging / MANIFEST)
        finally:
            temporary.unlink(missing_ok=True)
        return upload_id

    def presign_part(
        self, *, key: str, upload_id: str, part_number: int, size: int, expires_in: int
    ) -> PartInstruction:
        """A ``PUT`` under a token binding key, upload id, part number and exact length.

        The query repeats the upload id and part number, as S3's part URLs do, for people and
        logs; the view refuses a URL whose query differs from its token.
        """
        self.path(key)
        _check_upload_id(upload_id)
        expires_at = int(time.time()) + expires_in
        grant = {
            "b": self.name,
            "k": key,
            "u": upload_id,
            "n": part_number,
            "s": size,
            "e": expires_at,
        }
        token = signing.dumps(grant, salt=PART_SALT, compress=True)
        query = urlencode({"uploadId": upload_id, "partNumber": part_number})
        return PartInstruction(
            part_number=part_number,
            url=f"{self._url('local-part', token, key)}?{query}",
            size=size,
            expires_at=datetime.fromtimestamp(expires_at, UTC),
        )

    def receive_part(self, grant: PartGrant, stream: BinaryIO, *, length: int) -> StoredPart:
        """Store the ``length`` bytes of ``stream`` as one part, all or nothing.

        Raises :class:`WrongPartLength` unless ``length`` is the grant's exact size,
        :class:`ObjectNotFound` when the upload is no longer open (completed, aborted or never
        started) and :class:`IncompleteUpload` when the body ends early. A part sent again
        replaces the one stored, as on S3.
        """
        if length != grant.size:
            raise WrongPartLength(
                f"part {grant.part_number} must be exactly {grant.size} bytes, not {length}"
            )
        staging = self._open_staging(grant.key, grant.upload_id)
        try:
            fd, name = tempfile.mkstemp(dir=staging, prefix=".", suffix=PART_SUFFIX)
        except (FileNotFoundError, NotADirectoryError):
            raise ObjectNotFound(grant.key) from None
        temporary = Path(name)
        try:
            size = 0
            with os.fdopen(fd, "wb") as out:
                while size < length:
                    chunk = stream.read(min(PART_CHUNK_SIZE, length - size))
                    if not chunk:
                        break
                    size += len(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if size != length:
                raise IncompleteUpload(f"the body ended after {size} of {length} bytes")
            target = staging / _part_name(grant.part_number)
            try:
                os.replace(temporary, target)
            except FileNotFoundError:
                raise ObjectNotFound(grant.key) from None
            return StoredPart(grant.part_number, size, _part_etag(target.stat()))
        finally:
            temporary.unlink(missing_ok=True)

    def list_parts(self, *, key: str, upload_id: str) -> list[StoredPart]:
        staging = self._open_staging(key, upload_id)
        parts: list[StoredPart] = []
        try:
            with os.scandir(staging) as entries:
                for entry in entries:
                    if match := PART_NAME_RE.match(entry.name):
                        with contextlib.suppress(FileNotFoundError):
                            st = entry.stat()
                            parts.append(StoredPart(int(match[1]), st.st_size, _part_etag(st)))
        except FileNotFoundError:
            raise ObjectNotFound(key) from None
        return sorted(parts, key=lambda part: part.part_number)

    def complete_multipart(self, *, key: str, upload_id: str, parts: Sequence[StoredPart]) -> None:
        """Stream ``parts`` in order into a temporary file, then link it to ``key``.

        The staging folder is first renamed to a claimed name, so parts arriving late and a
        second complete find the upload gone (:class:`ObjectNotFound`, which the core reads as
        "completed elsewhere"). On any failure the claim is given back and the upload stays
        open to resume.
        """
        path = self.path(key)
        staging = self._open_staging(key, upload_id)
        manifest = _read_json(staging / MANIFEST)
        claimed = staging.with_name(upload_id + CLAIM_SUFFIX)
        try:
            os.rename(staging, claimed)
        except FileNotFoundError:
            raise ObjectNotFound(key) from None
        assembled: Path | None = None
        meta_part: Path | None = None
        try:
            try:
                assembled = self._temporary_file(path.parent)
            except (FileExistsError, NotADirectoryError):
                raise ObjectExists(f"a file is stored where a folder of '{key}' would be") from None
            size = _concatenate(
                [(claimed / _part_name(p.part_number), p.size) for p in parts], assembled
            )
            etag_source = "".join(p.etag for p in parts).encode()
            etag = f"{hashlib.md5(etag_source, usedforsecurity=False).hexdigest()}-{len(parts)}"
            meta_part = self._write_meta_part(
                key, {"content_type": manifest.get("content_type"), "size": size, "etag": etag}
            )
            try:
                os.link(assembled, path)
            except FileExistsError:
                raise ObjectExists(f"an object is already stored under '{key}'") from None
            os.replace(meta_part, self._meta_path(key))
            meta_part = None
            _fsync_directory(path.parent)
        except BaseException:
            with contextlib.suppress(OSError):
                os.rename(claimed, staging)
            raise
        finally:
            for leftover in (assembled, meta_part):
                if leftover is not None:
                    leftover.unlink(missing_ok=True)
        self._discard(claimed)

    def abort_multipart(self, *, key: str, upload_id: str) -> None:
        _check_upload_id(upload_id)
        staging = self._staging(upload_id)
        for folder in (staging, staging.with_name(upload_id + CLAIM_SUFFIX)):
            if _read_json(folder / MANIFEST).get("key") in (key, None):
                self._discard(folder)

    def path(self, key: str) -> Path:
        """The file that holds ``key``; raises :class:`InvalidKey` for a key escaping the root."""
        parts = PurePosixPath(key).parts if isinstance(key, str) else ()
        if (
            not parts
            or "\x00" in key
            or "\\" in key
            or key.startswith("/")
            or any(part in {"", ".", ".."} for part in key.split("/"))
            or parts[0] in {META_DIR, MULTIPART_DIR, TOMBSTONE_DIR}
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

    def _tombstone(self, key: str) -> Path:
        return self.location / META_DIR / TOMBSTONE_DIR / hashlib.sha256(key.encode()).hexdigest()

    def _bury(self, key: str) -> None:
        """Record when ``key`` was deleted, in milliseconds."""
        tombstone = self._tombstone(key)
        tombstone.parent.mkdir(parents=True, exist_ok=True)
        tombstone.write_text(str(time.time_ns() // 1_000_000))

    def _refuse_if_deleted_since(self, key: str, signed_at: int) -> None:
        try:
            deleted_at = int(self._tombstone(key).read_text() or 0)
        except (FileNotFoundError, ValueError):
            return
        if signed_at <= deleted_at:
            raise KeyDeleted(f"'{key}' was deleted after this link was signed")

    def _sweep_tombstones(self) -> None:
        """Remove tombstones older than any upload link can live; at most once an interval."""
        now = time.time()
        if now - self._last_sweep < TOMBSTONE_SWEEP_INTERVAL:
            return
        self._last_sweep = now
        cutoff = now - MAXIMUM_UPLOAD_EXPIRY
        with (
            contextlib.suppress(FileNotFoundError),
            os.scandir(self.location / META_DIR / TOMBSTONE_DIR) as entries,
        ):
            for entry in entries:
                with contextlib.suppress(FileNotFoundError):
                    if entry.stat().st_mtime < cutoff:
                        os.unlink(entry.path)

    def _staging(self, upload_id: str) -> Path:
        return self.location / META_DIR / MULTIPART_DIR / upload_id

    def _open_staging(self, key: str, upload_id: str) -> Path:
        """The staging folder of an open upload of ``key``; :class:`ObjectNotFound` otherwise."""
        _check_upload_id(upload_id)
        staging = self._staging(upload_id)
        if _read_json(staging / MANIFEST).get("key") != key:
            raise ObjectNotFound(key)
        return staging

    def _discard(self, folder: Path) -> None:
        """Remove a staging folder: renamed away first, so nothing writes into it meanwhile."""
        trash = folder.with_name(f".trash-{secrets.token_hex(8)}")
        try:
            os.rename(folder, trash)
        except FileNotFoundError:
            return
        shutil.rmtree(trash, ignore_errors=True)

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
    return UploadGrant(
        data["b"],
        data["k"],
        int(data["s"]),
        data["t"],
        int(data["e"]),
        checksum,
        int(data.get("i", 0)),
    )


def load_part_grant(token: str) -> PartGrant:
    """The grant a token carries; raises ``signing.BadSignature`` (or :class:`TokenExpired`)."""
    data = _load(token, PART_SALT)
    return PartGrant(
        data["b"], data["k"], data["u"], int(data["n"]), int(data["s"]), int(data["e"])
    )


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


def _check_upload_id(upload_id: str) -> None:
    if not isinstance(upload_id, str) or not UPLOAD_ID_RE.match(upload_id):
        raise ObjectNotFound(f"no multipart upload has the id '{upload_id}'")


def _part_name(part_number: int) -> str:
    return f"{part_number:05d}.part"


def _part_etag(st: os.stat_result) -> str:
    """Changes whenever the part is replaced: every part is a new file, renamed into place."""
    return f"{st.st_ino:x}{st.st_mtime_ns:x}-{st.st_size:x}"


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _concatenate(sources: Sequence[tuple[Path, int]], target: Path) -> int:
    """Append each source file, which must hold exactly its size, to ``target``; flushed to disk.

    Streams (``copy_file_range`` where the OS has it, else ``PART_CHUNK_SIZE`` at a time), so no
    part is ever held in memory whole. Returns the bytes written.
    """
    total = 0
    with target.open("wb", buffering=0) as out:
        for source, size in sources:
            try:
                src = source.open("rb", buffering=0)
            except FileNotFoundError:
                raise InvalidPart(f"part {source.name} is no longer stored") from None
            with src:
                if os.fstat(src.fileno()).st_size != size:
                    raise InvalidPart(f"part {source.name} is not {size} bytes any more")
                _copy(src, out, size)
            total += size
        os.fsync(out.fileno())
    return total


def _copy(src: BinaryIO, out: BinaryIO, size: int) -> None:
    left = size
    if hasattr(os, "copy_file_range"):
        try:
            while left:
                copied = os.copy_file_range(src.fileno(), out.fileno(), left)
                if not copied:
                    break
                left -= copied
        except OSError as exc:
            if exc.errno not in {errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP}:
                raise
    buffer = memoryview(bytearray(min(PART_CHUNK_SIZE, left))) if left else None
    while left:
        read = src.readinto(buffer[: min(len(buffer), left)])
        if not read:
            raise InvalidPart(f"a part ended {left} bytes early")
        view = buffer[:read]
        while view:
            view = view[os.write(out.fileno(), view) :]
        left -= read


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _fsync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
