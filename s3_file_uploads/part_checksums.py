"""Multipart integrity: each part is held to the checksum its client declared for it, in the
backend's ``capabilities.part_checksum`` (``sha256`` or ``md5``).

The declared checksums are kept on the server (:class:`~.models.DeclaredPart`) as well as
signed into each part, because not every store enforces what is signed: real S3 refuses a part
of other bytes, S3-compatible stores and test servers may store it and list no checksum at all.
Complete compares what storage lists with what was declared, and where storage lists nothing
reads those parts back from the assembled object, so the promise holds on every backend.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Mapping, Sequence

from .contract import StoredPart
from .errors import UploadRefused
from .models import DeclaredPart, UploadedFile

logger = logging.getLogger(__name__)

#: How much of a part is read back (and held in memory) at a time.
READ_CHUNK_SIZE = 1024 * 1024


class PartNotDeclared(UploadRefused):
    """A stored part is not the bytes its client declared: the upload is refused."""

    def __init__(self, upload: UploadedFile, part_number: int, found: str, declared: str) -> None:
        algorithm = upload.storage.capabilities.part_checksum
        super().__init__(
            f"Part {part_number} stored is not the bytes declared for it: its {algorithm} "
            f"checksum is {found or 'not reported by storage'}, but {declared} was declared. "
            "Upload the file again."
        )
        logger.warning(
            "Upload %s (backend %s, key %s, upload id %s): part %s is not the declared bytes",
            upload.pk,
            upload.backend,
            upload.get_file_key(),
            upload.multipart_upload_id,
            part_number,
        )


def record(upload: UploadedFile, checksums: Mapping[int, str]) -> None:
    """Keep the declared checksums, in one statement, so batches signed at once never lose
    each other's; a part declared again (the file was chosen again) takes its new checksum."""
    DeclaredPart.objects.bulk_create(
        [DeclaredPart(upload=upload, part_number=n, checksum=c) for n, c in checksums.items()],
        update_conflicts=True,
        unique_fields=["upload", "part_number"],
        update_fields=["checksum"],
    )


def forget(upload: UploadedFile) -> None:
    DeclaredPart.objects.filter(upload=upload).delete()


def declared(upload: UploadedFile) -> dict[int, str]:
    return dict(DeclaredPart.objects.filter(upload=upload).values_list("part_number", "checksum"))


def hold_listed(
    upload: UploadedFile, parts: Sequence[StoredPart], claims: Mapping[int, str]
) -> list[int]:
    """Raise PartNotDeclared for a listed checksum that is not the declared one; return the
    declared parts storage listed no checksum for, to be read back once assembled."""
    unseen = []
    for part in parts:
        if part.part_number not in claims:
            continue
        if not part.checksum:
            unseen.append(part.part_number)
        elif part.checksum != claims[part.part_number]:
            raise PartNotDeclared(upload, part.part_number, part.checksum, claims[part.part_number])
    return unseen


def hold_read_back(upload: UploadedFile, numbers: Sequence[int], claims: Mapping[int, str]) -> None:
    """Hash parts ``numbers`` of the assembled object as storage returns them, in one streamed
    read from the first to the last (a chunk at a time); raise PartNotDeclared at the first
    that is not its declared bytes."""
    storage, key = upload.storage, upload.get_file_key()
    algorithm = storage.capabilities.part_checksum
    first, last = min(numbers), max(numbers)
    start = (first - 1) * upload.part_size
    end = (last - 1) * upload.part_size + upload.part_length(last) - 1
    with storage.open_read(key, start=start, end=end) as stream:
        for number in range(first, last + 1):
            digest, left = hashlib.new(algorithm, usedforsecurity=False), upload.part_length(number)
            while left and (chunk := stream.read(min(READ_CHUNK_SIZE, left))):
                digest.update(chunk)
                left -= len(chunk)
            found = base64.b64encode(digest.digest()).decode()
            if number in numbers and found != claims[number]:
                raise PartNotDeclared(upload, number, found, claims[number])


def composite(algorithm: str, checksums: Sequence[str]) -> str:
    """The checksum of the part checksums, ``<base64>-<count>``: S3's composite checksum of a
    multipart object (with MD5, its multipart ETag's formula), which any backend can give its
    object from its checked parts."""
    joined = b"".join(base64.b64decode(c) for c in checksums)
    digest = hashlib.new(algorithm, joined, usedforsecurity=False)
    return f"{base64.b64encode(digest.digest()).decode()}-{len(checksums)}"
