"""The complete step: ask storage what arrived, hold it to the upload's promises, move the row once.

Besides what storage reports (size, type, checksum), the object's first bytes are read and their
type held to the declared one (:mod:`.content_check`), where the upload's profile asks for it.

Storage is asked before anything is written, and the row moves with one conditional UPDATE, so
an unreachable storage leaves the row as it was and two completes at once make one transition.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.utils import timezone

from .content_check import inspect_content
from .contract import ObjectInfo
from .deletion import discard_quietly
from .errors import ObjectNotFound, StorageError, UploadRefused
from .media_types import essence
from .models import OPEN_STATES, UploadedFile, UploadState
from .multipart import COMPOSITE, assemble
from .plugins import hook
from .profiles import get_profile
from .quotas import QuotaExceeded, within_quota
from .redaction import redact
from .signals import upload_completed

logger = logging.getLogger(__name__)


class NotUploadedYet(Exception):
    """Storage holds nothing under the key: the client has not sent the file (yet)."""


class UploadGone(Exception):
    """The row was deleted while this complete ran; what it stored has been removed."""


@dataclass(frozen=True)
class Outcome:
    upload: UploadedFile
    #: Why the upload was refused; empty when it completed.
    reason: str = ""


def complete_upload(upload: UploadedFile) -> Outcome:
    """Complete an open upload or say how it ended.

    May raise StorageUnavailable, NotUploadedYet, PartsMissing (a multipart upload is then
    left open, to be resumed), or UploadGone (the row was deleted meanwhile).
    """
    if upload.file_upload_state not in OPEN_STATES:
        return Outcome(upload, upload.failure_reason)
    storage = upload.storage
    composite = ""
    if upload.is_multipart:
        try:
            composite = assemble(upload)
        except UploadRefused as refusal:  # a part is not the bytes declared for it
            return _refuse(upload, str(refusal))
    try:
        info = storage.stat(upload.get_file_key())
    except ObjectNotFound:
        raise NotUploadedYet from None
    try:
        check_object(upload, info)
        detected_type = inspect_content(upload, info)
    except UploadRefused as refusal:
        return _refuse(upload, str(refusal))
    except ObjectNotFound:  # removed between the stat and the read of its first bytes
        raise NotUploadedYet from None
    reasons = hook().s3_file_uploads_before_complete(upload=upload, info=info)
    if reason := next((r for r in reasons if r), None):
        return _refuse(upload, str(reason))
    now = timezone.now()
    changes = {
        "size": info.size,
        "etag": (info.etag or "")[:255],
        "detected_type": detected_type,
        "completed_at": now,
        "modified": now,
    }
    if composite and not upload.checksum:  # the whole object's, from its checked parts
        algorithm = storage.capabilities.part_checksum + COMPOSITE
        changes.update(checksum_algorithm=algorithm, checksum=composite)

    def move() -> bool:
        return UploadedFile.objects.transition(
            upload.pk, OPEN_STATES, UploadState.COMPLETED, **changes
        )

    # Where the profile has a byte quota, the stored size must fit it, checked and written in
    # one step (the create reserved the declared size; this row's reservation is left out).
    profile = get_profile(upload.profile)
    try:
        if profile is None or profile.quota.bytes is None:
            moved = move()
        else:
            moved = within_quota(
                upload.user_id, profile, info.size, move, excluding=upload.pk, adding_open=0
            )
    except QuotaExceeded as exceeded:
        return _refuse(upload, str(exceeded))
    if not moved:
        return _settled_elsewhere(upload)
    for field, value in changes.items():
        setattr(upload, field, value)
    upload.file_upload_state = UploadState.COMPLETED
    hook().s3_file_uploads_upload_completed(upload=upload)
    upload_completed.send(sender=UploadedFile, upload=upload)
    return Outcome(upload)


def check_object(upload: UploadedFile, info: ObjectInfo) -> None:
    """Raise UploadRefused when the stored object breaks what its upload was signed for."""
    if info.size < 1:
        raise UploadRefused("The file is empty.")
    if upload.size_limit is not None and info.size > upload.size_limit:
        raise UploadRefused(
            f"The file is {info.size} bytes; the limit is {upload.size_limit} bytes."
        )
    if upload.declared_size is not None and info.size != upload.declared_size:
        raise UploadRefused(
            f"The file is {info.size} bytes, but {upload.declared_size} bytes were declared."
        )
    if upload.checksum:
        stored = info.checksums.get(upload.checksum_algorithm)
        if stored != upload.checksum:
            raise UploadRefused(
                f"The stored file's {upload.checksum_algorithm} checksum "
                f"({stored or 'not reported by storage'}) is not the declared {upload.checksum}."
            )
    # The profile's current types: a list tightened since signing applies at once.
    if not _type_accepted(upload, info.content_type or ""):
        raise UploadRefused(f"Files of type '{info.content_type}' are not accepted here.")
    if upload.content_type and essence(info.content_type) != essence(upload.content_type):
        raise UploadRefused(
            f"The file was stored as '{info.content_type}', but '{upload.content_type}' was "
            "declared; send the Content-Type the upload instruction gives."
        )


def _type_accepted(upload: UploadedFile, content_type: str) -> bool:
    """The row's profile admits the stored type; a row whose profile is gone: the default's."""
    return (get_profile(upload.profile) or get_profile(None)).accepts_type(content_type)


def _refuse(upload: UploadedFile, reason: str) -> Outcome:
    """Mark the row FAILED first, then delete the object: a database failure then leaves both
    as they were, and an object storage fails to delete is left to cleanup_uploads."""
    changes = {"failure_reason": reason[:500], "modified": timezone.now()}
    if not UploadedFile.objects.transition(upload.pk, OPEN_STATES, UploadState.FAILED, **changes):
        return _settled_elsewhere(upload)
    key = upload.get_file_key()
    logger.info(
        "Refused upload %s (backend %s, key %s): %s", upload.pk, upload.backend, key, reason
    )
    try:
        upload.storage.delete(key)
    except StorageError as error:
        logger.warning(
            "Could not delete the refused object of upload %s (backend %s, key %s), left for "
            "cleanup_uploads: %s",
            upload.pk,
            upload.backend,
            key,
            redact(error),
        )
    for field, value in changes.items():
        setattr(upload, field, value)
    upload.file_upload_state = UploadState.FAILED
    return Outcome(upload, reason)


def _settled_elsewhere(upload: UploadedFile) -> Outcome:
    """Another request moved the row first: report what it decided.

    When it failed or deleted the upload, what this complete may have assembled meanwhile is
    removed here, since the request that settled the row may have cleared storage before it.
    """
    try:
        upload.refresh_from_db()
    except UploadedFile.DoesNotExist:
        discard_quietly(upload)
        raise UploadGone from None
    if upload.file_upload_state == UploadState.FAILED:
        discard_quietly(upload)
    return Outcome(upload, upload.failure_reason)
