"""Multipart uploads: plan the parts, sign them in batches, and assemble them on complete.

The row remembers the backend's upload id, the declared size and the part size, so every part's
exact length is the server's to compute; the client only ever names part numbers. Where the
backend signs part checksums, the client declares each part's checksum as it asks for its
signature: the server keeps it (:class:`~.models.DeclaredPart`), signs it into the part, and on
complete holds every stored part to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import part_checksums
from .conf import app_setting
from .contract import Capabilities, Checksum, PartInstruction, StoredPart
from .errors import ObjectNotFound, UploadRefused
from .models import UploadedFile
from .profiles import get_profile

#: Most parts signed by one request, so one request never signs thousands of URLs.
MAX_PARTS_PER_BATCH = 100
#: Ends the row's ``checksum_algorithm`` of a multipart object's checksum of its parts'
#: checksums: ``sha256-composite``, ``md5-composite``.
COMPOSITE = "-composite"


class PartsMissing(Exception):
    """Some parts are not stored (or not at their exact length): the upload stays resumable."""

    def __init__(self, missing: list[int], wrong_size: list[int]) -> None:
        super().__init__(missing, wrong_size)
        self.missing, self.wrong_size = missing, wrong_size


def wants_multipart(
    size: int | None, asked: bool | None, capabilities: Capabilities, threshold: int
) -> bool:
    """Multipart when the client asks, or when the declared size passes the profile's
    ``threshold``."""
    if asked is not None:
        return asked
    return bool(capabilities.multipart and size and size > threshold)


def plan_part_size(size: int, capabilities: Capabilities) -> int:
    """The configured part size, raised to the cloud's minimum and to fit its part-count limit."""
    fit = -(-size // capabilities.max_parts)
    part_size = max(app_setting("MULTIPART_PART_SIZE"), capabilities.min_part_size, fit)
    if part_size > capabilities.max_part_size:
        raise UploadRefused(f"A file of {size} bytes is larger than this storage can hold.")
    return part_size


def part_checksum_algorithm(upload: UploadedFile) -> str:
    """The algorithm the client hashes each part in (``sha256``), or empty: no part checksums."""
    return upload.storage.capabilities.part_checksum


def sign_parts(
    upload: UploadedFile, part_numbers: list[int], checksums: Mapping[int, str] | None = None
) -> list[PartInstruction]:
    """Sign ``part_numbers``; a part in ``checksums`` is recorded and signed with its checksum
    (only where the backend signs part checksums: elsewhere they are not asked for)."""
    storage = upload.storage
    algorithm = part_checksum_algorithm(upload)
    checksums = dict(checksums or {}) if algorithm else {}
    if checksums:
        part_checksums.record(upload, checksums)
    # The profile's expiry, as create signed the upload with; a profile since removed: default's.
    expires_in = (get_profile(upload.profile) or get_profile(None)).upload_expiry
    key = upload.get_file_key()
    signed = []
    for number in part_numbers:
        part: dict[str, Any] = {
            "key": key,
            "upload_id": upload.multipart_upload_id,
            "part_number": number,
            "size": upload.part_length(number),
            "expires_in": expires_in,
        }
        if number in checksums:  # backends that sign none keep their keyword signature
            part["checksum"] = Checksum(algorithm, checksums[number])
        signed.append(storage.presign_part(**part))
    return signed


def stored_parts(upload: UploadedFile) -> list[StoredPart]:
    return upload.storage.list_parts(
        key=upload.get_file_key(), upload_id=upload.multipart_upload_id
    )


def assemble(upload: UploadedFile) -> str:
    """Commit the stored parts into the object, or raise PartsMissing and change nothing.

    Every part with a declared checksum is held to it (:mod:`.part_checksums`): UploadRefused
    when one is not, before assembly (the parts are discarded) or after it (the caller deletes
    the object). Returns the object's composite checksum when every part has one, else empty.
    """
    storage = upload.storage
    try:
        parts = {p.part_number: p for p in stored_parts(upload)}
    except ObjectNotFound:
        return ""  # already assembled by an earlier or concurrent complete; stat will tell
    expected = range(1, upload.part_count + 1)
    missing = [n for n in expected if n not in parts]
    wrong_size = [n for n in expected if n in parts and parts[n].size != upload.part_length(n)]
    if missing or wrong_size:
        raise PartsMissing(missing, wrong_size)
    ordered = [parts[n] for n in expected]
    algorithm = part_checksum_algorithm(upload)
    claims = part_checksums.declared(upload) if algorithm else {}
    try:
        unseen = part_checksums.hold_listed(upload, ordered, claims)
    except UploadRefused:
        storage.abort_multipart(key=upload.get_file_key(), upload_id=upload.multipart_upload_id)
        raise
    try:
        storage.complete_multipart(
            key=upload.get_file_key(), upload_id=upload.multipart_upload_id, parts=ordered
        )
    except ObjectNotFound:
        return ""  # a concurrent complete got there first
    if unseen:
        if not storage.capabilities.server_side_io:
            return ""  # nothing can tell which bytes these parts hold
        part_checksums.hold_read_back(upload, unseen, claims)
    if claims:  # held: the object's composite checksum stands for them
        part_checksums.forget(upload)
    checksums = [p.checksum or claims.get(p.part_number, "") for p in ordered]
    return part_checksums.composite(algorithm, checksums) if algorithm and all(checksums) else ""


def plan_data(upload: UploadedFile, request: Any, urls: dict[str, str]) -> dict[str, Any]:
    return {
        "part_size": upload.part_size,
        "part_count": upload.part_count,
        "max_parts_per_request": MAX_PARTS_PER_BATCH,
        "concurrency": app_setting("MULTIPART_CONCURRENCY"),
        "part_checksum": part_checksum_algorithm(upload) or None,
        **{name: request.build_absolute_uri(url) for name, url in urls.items()},
    }
