"""Deleting and aborting uploads: claim the row, clear storage, then drop the row.

The row is first claimed with a conditional UPDATE to ``FAILED``, so a complete running at the
same moment can no longer mark it ``COMPLETED``: it finds the row settled and removes whatever
it assembled itself. Storage is cleared before the row goes, so a storage outage leaves a
``FAILED`` row that its owner can delete again and ``cleanup_uploads`` reclaims, never an
object or an open multipart upload that no row tracks.
"""

from __future__ import annotations

import logging

from .errors import StorageError
from .models import OPEN_STATES, UploadedFile, UploadState
from .plugins import hook
from .redaction import redact
from .signals import upload_deleted

logger = logging.getLogger(__name__)

DELETED = "Deleted by its owner."
ABORTED = "Aborted by the client."
#: Every state a delete may claim a row from.
CLAIMABLE_STATES = (*OPEN_STATES, UploadState.COMPLETED)


class NotOpen(Exception):
    """The upload is no longer open (another request completed it): there is nothing to abort."""


def delete_upload(upload: UploadedFile, *, reason: str = DELETED) -> None:
    """Remove the upload's stored object, any unfinished multipart upload, and the row.

    Raises StorageError (the row then stays ``FAILED``, to be deleted again or reclaimed).
    """
    UploadedFile.objects.transition(
        upload.pk, CLAIMABLE_STATES, UploadState.FAILED, failure_reason=reason
    )
    discard_stored(upload)
    UploadedFile.objects.filter(pk=upload.pk).delete()
    hook().s3_file_uploads_upload_deleted(upload=upload)
    upload_deleted.send(sender=UploadedFile, upload=upload)


def abort_upload(upload: UploadedFile) -> None:
    """End an open multipart upload: the row becomes ``FAILED`` and its parts are discarded.

    Raises NotOpen when another request settled the upload first, StorageError when storage
    could not be cleared (the row is ``FAILED`` then, and ``cleanup_uploads`` reclaims it).
    """
    if not UploadedFile.objects.transition(
        upload.pk, OPEN_STATES, UploadState.FAILED, failure_reason=ABORTED
    ):
        state = (
            UploadedFile.objects.filter(pk=upload.pk)
            .values_list("file_upload_state", flat=True)
            .first()
        )
        raise NotOpen(state)
    discard_stored(upload)
    upload.file_upload_state, upload.failure_reason = UploadState.FAILED, ABORTED


def discard_stored(upload: UploadedFile) -> None:
    """Abort the upload's multipart upload, if it has one, and delete its object.

    Both are idempotent, so this is safe to repeat and safe after a complete assembled the
    parts; a row read as completed has no multipart upload left to abort. Raises StorageError.
    """
    storage, key = upload.storage, upload.get_file_key()
    try:
        if upload.is_multipart and upload.file_upload_state != UploadState.COMPLETED:
            storage.abort_multipart(key=key, upload_id=upload.multipart_upload_id)
        storage.delete(key)
    except StorageError as error:
        logger.warning(
            "Could not clear storage for upload %s (backend %s, key %s): %s",
            upload.pk,
            upload.backend,
            key,
            redact(error),
        )
        raise


def discard_quietly(upload: UploadedFile) -> None:
    """:func:`discard_stored`, for paths that must answer anyway; a failure is logged and left
    to ``cleanup_uploads``."""
    try:
        discard_stored(upload)
    except StorageError:
        pass
