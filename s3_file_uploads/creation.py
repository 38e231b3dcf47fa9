"""The create step: decide the row, ask storage for the instruction, save the row once.

Everything the server owns is decided here: the key, the backend, the size limit the row is
held to later. Storage is asked before the row is written, so a refusal (an ACL the backend
cannot honour, a checksum it cannot verify) leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import mimetypes
from dataclasses import dataclass
from typing import Any, BinaryIO

from .completion import complete_upload
from .conf import app_setting, default_backend_name, max_upload_size
from .contract import PRIVATE, Checksum, StorageBackend, UploadInstruction, UploadSpec
from .errors import AclNotSupported, StorageError, UploadRefused
from .keys import clean_display_name, generate_key
from .media_types import DEFAULT_CONTENT_TYPE, names_a_real_type
from .models import OPEN_STATES, UploadedFile, UploadNotOpen, UploadState
from .multipart import plan_part_size, wants_multipart
from .plugins import hook
from .profiles import Profile, get_profile
from .quotas import QuotaExceeded, within_quota
from .registry import get_backend


class ChecksumRefused(UploadRefused):
    """The declared checksum cannot be verified on this backend or for this kind of upload."""


@dataclass(frozen=True)
class Created:
    """A saved row and how the client sends its bytes: an instruction, or parts to sign."""

    upload: UploadedFile
    instruction: UploadInstruction | None


class CreateRefused(Exception):
    """A ``before_create`` hook refused the upload; the message is its reason."""


def create_upload(wanted: dict[str, Any], *, user: Any, request: Any = None) -> Created:
    """Save a new upload for ``wanted`` (validated create fields, ``profile`` a Profile) and
    sign its instruction.

    Raises CreateRefused (a hook's reason), QuotaExceeded, AclNotSupported, ChecksumRefused or
    UploadRefused, and nothing is saved then; StorageError when storage cannot sign.
    """
    profile: Profile = wanted["profile"]
    reasons = hook().s3_file_uploads_before_create(
        request=request,
        profile=profile,
        name=wanted["filename"],
        content_type=wanted["content_type"],
        size=wanted.get("size"),
    )
    if reason := next((r for r in reasons if r), None):
        raise CreateRefused(str(reason))
    storage = get_backend(profile.backend)
    row = _new_row(
        profile,
        user,
        name=wanted["filename"],
        key_name=wanted.get("file_key") or wanted["filename"],
        acl=wanted["acl"],
        content_type=wanted["content_type"],
        size=wanted.get("size"),
    )
    checksum = wanted.get("checksum")
    threshold = profile.multipart_threshold
    if wants_multipart(row.declared_size, wanted.get("multipart"), storage.capabilities, threshold):
        instruction = None
        _start_multipart(row, storage, checksum)
    else:
        instruction = storage.presign_upload(
            UploadSpec(
                key=row.file_key,
                max_size=row.size_limit,
                content_type=row.content_type,
                acl=row.acl,
                expires_in=profile.upload_expiry,
                checksum=_accepted_checksum(row, storage, checksum),
                size=row.declared_size,
            )
        )
    try:
        within_quota(user, profile, row.declared_size or 0, lambda: row.save(force_insert=True))
    except QuotaExceeded:
        if row.is_multipart:
            with contextlib.suppress(StorageError):
                storage.abort_multipart(key=row.file_key, upload_id=row.multipart_upload_id)
        raise
    return Created(row, instruction)


def store_file(
    file: BinaryIO,
    *,
    filename: str,
    user: Any = None,
    profile: str | None = None,
    content_type: str | None = None,
    acl: str | None = None,
    size: int | None = None,
) -> UploadedFile:
    """Store a file the server holds (a report it made, a form's upload) as a completed row.

    The file is held to ``profile`` like a browser upload: its size, type and ACL before a byte
    is written, its quota reserved under the lock, and the stored object checked by the same
    complete step (``before_complete`` hooks included; ``upload_completed`` fires). The bytes are
    streamed to storage in chunks. Raises UploadRefused (nothing is kept), QuotaExceeded,
    AclNotSupported, or StorageError.
    """
    chosen = get_profile(profile)
    if chosen is None:
        raise UploadRefused(f"There is no upload profile '{profile}'.")
    name = clean_display_name(filename)
    guessed, _ = mimetypes.guess_type(name, strict=False)
    content_type = content_type or guessed or DEFAULT_CONTENT_TYPE
    if not names_a_real_type(content_type) or not chosen.accepts_type(content_type):
        raise UploadRefused(f"Files of type '{content_type}' are not accepted in '{chosen.name}'.")
    acl = acl or chosen.default_acl
    if acl not in chosen.acls:
        raise AclNotSupported(f"The '{acl}' ACL is not allowed in '{chosen.name}'.")
    size = size if size is not None else _remaining_size(file)
    if size is not None and chosen.max_size is not None and size > chosen.max_size:
        raise UploadRefused(f"The file is {size} bytes; the limit is {chosen.max_size} bytes.")
    storage = get_backend(chosen.backend)
    if not storage.capabilities.server_side_io:
        raise UploadRefused(f"The '{chosen.backend}' backend cannot store files from the server.")
    row = _new_row(
        chosen, user, name=name, key_name=name, acl=acl, content_type=content_type, size=size
    )
    within_quota(user, chosen, size or 0, lambda: row.save(force_insert=True))
    try:
        storage.write(row.file_key, file, content_type=content_type, size=size, acl=acl)
    except BaseException:
        UploadedFile.objects.filter(pk=row.pk).delete()
        with contextlib.suppress(StorageError):
            storage.delete(row.file_key)
        raise
    outcome = complete_upload(row)
    if outcome.upload.file_upload_state != UploadState.COMPLETED:
        raise UploadRefused(outcome.reason or "The stored file was refused.")
    return outcome.upload


def _new_row(
    profile: Profile,
    user: Any,
    *,
    name: str,
    key_name: str,
    acl: str,
    content_type: str,
    size: int | None,
) -> UploadedFile:
    """An unsaved row awaiting its file, with the key and limits ``profile`` decides."""
    anonymous = user is None or not user.is_authenticated
    return UploadedFile(
        file_key=generate_key(profile.key_prefix, key_name),
        filename=name,
        file_upload_state=UploadState.AWAIT_COMPLETE,
        user=None if anonymous else user,
        anonymous=anonymous,
        profile=profile.name,
        backend=profile.backend,
        acl=acl,
        content_type=content_type,
        declared_size=size,
        size_limit=profile.max_size,
    )


def _remaining_size(file: BinaryIO) -> int | None:
    """Bytes left to read in a seekable file; None for a stream that cannot tell."""
    try:
        here = file.tell()
        end = file.seek(0, 2)
        file.seek(here)
    except (AttributeError, OSError, ValueError):
        return getattr(file, "size", None)
    return end - here


def sign_again(row: UploadedFile, *, acl: str | None = None, expiry: int | None = None) -> dict:
    """A new instruction for an open row's own key, as 0.1.0's ``get_upload_form()`` gave.

    The backend, content type, size limit and ACL stay the row's; those it lacks come from the
    settings and are recorded. The size and checksum declared for an earlier file are dropped,
    and an unfinished multipart upload is aborted: the new instruction sends a whole file in one
    request. Raises UploadNotOpen for a completed or failed row, AclNotSupported for an ACL
    outside ``ALLOWED_ACLS``.
    """
    if row.file_upload_state not in OPEN_STATES:
        raise UploadNotOpen(row)
    acl = acl or row.acl or PRIVATE
    if acl not in app_setting("ALLOWED_ACLS"):
        raise AclNotSupported(
            f"The '{acl}' ACL is not in S3_FILE_UPLOADS['ALLOWED_ACLS'] "
            f"({', '.join(app_setting('ALLOWED_ACLS'))})."
        )
    guessed, _ = mimetypes.guess_type(row.filename or "", strict=False)
    changes: dict[str, Any] = {
        "backend": row.backend or default_backend_name(),
        "acl": acl,
        "content_type": row.content_type or guessed or DEFAULT_CONTENT_TYPE,
        "size_limit": row.size_limit or max_upload_size(),
        "declared_size": None,
        "checksum_algorithm": "",
        "checksum": "",
        "multipart_upload_id": "",
        "part_size": None,
    }
    storage = get_backend(changes["backend"])
    instruction = storage.presign_upload(
        key=row.get_file_key(),
        max_size=changes["size_limit"],
        content_type=changes["content_type"],
        acl=acl,
        expires_in=expiry or app_setting("UPLOAD_EXPIRY"),
    )
    if row.is_multipart and storage.capabilities.multipart:
        with contextlib.suppress(StorageError):
            storage.abort_multipart(key=row.get_file_key(), upload_id=row.multipart_upload_id)
    if row._state.adding:
        for field, value in changes.items():
            setattr(row, field, value)
        row.file_upload_state = UploadState.AWAIT_COMPLETE
        row.save()
    else:
        if not UploadedFile.objects.transition(
            row.pk, OPEN_STATES, UploadState.AWAIT_COMPLETE, **changes
        ):
            row.refresh_from_db()
            raise UploadNotOpen(row)
        for field, value in changes.items():
            setattr(row, field, value)
        row.file_upload_state = UploadState.AWAIT_COMPLETE
    return instruction.as_dict()


def _accepted_checksum(
    row: UploadedFile, storage: StorageBackend, checksum: Checksum | None
) -> Checksum | None:
    """Record the declared checksum on the row, if the backend can hold the file to it."""
    if checksum is None:
        return None
    if checksum.algorithm not in storage.capabilities.checksums:
        can = ", ".join(sorted(storage.capabilities.checksums)) or "none"
        raise ChecksumRefused(
            f"The '{row.backend}' backend cannot verify {checksum.algorithm} checksums "
            f"(it can verify: {can}); leave the checksum out or send another."
        )
    row.checksum_algorithm, row.checksum = checksum.algorithm, checksum.value
    return checksum


def _start_multipart(row: UploadedFile, storage: StorageBackend, checksum: Checksum | None) -> None:
    if checksum is not None:
        raise ChecksumRefused(
            "A checksum of the whole file cannot be verified for a multipart upload; leave it out."
        )
    if not storage.capabilities.multipart:
        raise UploadRefused(
            f"The '{row.backend}' backend cannot take multipart uploads; send the file in "
            "one request."
        )
    row.part_size = plan_part_size(row.declared_size, storage.capabilities)
    row.multipart_upload_id = storage.start_multipart(
        key=row.file_key, content_type=row.content_type, acl=row.acl
    )
