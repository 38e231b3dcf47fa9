"""The upload row: what was promised to the client, and what storage turned out to hold."""

from __future__ import annotations

import uuid
from typing import Any, BinaryIO

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from .asset_handler import AssetHandler
from .conf import app_setting
from .contract import ACLS, PRIVATE, StorageBackend
from .disposition import content_disposition
from .errors import UploadRefused
from .registry import get_backend


class UploadState(models.TextChoices):
    NEW = "NEW", "New"
    AWAIT_COMPLETE = "AWAIT_COMPLETE", "Awaiting Completion"
    COMPLETED = "COMPLETED", "Completed"
    FAILED = "FAILED", "Failed"


#: States from which complete may still succeed.
OPEN_STATES = (UploadState.NEW, UploadState.AWAIT_COMPLETE)


class UploadedFileQuerySet(models.QuerySet):
    def owned_by(self, user: Any) -> UploadedFileQuerySet:
        """Rows ``user`` may act on, looked up by id.

        An anonymous request reaches anonymous rows only, and only by their id (122 random
        bits, the one secret an anonymous uploader holds); rows whose user was deleted belong to
        nobody and are reachable by no one (``cleanup_uploads`` reclaims them).
        """
        if user is None or not user.is_authenticated:
            return self.filter(user__isnull=True, anonymous=True)
        return self.filter(user=user)

    def listable_by(self, user: Any) -> UploadedFileQuerySet:
        """Rows ``user`` may list: an anonymous request lists none, since listing needs no id."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(user=user)

    def create_from_file(self, file: BinaryIO, *, filename: str, **options: Any) -> UploadedFile:
        """Store a file the server holds as a completed upload, held to its profile's rules.

        ``options``: ``user``, ``profile`` (``"default"`` when left out), ``content_type``
        (guessed from the name when left out), ``acl``, ``size``. See
        :func:`s3_file_uploads.creation.store_file`.
        """
        from .creation import store_file  # creation builds rows: it imports this module

        return store_file(file, filename=filename, **options)

    def orphaned(self) -> UploadedFileQuerySet:
        """Rows whose user account was deleted: nobody may reach them any more."""
        return self.filter(user__isnull=True, anonymous=False)

    def transition(self, pk: Any, sources: tuple[str, ...], target: str, **changes: Any) -> bool:
        """Move one row from any of ``sources`` to ``target`` in one conditional UPDATE.

        Returns False when the row was no longer in a source state: another request got there
        first, and nothing was written.
        """
        changes.setdefault("modified", timezone.now())
        updated = self.filter(pk=pk, file_upload_state__in=sources).update(
            file_upload_state=target, **changes
        )
        return updated == 1


class UploadedFile(models.Model):
    NEW = UploadState.NEW
    AWAIT_COMPLETE = UploadState.AWAIT_COMPLETE
    COMPLETED = UploadState.COMPLETED
    FAILED = UploadState.FAILED
    UPLOAD_STATES = UploadState.choices

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    modified = models.DateTimeField(auto_now=True)

    file_key = models.CharField(max_length=255, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    file_upload_state = models.CharField(
        max_length=50, choices=UploadState.choices, default=UploadState.NEW
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        related_name="uploaded_files",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    #: Made without a user while ``ALLOW_ANONYMOUS`` was on. A row with no user that is not
    #: anonymous is an orphan: its user was deleted.
    anonymous = models.BooleanField(default=False, editable=False)

    profile = models.CharField(
        max_length=64,
        default="default",
        help_text="The upload profile whose rules the row was signed under.",
    )
    backend = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="Backend configuration holding the object; empty means the default one.",
    )
    acl = models.CharField(max_length=32, choices=[(a, a) for a in ACLS], default=PRIVATE)
    content_type = models.CharField(max_length=255, blank=True)
    declared_size = models.BigIntegerField(null=True, blank=True)
    size_limit = models.BigIntegerField(null=True, blank=True)
    size = models.BigIntegerField(null=True, blank=True, help_text="Size of the stored object.")
    etag = models.CharField(max_length=255, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(max_length=500, blank=True)
    multipart_upload_id = models.CharField(
        max_length=1024, blank=True, help_text="The backend's id of an unfinished multipart upload."
    )
    part_size = models.BigIntegerField(null=True, blank=True)
    checksum_algorithm = models.CharField(max_length=16, blank=True)
    checksum = models.CharField(max_length=128, blank=True, help_text="Base64, as declared.")
    detected_type = models.CharField(
        max_length=255,
        blank=True,
        default="",
        help_text="The type identified from the stored bytes on complete; empty when not checked.",
    )

    objects = UploadedFileQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["file_upload_state", "created"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(anonymous=False) | models.Q(user__isnull=True),
                name="s3fu_anonymous_rows_have_no_user",
            )
        ]

    def __str__(self) -> str:
        return self.filename or str(self.id)

    @property
    def is_multipart(self) -> bool:
        return bool(self.multipart_upload_id)

    @property
    def part_count(self) -> int:
        if not self.part_size or not self.declared_size:
            return 0
        return -(-self.declared_size // self.part_size)

    def part_length(self, part_number: int) -> int:
        """Bytes in part ``part_number`` (1-based): ``part_size``, except a shorter last part."""
        if part_number < self.part_count:
            return self.part_size
        return self.declared_size - self.part_size * (self.part_count - 1)

    @property
    def file_path(self) -> str:
        return reverse("s3_file_uploads:upload-file-fetch", args=(str(self.id),))

    def get_file_key(self) -> str:
        """The object key; rows made by 0.1.0 have no ``file_key`` and live under their id."""
        return str(self.file_key or self.id)

    @property
    def storage(self) -> StorageBackend:
        """The backend holding this row's object (the one recorded at create, not the default)."""
        return get_backend(self.backend or None)

    def get_download_url(self) -> str:
        return self._signed_url(inline=False)

    def get_view_url(self) -> str:
        return self._signed_url(inline=True)

    def open(self, *, start: int = 0, end: int | None = None) -> BinaryIO:
        """Read the stored file from the server, streamed: the whole of it, or bytes ``start``
        to ``end`` (inclusive). Close it after use (``with upload.open() as f:``).

        Only a completed upload can be opened: raises UploadNotCompleted otherwise, and
        ObjectNotFound when storage no longer holds it.
        """
        if self.file_upload_state != UploadState.COMPLETED:
            raise UploadNotCompleted(self)
        storage = self.storage
        if not storage.capabilities.server_side_io:
            raise UploadNotCompleted(self, f"the '{self.backend}' backend cannot be read from")
        return storage.open_read(self.get_file_key(), start=start, end=end)

    def permit_reupload(self) -> bool:
        """Open a completed or failed upload to a new complete, as 0.1.0 allowed on purpose."""
        sources = (UploadState.NEW, UploadState.COMPLETED, UploadState.FAILED)
        moved = UploadedFile.objects.transition(
            self.pk, sources, UploadState.AWAIT_COMPLETE, completed_at=None, failure_reason=""
        )
        if moved:
            self.file_upload_state = UploadState.AWAIT_COMPLETE
        return moved

    # 0.1.0's Python surface, on the backend contract --------------------------------------------

    @property
    def asset_handler(self) -> AssetHandler:
        """0.1.0's handler for this row's object: signs for its key, backend, type and limit."""
        return AssetHandler(
            self.get_file_key(),
            self.backend or None,
            content_type=self.content_type,
            max_size=self.size_limit,
        )

    def get_upload_form(
        self, acl_type: str | None = None, expiry: int | None = None
    ) -> dict[str, Any]:
        """Sign a new upload of this row's object and leave the row awaiting complete (0.1.0).

        For a new row, or one reopened by :meth:`permit_reupload`. The key never changes; the
        backend, content type, size limit and ACL stay the row's, and those it lacks come from
        the settings and are recorded. The size and checksum declared for an earlier file are
        dropped, and an unfinished multipart upload is aborted: the new instruction sends a whole
        file in one request. Returns 0.1.0's ``url`` and ``fields`` plus the instruction's
        ``method``, ``headers`` and ``expires_at``. Raises :class:`UploadNotOpen` for a completed
        or failed row.
        """
        from .creation import sign_again  # creation builds rows: it imports this module

        return sign_again(self, acl=acl_type, expiry=expiry)

    def completed_upload(self) -> None:
        """0.1.0's "mark it complete", now the API's complete step: storage is asked what arrived
        and the row is held to what was signed.

        Raises :class:`~s3_file_uploads.completion.NotUploadedYet` when nothing has arrived (the
        row is unchanged) and :class:`~s3_file_uploads.errors.UploadRefused` with the reason when
        the file broke a rule (the row is then ``FAILED`` and the object deleted). Completing a
        completed row again does nothing.
        """
        from .completion import complete_upload  # completion moves rows: it imports this module

        outcome = complete_upload(self)
        if outcome.upload.file_upload_state != UploadState.COMPLETED:
            raise UploadRefused(
                outcome.reason or f"The upload is {outcome.upload.file_upload_state.lower()}."
            )

    def _signed_url(self, *, inline: bool) -> str:
        return self.storage.presign_download(
            key=self.get_file_key(),
            content_disposition=content_disposition(
                self.filename,
                inline=inline,
                content_type=self.content_type,
                inline_types=app_setting("INLINE_CONTENT_TYPES"),
            ),
            content_type=self.content_type or None,
            expires_in=app_setting("DOWNLOAD_EXPIRY"),
        )


class QuotaLock(models.Model):
    """One row per user and profile, updated first in a transaction that checks a quota, so
    two creates of one user in one profile take turns (a row lock on PostgreSQL, the write lock
    on SQLite) and cannot both pass a quota only one of them fits."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    profile = models.CharField(max_length=64)
    touched = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "profile"], name="s3fu_one_quota_lock")
        ]

    def __str__(self) -> str:
        return f"quota lock of user {self.user_id} in profile {self.profile}"


class DeclaredPart(models.Model):
    """The checksum the client declared for one part of a multipart upload, kept where the
    server trusts it: complete holds the stored part to it, whatever storage enforced."""

    upload = models.ForeignKey(UploadedFile, on_delete=models.CASCADE, related_name="+")
    part_number = models.PositiveIntegerField()
    checksum = models.CharField(max_length=128, help_text="Base64, in the backend's algorithm.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["upload", "part_number"], name="s3fu_one_declared_part")
        ]

    def __str__(self) -> str:
        return f"part {self.part_number} of upload {self.upload_id}"


class UploadNotCompleted(Exception):
    """Only a completed upload's bytes can be read on the server."""

    def __init__(self, upload: UploadedFile, why: str = "") -> None:
        super().__init__(
            (why and f"Upload {upload.pk} cannot be opened: {why}.")
            or f"Upload {upload.pk} is {upload.file_upload_state.lower()}; only a completed "
            "upload can be opened."
        )
        self.upload = upload


class UploadNotOpen(Exception):
    """A new upload form was asked for a completed or failed upload: reopen it first."""

    def __init__(self, upload: UploadedFile) -> None:
        super().__init__(
            f"Upload {upload.pk} is {upload.file_upload_state.lower()}; call permit_reupload() "
            "before signing a new upload form for it."
        )
        self.upload = upload
