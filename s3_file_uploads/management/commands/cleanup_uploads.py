"""Remove uploads that never completed, and every upload whose user was deleted: their
multipart parts and objects first, then their rows.

Each row is first claimed with a conditional UPDATE to FAILED, so an upload that completes at
the same moment is either claimed (and its complete then reports the failure) or kept. Running
it twice does nothing more the second time.
"""

from __future__ import annotations

import logging
import re
import sys
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from s3_file_uploads.deletion import CLAIMABLE_STATES, discard_stored
from s3_file_uploads.errors import StorageError
from s3_file_uploads.models import OPEN_STATES, UploadedFile, UploadState
from s3_file_uploads.redaction import redact

ABANDONED = "Abandoned: not completed in time; removed by cleanup_uploads."
ORPHANED = "Its user was deleted; removed by cleanup_uploads."
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

logger = logging.getLogger(__name__)


def parse_age(text: str) -> timedelta:
    match = re.fullmatch(r"(\d+)([smhd])", text.strip())
    if not match:
        raise CommandError(f"--older-than takes a number and a unit (s, m, h, d), not {text!r}.")
    return timedelta(seconds=int(match[1]) * UNITS[match[2]])


class Command(BaseCommand):
    help = (
        "Delete uploads (objects and rows) that were never completed, and those of deleted users."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than", default="1d", help="age, such as 30m, 6h or 2d")
        parser.add_argument("--dry-run", action="store_true", help="only say what would go")

    def handle(self, *args: Any, older_than: str, dry_run: bool, **options: Any) -> None:
        cutoff = timezone.now() - parse_age(older_than)
        abandoned = UploadedFile.objects.filter(
            created__lt=cutoff, file_upload_state__in=(*OPEN_STATES, UploadState.FAILED)
        )
        stale = (abandoned | UploadedFile.objects.orphaned()).order_by("created")
        total = stale.count()
        if dry_run:
            self.stdout.write(
                f"Would remove {total} uploads created before {cutoff:%Y-%m-%d %H:%M}."
            )
            return
        removed = kept = unreachable = 0
        for done, upload in enumerate(stale.iterator(), start=1):
            outcome = self._remove(upload)
            removed += outcome == "removed"
            kept += outcome == "kept"
            unreachable += outcome == "unreachable"
            self._progress(done, total)
        self.stdout.write(
            f"Removed {removed} uploads; kept {kept} that completed meanwhile; "
            f"{unreachable} left for a later run (storage unreachable)."
        )

    def _remove(self, upload: UploadedFile) -> str:
        orphaned = upload.user_id is None and not upload.anonymous
        sources, reason = (CLAIMABLE_STATES, ORPHANED) if orphaned else (OPEN_STATES, ABANDONED)
        if upload.file_upload_state != UploadState.FAILED and not UploadedFile.objects.transition(
            upload.pk, sources, UploadState.FAILED, failure_reason=reason
        ):
            logger.info("cleanup_uploads kept upload %s: it completed meanwhile", upload.pk)
            return "kept"
        try:
            discard_stored(upload)
        except StorageError as error:
            logger.warning(
                "cleanup_uploads left upload %s (backend %s, key %s) for a later run: %s",
                upload.pk,
                upload.backend,
                upload.get_file_key(),
                redact(error),
            )
            return "unreachable"
        UploadedFile.objects.filter(pk=upload.pk, file_upload_state=UploadState.FAILED).delete()
        logger.info(
            "cleanup_uploads removed upload %s (backend %s, key %s)",
            upload.pk,
            upload.backend,
            upload.get_file_key(),
        )
        return "removed"

    def _progress(self, done: int, total: int) -> None:
        if not sys.stderr.isatty():
            return
        width = 30
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done == total:
            sys.stderr.write("\n")
