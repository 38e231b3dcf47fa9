"""Multipart uploads: plan the parts, sign them in batches, and assemble them on complete.

The row remembers the backend's upload id, the declared size and the part size, so every part's
exact length is the server's to compute; the client only ever names part numbers.
"""

from __future__ import annotations

from typing import Any

from .conf import app_setting
from .contract import Capabilities, PartInstruction, StoredPart
from .errors import ObjectNotFound, UploadRefused
from .models import UploadedFile

#: Most parts signed by one request, so one request never signs thousands of URLs.
MAX_PARTS_PER_BATCH = 100


class PartsMissing(Exception):
    """Some parts are not stored (or not at their exact length): the upload stays resumable."""

    def __init__(self, missing: list[int], wrong_size: list[int]) -> None:
        super().__init__(missing, wrong_size)
        self.missing, self.wrong_size = missing, wrong_size


def wants_multipart(
    size: int | None,
    asked: bool | None,
    capabilities: Capabilities,
    threshold: int | None = None,
) -> bool:
    """Multipart when the client asks, or when the declared size passes the threshold (the
    profile's, else ``MULTIPART_THRESHOLD``)."""
    if asked is not None:
        return asked
    if threshold is None:
        threshold = app_setting("MULTIPART_THRESHOLD")
    return bool(capabilities.multipart and size and size > threshold)


def plan_part_size(size: int, capabilities: Capabilities) -> int:
    """The configured part size, raised to the cloud's minimum and to fit its part-count limit."""
    fit = -(-size // capabilities.max_parts)
    part_size = max(app_setting("MULTIPART_PART_SIZE"), capabilities.min_part_size, fit)
    if part_size > capabilities.max_part_size:
        raise UploadRefused(f"A file of {size} bytes is larger than this storage can hold.")
    return part_size


def sign_parts(upload: UploadedFile, part_numbers: list[int]) -> list[PartInstruction]:
    storage = upload.storage
    return [
        storage.presign_part(
            key=upload.get_file_key(),
            upload_id=upload.multipart_upload_id,
            part_number=number,
            size=upload.part_length(number),
            expires_in=app_setting("UPLOAD_EXPIRY"),
        )
        for number in part_numbers
    ]


def stored_parts(upload: UploadedFile) -> list[StoredPart]:
    return upload.storage.list_parts(
        key=upload.get_file_key(), upload_id=upload.multipart_upload_id
    )


def assemble(upload: UploadedFile) -> None:
    """Commit the stored parts into the object, or raise PartsMissing and change nothing."""
    storage = upload.storage
    try:
        parts = {p.part_number: p for p in stored_parts(upload)}
    except ObjectNotFound:
        return  # already assembled by an earlier or concurrent complete; stat will tell
    expected = range(1, upload.part_count + 1)
    missing = [n for n in expected if n not in parts]
    wrong_size = [n for n in expected if n in parts and parts[n].size != upload.part_length(n)]
    if missing or wrong_size:
        raise PartsMissing(missing, wrong_size)
    try:
        storage.complete_multipart(
            key=upload.get_file_key(),
            upload_id=upload.multipart_upload_id,
            parts=[parts[n] for n in expected],
        )
    except ObjectNotFound:
        return  # a concurrent complete got there first


def plan_data(upload: UploadedFile, request: Any, urls: dict[str, str]) -> dict[str, Any]:
    return {
        "part_size": upload.part_size,
        "part_count": upload.part_count,
        "max_parts_per_request": MAX_PARTS_PER_BATCH,
        "concurrency": app_setting("MULTIPART_CONCURRENCY"),
        **{name: request.build_absolute_uri(url) for name, url in urls.items()},
    }
