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

This module keeps the storage contract and the layout of the storage root. The signed tokens
are :mod:`.grants`, the file-system steps :mod:`.files`, the record of deletes :mod:`.tombstones`.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import re
import secrets
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO
from urllib.parse import urlencode

from django.core import checks
from django.urls import NoReverseMatch, reverse

from s3_file_uploads.contract import (
    Capabilities,
    Checksum,
    NewObject,
    ObjectInfo,
    PartInstruction,
    PartSpec,
    StoredPart,
)
from s3_file_uploads.errors import BackendConfigurationError, ObjectNotFound
from s3_file_uploads.sized_source import sized_source
from s3_file_uploads.streams import byte_range

from .errors import (
    ChecksumMismatch,
    IncompleteUpload,
    InvalidKey,
    InvalidPart,
    KeyDeleted,
    ObjectExists,
    UploadTooLarge,
    WrongPartLength,
)
from .files import (
    CHUNK_SIZE,
    PART_CHUNK_SIZE,
    concatenate,
    discard,
    open_temporary,
    prune_empty,
    publish,
    read_json,
    temporary_file,
    write_json,
)
from .grants import (
    LOCAL,
    DownloadGrant,
    PartGrant,
    TokenExpired,
    UploadGrant,
    load_download_grant,
    load_part_grant,
    load_upload_grant,
)
from .links import URL_NAMESPACE, SignedLinkBackend
from .tombstones import Tombstones

# LocalBackend, and the names that stay importable from here now that grants, files and errors
# have modules of their own.
__all__ = [
    "CHUNK_SIZE",
    "ChecksumMismatch",
    "DownloadGrant",
    "IncompleteUpload",
    "InvalidKey",
    "InvalidPart",
    "KeyDeleted",
    "LocalBackend",
    "ObjectExists",
    "PartGrant",
    "TokenExpired",
    "UploadGrant",
    "UploadTooLarge",
    "WrongPartLength",
    "load_download_grant",
    "load_part_grant",
    "load_upload_grant",
]

#: Where sidecars live, inside the storage root; no key may start with it.
META_DIR = ".s3fu-meta"
#: Where unfinished multipart uploads stage their parts, inside META_DIR; no key may start with it.
MULTIPART_DIR = ".s3fu-multipart"
#: Suffix of a staging folder a complete has claimed, so parts and other completes stay out.
CLAIM_SUFFIX = ".completing"
#: Largest file a server-side write of unknown size may store (S3's largest object).
MAXIMUM_SERVER_WRITE = 5 * 1024**4
#: Where deleted keys leave a tombstone, inside META_DIR: an upload link signed before the
#: delete then stores nothing, so no object appears that no row tracks.
TOMBSTONE_DIR = ".s3fu-deleted"
#: Longest life of an upload link, and so of a tombstone: S3's and GCS's 7-day ceiling.
MAXIMUM_UPLOAD_EXPIRY = 7 * 24 * 3600
UPLOAD_ID_RE = re.compile(r"^[0-9a-f]{32}$")
PART_NAME_RE = re.compile(r"^(\d{5})\.part$")
MANIFEST = "upload.json"


class LocalBackend(SignedLinkBackend):
    """Stores objects as files under ``location``; uploads and downloads go through Django.

    ``base_url`` is empty by default, so instruction and download URLs are root-relative paths
    that a same-origin browser uses as they are; set it to an origin (``https://app.example``)
    when other clients need absolute URLs.
    """

    # The part rules are the contract's defaults, S3's, so clients and the core plan parts as
    # they do on S3.
    capabilities = Capabilities(
        enforces_size_limit=True,
        enforces_content_type=True,
        multipart=True,
        checksums=frozenset({"md5", "sha256"}),
        server_side_io=True,
        part_checksum="sha256",
    )
    link_scope = LOCAL
    max_upload_expiry = MAXIMUM_UPLOAD_EXPIRY

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
        self._tombstones = Tombstones(
            self.location / META_DIR / TOMBSTONE_DIR, keep_for=MAXIMUM_UPLOAD_EXPIRY
        )

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

    def stat(self, key: str) -> ObjectInfo:
        path = self.path(key)
        try:
            st = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            raise ObjectNotFound(key) from None
        if not path.is_file():
            raise ObjectNotFound(key)
        meta = read_json(self._meta_path(key))
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
        self._tombstones.bury(key)
        for file in (path, meta):
            with contextlib.suppress(FileNotFoundError, NotADirectoryError):
                file.unlink()
            prune_empty(file.parent, root=self.location, keep={self.location / META_DIR})
        self._tombstones.sweep()

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
        after ``signed_at`` (nanoseconds). Only a complete, flushed file is linked into place,
        so a broken upload never appears as an object.
        """
        path = self.path(key)
        self._tombstones.refuse_if_deleted_since(key, signed_at)
        if path.exists():
            raise ObjectExists(f"an object is already stored under '{key}'")
        temporary = self._temporary_beside(path, key)
        try:
            digest, sha256, size = hashlib.md5(usedforsecurity=False), hashlib.sha256(), 0
            with temporary.open("wb") as out:
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
            meta = {"content_type": content_type, "size": size, **checksums}
            if not publish(temporary, path, sidecar=self._meta_path(key), meta=meta):
                raise ObjectExists(f"an object is already stored under '{key}'")
            try:
                self._tombstones.refuse_if_deleted_since(key, signed_at)  # deleted meanwhile
            except KeyDeleted:
                for file in (path, self._meta_path(key)):
                    file.unlink(missing_ok=True)
                raise
        finally:
            temporary.unlink(missing_ok=True)
        return ObjectInfo(
            key=key,
            size=size,
            content_type=content_type,
            etag=digest.hexdigest(),
            checksums=checksums,
        )

    # Server-side access: a file handle for reads, the upload path for writes.

    def open_read(self, key: str, *, start: int = 0, end: int | None = None) -> BinaryIO:
        try:
            file = self.path(key).open("rb")
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise ObjectNotFound(key) from None
        return byte_range(file, start, end)

    def store(self, target: NewObject, stream: BinaryIO) -> ObjectInfo:
        """Stream ``stream`` into place like an upload: create-only, all or nothing."""
        self.map_acl(target.acl)
        size = target.size
        limit = size if size is not None else MAXIMUM_SERVER_WRITE
        # Held to its declared size as the clouds' writes are: UploadRefused, nothing stored.
        source = sized_source(stream, size)
        return self.receive(
            target.key, source, max_size=limit, content_type=target.content_type, length=size
        )

    # Multipart: parts staged on disk, assembled by streaming on complete.

    def start_multipart(self, *, key: str, content_type: str, acl: str) -> str:
        self._check_key(key)
        self.map_acl(acl)
        upload_id = secrets.token_hex(16)
        staging = self._staging(upload_id)
        staging.mkdir(parents=True)
        manifest = {"key": key, "content_type": content_type, "started": int(time.time())}
        write_json(staging / MANIFEST, manifest)
        return upload_id

    def sign_part(self, part: PartSpec) -> PartInstruction:
        """A ``PUT`` under a token binding key, upload id, part number, exact length and, when
        declared, the part's SHA-256.

        The query repeats the upload id and part number, as S3's part URLs do, for people and
        logs; the view refuses a URL whose query differs from its token.
        """
        self._check_key(part.key)
        _check_upload_id(part.upload_id)
        grant = PartGrant(
            backend=self.name,
            key=part.key,
            upload_id=part.upload_id,
            part_number=part.part_number,
            size=part.size,
            expires_at=int(time.time()) + part.expires_in,
            checksum=part.checksum.value if part.checksum else "",
        )
        query = urlencode({"uploadId": part.upload_id, "partNumber": part.part_number})
        return PartInstruction(
            part_number=part.part_number,
            url=f"{self.link(grant)}?{query}",
            size=part.size,
            expires_at=datetime.fromtimestamp(grant.expires_at, UTC),
        )

    def receive_part(self, grant: PartGrant, stream: BinaryIO, *, length: int) -> StoredPart:
        """Store the ``length`` bytes of ``stream`` as one part, all or nothing.

        Raises :class:`WrongPartLength` unless ``length`` is the grant's exact size,
        :class:`ObjectNotFound` when the upload is no longer open (completed, aborted or never
        started), :class:`IncompleteUpload` when the body ends early and
        :class:`ChecksumMismatch` when its bytes are not the SHA-256 the grant names. A part
        sent again replaces the one stored, as on S3. Its SHA-256 is kept beside it.
        """
        if length != grant.size:
            raise WrongPartLength(
                f"part {grant.part_number} must be exactly {grant.size} bytes, not {length}"
            )
        staging = self._open_staging(grant.key, grant.upload_id)
        try:
            temporary, out = open_temporary(staging)
        except (FileNotFoundError, NotADirectoryError):
            raise ObjectNotFound(grant.key) from None
        try:
            size, sha256 = 0, hashlib.sha256()
            with out:
                while size < length:
                    chunk = stream.read(min(PART_CHUNK_SIZE, length - size))
                    if not chunk:
                        break
                    size += len(chunk)
                    sha256.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if size != length:
                raise IncompleteUpload(f"the body ended after {size} of {length} bytes")
            checksum = base64.b64encode(sha256.digest()).decode()
            if grant.checksum and checksum != grant.checksum:
                raise ChecksumMismatch(
                    f"part {grant.part_number}'s sha256 checksum is {checksum}, not the "
                    f"declared {grant.checksum}"
                )
            target = staging / _part_name(grant.part_number)
            try:
                _checksum_path(target).write_text(checksum)
                os.replace(temporary, target)
            except FileNotFoundError:
                raise ObjectNotFound(grant.key) from None
            return StoredPart(grant.part_number, size, _part_etag(target.stat()), checksum)
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
                            checksum = _stored_checksum(Path(entry.path))
                            parts.append(
                                StoredPart(int(match[1]), st.st_size, _part_etag(st), checksum)
                            )
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
        manifest = read_json(staging / MANIFEST)
        claimed = staging.with_name(upload_id + CLAIM_SUFFIX)
        try:
            os.rename(staging, claimed)
        except FileNotFoundError:
            raise ObjectNotFound(key) from None
        assembled: Path | None = None
        try:
            assembled = self._temporary_beside(path, key)
            size = concatenate(
                [(claimed / _part_name(p.part_number), p.size) for p in parts], assembled
            )
            etag_source = "".join(p.etag for p in parts).encode()
            etag = f"{hashlib.md5(etag_source, usedforsecurity=False).hexdigest()}-{len(parts)}"
            meta = {"content_type": manifest.get("content_type"), "size": size, "etag": etag}
            if not publish(assembled, path, sidecar=self._meta_path(key), meta=meta):
                raise ObjectExists(f"an object is already stored under '{key}'")
        except BaseException:
            with contextlib.suppress(OSError):
                os.rename(claimed, staging)
            raise
        finally:
            if assembled is not None:
                assembled.unlink(missing_ok=True)
        discard(claimed)

    def abort_multipart(self, *, key: str, upload_id: str) -> None:
        _check_upload_id(upload_id)
        staging = self._staging(upload_id)
        for folder in (staging, staging.with_name(upload_id + CLAIM_SUFFIX)):
            if read_json(folder / MANIFEST).get("key") in (key, None):
                discard(folder)

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

    def _check_key(self, key: str) -> None:
        """Raise :class:`InvalidKey` unless ``key`` names a file inside the storage root."""
        self.path(key)

    def _temporary_beside(self, path: Path, key: str) -> Path:
        """A temporary file in the folder of ``key``'s file, to fill and then publish."""
        try:
            return temporary_file(path.parent)
        except (FileExistsError, NotADirectoryError):
            raise ObjectExists(f"an object is stored where a folder of '{key}' would be") from None

    def _meta_path(self, key: str) -> Path:
        return self.location / META_DIR / f"{key}.json"

    def _staging(self, upload_id: str) -> Path:
        return self.location / META_DIR / MULTIPART_DIR / upload_id

    def _open_staging(self, key: str, upload_id: str) -> Path:
        """The staging folder of an open upload of ``key``; :class:`ObjectNotFound` otherwise."""
        _check_upload_id(upload_id)
        staging = self._staging(upload_id)
        if read_json(staging / MANIFEST).get("key") != key:
            raise ObjectNotFound(key)
        return staging


def _check_upload_id(upload_id: str) -> None:
    if not isinstance(upload_id, str) or not UPLOAD_ID_RE.match(upload_id):
        raise ObjectNotFound(f"no multipart upload has the id '{upload_id}'")


def _part_name(part_number: int) -> str:
    return f"{part_number:05d}.part"


def _checksum_path(part: Path) -> Path:
    """Where a part's SHA-256 is kept: beside it, written before the part is moved into place."""
    return part.with_name(part.name + ".sha256")


def _stored_checksum(part: Path) -> str:
    try:
        return _checksum_path(part).read_text()
    except FileNotFoundError:
        return ""


def _part_etag(st: os.stat_result) -> str:
    """Changes whenever the part is replaced: every part is a new file, renamed into place."""
    return f"{st.st_ino:x}{st.st_mtime_ns:x}-{st.st_size:x}"
