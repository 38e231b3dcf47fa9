"""The contract every storage backend implements, and the small value types it speaks in.

A backend signs, stats and deletes; it never sees a request, a user or a database row. Views
talk to backends only through this module, so nothing above a backend imports a cloud SDK, and
a third-party backend needs nothing but this file to be complete.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fnmatch import fnmatchcase
from typing import Any, BinaryIO, ClassVar, Literal

from .errors import AclNotSupported

PRIVATE = "private"
PUBLIC_READ = "public-read"
PUBLIC_READ_WRITE = "public-read-write"
AUTHENTICATED_READ = "authenticated-read"
ACLS = (PRIVATE, PUBLIC_READ, PUBLIC_READ_WRITE, AUTHENTICATED_READ)

#: Multipart part rules: S3's, which GCS's XML API shares, and the :class:`Capabilities`
#: defaults. A backend whose cloud has other rules names its own constants and declares them.
MINIMUM_UPLOAD_PART_SIZE = 5 * 1024 * 1024
MAXIMUM_UPLOAD_PART_SIZE = 5 * 1024 * 1024 * 1024
MAXIMUM_UPLOAD_PARTS_COUNT = 10_000

Disposition = Literal["attachment", "inline"]
Outcome = Literal["pass", "fail", "skip"]


def expires_at(seconds: int) -> datetime:
    """When a URL signed now for ``seconds`` runs out, to the second, for ``expires_at``."""
    return datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=seconds)


@dataclass(frozen=True)
class UploadInstruction:
    """What the browser does to send the bytes: the same shape on every cloud.

    ``POST`` means a multipart form with ``fields`` first and the file last; ``PUT`` means the
    raw body with ``headers``.
    """

    method: Literal["POST", "PUT"]
    url: str
    expires_at: datetime
    fields: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "url": self.url,
            "fields": dict(self.fields),
            "headers": dict(self.headers),
            "expires_at": self.expires_at.isoformat().replace("+00:00", "Z"),
        }


def origin_allowed(origin: str, patterns: Iterable[str]) -> bool:
    """Whether a CORS rule listing ``patterns`` admits ``origin``: ``*`` admits every origin,
    a ``*`` inside a pattern (S3's ``https://*.example.com``) any text; case-insensitive."""
    origin = origin.strip().lower()
    return any(fnmatchcase(origin, p.strip().lower()) for p in patterns if p.strip())


@dataclass(frozen=True)
class Diagnosis:
    """One result of ``manage.py check_storage``: what was checked, how it went, the fix.

    ``blocking``: while it fails, the checks that need working storage (the signed upload and
    download round trip) are skipped instead of failing again for the same reason.
    """

    check: str
    outcome: Outcome
    detail: str = ""
    fix: str = ""
    blocking: bool = False

    @property
    def failed(self) -> bool:
        return self.outcome == "fail"


@dataclass(frozen=True)
class ObjectInfo:
    """What storage says it holds under a key; ``checksums`` maps ``md5``/``sha256`` to base64."""

    key: str
    size: int
    content_type: str | None = None
    etag: str | None = None
    checksums: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do, declared up front so views never discover it by an exception.

    ``enforces_size_limit``/``enforces_content_type``: the storage itself refuses an upload that
    breaks the signed limit or type (the complete step checks again either way). ``cors``: the
    backend implements :meth:`StorageBackend.configure_cors`. ``multipart``: it implements the
    multipart family, within its cloud's part rules. ``checksums``: the algorithms (``md5``,
    ``sha256``) whose checksum the backend signs into an upload and reports on :meth:`stat`;
    a client checksum in any other algorithm is refused at create. ``server_side_io``: it
    implements :meth:`StorageBackend.open_read` and :meth:`StorageBackend.store`, so the
    server can read stored bytes (hooks that scan, analyse or convert) and store files it makes.
    """

    enforces_size_limit: bool = False
    enforces_content_type: bool = False
    multipart: bool = False
    cors: bool = False
    acls: frozenset[str] = frozenset({PRIVATE})
    checksums: frozenset[str] = frozenset()
    server_side_io: bool = False
    #: The algorithm (``sha256``) of the checksum the backend signs into each multipart part and
    #: reports on :meth:`StorageBackend.list_parts`; empty when parts carry none.
    part_checksum: str = ""
    #: Smallest part but the last, largest part, most parts (S3's rules by default).
    min_part_size: int = MINIMUM_UPLOAD_PART_SIZE
    max_part_size: int = MAXIMUM_UPLOAD_PART_SIZE
    max_parts: int = MAXIMUM_UPLOAD_PARTS_COUNT


@dataclass(frozen=True)
class Checksum:
    """A checksum the client declared: ``algorithm`` is ``md5`` or ``sha256``, ``value`` base64."""

    algorithm: Literal["md5", "sha256"]
    value: str


@dataclass(frozen=True)
class UploadSpec:
    """What one signed upload may store: the contract's words for it, in one value, so a
    backend reads them from one place and the contract can grow without every signature.

    ``max_size`` is the most the upload may hold; ``size``, when the client declared it, the
    exact size it must hold. ``checksum`` is only ever in an algorithm the backend lists in
    ``capabilities.checksums``.
    """

    key: str
    max_size: int
    content_type: str
    acl: str
    expires_in: int
    checksum: Checksum | None = None
    size: int | None = None


@dataclass(frozen=True)
class NewObject:
    """An object the server itself stores (:meth:`StorageBackend.write`): where, of which
    type, under which ACL, and its size when known."""

    key: str
    content_type: str
    size: int | None = None
    acl: str = PRIVATE


@dataclass(frozen=True)
class PartSpec:
    """One part to sign: its upload, number, exact size and, when the client declared one,
    its checksum (in the backend's ``capabilities.part_checksum``)."""

    key: str
    upload_id: str
    part_number: int
    size: int
    expires_in: int
    checksum: Checksum | None = None


@dataclass(frozen=True)
class PartInstruction:
    """One signed part upload: a ``PUT`` of exactly ``size`` bytes of the file."""

    part_number: int
    url: str
    size: int
    expires_at: datetime
    headers: Mapping[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "part_number": self.part_number,
            "method": "PUT",
            "url": self.url,
            "size": self.size,
            "headers": dict(self.headers),
            "expires_at": self.expires_at.isoformat().replace("+00:00", "Z"),
        }


@dataclass(frozen=True)
class StoredPart:
    """A part storage holds for an unfinished multipart upload."""

    part_number: int
    size: int
    etag: str = ""
    #: Base64, in ``capabilities.part_checksum``, as storage reports it; empty when it does not.
    checksum: str = ""


class StorageBackend(abc.ABC):
    """One storage service. Built once per named configuration and shared by every request.

    Subclasses take their options as keyword arguments, translate their SDK's errors into
    :mod:`s3_file_uploads.errors` at the boundary, and must be safe to use from many threads.
    """

    #: Capabilities of every instance of this backend; an instance may narrow them.
    capabilities: ClassVar[Capabilities] = Capabilities()

    def __init__(self, *, name: str = "") -> None:
        self.name = name

    @classmethod
    def settings_defaults(cls, django_settings: Any) -> dict[str, Any]:
        """Options read from flat Django settings (django-storages' names), overridden by
        the named configuration's ``OPTIONS``."""
        return {}

    def check(self) -> list[Any]:
        """Django system check messages about this configuration (warnings, mostly)."""
        return []

    def presign_upload(
        self, upload: UploadSpec | None = None, /, **fields: Any
    ) -> UploadInstruction:
        """Sign one upload: an :class:`UploadSpec`, or its fields as keywords
        (``key=..., max_size=..., content_type=..., acl=..., expires_in=...``)."""
        return self.sign_upload(upload if upload is not None else UploadSpec(**fields))

    @abc.abstractmethod
    def sign_upload(self, upload: UploadSpec) -> UploadInstruction:
        """Sign one upload of at most ``upload.max_size`` bytes of its type to its key.

        Sign the checksum, when there is one, so that storage refuses other bytes where the
        cloud can.
        """

    @abc.abstractmethod
    def presign_download(
        self,
        *,
        key: str,
        content_disposition: str,
        content_type: str | None,
        expires_in: int,
    ) -> str:
        """Sign a GET of ``key`` served with the given ``Content-Disposition`` header value."""

    @abc.abstractmethod
    def stat(self, key: str) -> ObjectInfo:
        """Describe the stored object; raise :class:`~s3_file_uploads.errors.ObjectNotFound`."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Delete the object; deleting a missing object is not an error."""

    def configure_cors(
        self, origins: Sequence[str], *, replace: bool = False
    ) -> list[dict[str, Any]]:
        """Let browsers upload from ``origins``; return every CORS rule now in effect.

        Merge by default: rules already there stay, an origin a rule already admits for
        uploads is left alone, so a second run changes nothing. ``replace`` sets exactly the
        one upload rule instead, dropping every other. Only called when ``capabilities.cors``.
        """
        raise NotImplementedError

    def describe(self) -> str:
        """Where this backend keeps objects, in words for messages and logs: "S3 bucket 'x'"."""
        return f"the '{self.name}' storage"

    def diagnose(self, *, origins: Sequence[str]) -> Iterator[Diagnosis]:
        """Probe storage for ``manage.py check_storage``: credentials, bucket, CORS rules.

        Yields nothing by default: the command itself checks, for every backend, a signed
        upload and download round trip through the verbs of this contract. Never raises: a
        problem is a ``fail`` :class:`Diagnosis` that says how to fix it.
        """
        return iter(())

    # The multipart family: only called when ``capabilities.multipart`` is true. The server
    # addresses every call by key and the backend's upload id; clients never send either.

    def start_multipart(self, *, key: str, content_type: str, acl: str) -> str:
        """Begin a multipart upload of ``key``; return the backend's upload id."""
        raise NotImplementedError

    def presign_part(self, part: PartSpec | None = None, /, **fields: Any) -> PartInstruction:
        """Sign one part: a :class:`PartSpec`, or its fields as keywords
        (``key=..., upload_id=..., part_number=..., size=..., expires_in=...``)."""
        return self.sign_part(part if part is not None else PartSpec(**fields))

    def sign_part(self, part: PartSpec) -> PartInstruction:
        """Sign the ``PUT`` of one part of exactly ``part.size`` bytes (signed where the cloud
        can), and of exactly the bytes of ``part.checksum`` (in ``capabilities.part_checksum``)
        when there is one."""
        raise NotImplementedError

    def list_parts(self, *, key: str, upload_id: str) -> list[StoredPart]:
        """The parts stored so far, by part number (for resume and for complete)."""
        raise NotImplementedError

    def complete_multipart(self, *, key: str, upload_id: str, parts: Sequence[StoredPart]) -> None:
        """Assemble ``parts`` (as ``list_parts`` gave them) into the object at ``key``."""
        raise NotImplementedError

    def abort_multipart(self, *, key: str, upload_id: str) -> None:
        """Discard an unfinished multipart upload and its parts; a gone upload is not an error."""
        raise NotImplementedError

    # Server-side access: only called when ``capabilities.server_side_io`` is true. Both stream:
    # neither holds a whole object in memory, whatever its size.

    def open_read(self, key: str, *, start: int = 0, end: int | None = None) -> BinaryIO:
        """A readable stream of the object's bytes ``start`` to ``end`` (inclusive; to the end
        of the object when ``None``), fetched as the caller reads. The caller closes it.

        Raises :class:`~s3_file_uploads.errors.ObjectNotFound`; a ``start`` past the end of the
        object gives an empty stream.
        """
        raise NotImplementedError

    def write(
        self,
        key: str,
        stream: BinaryIO,
        *,
        content_type: str,
        size: int | None = None,
        acl: str = PRIVATE,
    ) -> ObjectInfo:
        """Store what ``stream`` yields under ``key``, read in chunks; return what was stored."""
        return self.store(NewObject(key=key, content_type=content_type, size=size, acl=acl), stream)

    def store(self, target: NewObject, stream: BinaryIO) -> ObjectInfo:
        """Store what ``stream`` yields as ``target``, read in chunks; return what was stored.

        ``target.size``, when known, lets the backend choose one request or several. Never
        replaces an existing object where the cloud can refuse it: raises
        :class:`~s3_file_uploads.errors.ObjectExists` then.
        """
        raise NotImplementedError

    def map_acl(self, acl: str) -> str | None:
        """Translate one of :data:`ACLS` to this backend's term, or ``None`` for "no ACL to sign".

        Raises :class:`~s3_file_uploads.errors.AclNotSupported` with the reason when the backend
        cannot honour it.
        """
        if acl not in self.capabilities.acls:
            raise AclNotSupported(
                f"the {self.name or type(self).__name__} backend cannot honour the "
                f"'{acl}' ACL; it supports: {', '.join(sorted(self.capabilities.acls))}"
            )
        return acl
