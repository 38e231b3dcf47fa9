"""Remove uploads that never completed, every upload whose user was deleted and, when
``S3_FILE_UPLOADS["RECLAIM_UNATTACHED_AFTER"]`` is set, completed uploads that no model refers
to after the grace period: their multipart parts and objects first, then their rows.

Each row is first claimed with a conditional UPDATE to FAILED that also requires no model to
refer to it, so an upload that completes or is attached at the same moment is either claimed
(and its complete then reports the failure) or kept. A row a model refers to is never removed,
and no model row goes with an upload. Running it twice does nothing more the second time.
"""

from __future__ import annotations

import logging
import re
import sys
from collections import Counter
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from s3_file_uploads.deletion import discard_stored
from s3_file_uploads.errors import StorageError
from s3_file_uploads.models import UploadedFile, UploadState
from s3_file_uploads.reclaim import (
    ABANDONED,
    ORPHANED,
    REASONS,
    SETTING,
    CleanupRules,
    ReclaimSettingError,
    cleanup_rules,
)
from s3_file_uploads.redaction import redact
from s3_file_uploads.references import referrers

__all__ = ["ABANDONED", "ORPHANED", "Command", "parse_age"]

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

logger = logging.getLogger(__name__)


def parse_age(text: str) -> timedelta:
    match = re.fullmatch(r"(\d+)([smhd])", text.strip())
    if not match:
        raise CommandError(f"--older-than takes a number and a unit (s, m, h, d), not {text!r}.")
    return timedelta(seconds=int(match[1]) * UNITS[match[2]])


class Command(BaseCommand):
    help = (
        "Delete uploads (objects and rows) that were never completed, those of deleted users "
        f"and, when S3_FILE_UPLOADS['{SETTING}'] is set, completed ones no model refers to."
    )

    _rules: CleanupRules | None = None

    @property
    def rules(self) -> CleanupRules:
        """This run's rules; the default age's when ``_remove`` is called on its own."""
        if self._rules is None:
            now = timezone.now()
            self._rules = cleanup_rules(now=now, abandoned_before=now - parse_age("1d"))
        return self._rules

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than", default="1d", help="age of an abandoned upload, such as 30m, 6h or 2d"
        )
        parser.add_argument("--dry-run", action="store_true", help="only say what would go")

    def handle(self, *args: Any, older_than: str, dry_run: bool, **options: Any) -> None:
        now = timezone.now()
        try:
            self._rules = cleanup_rules(now=now, abandoned_before=now - parse_age(older_than))
        except ReclaimSettingError as error:
            raise CommandError(str(error)) from error
        self._describe_reclaiming(int(options.get("verbosity", 1)))
        if dry_run:
            counts = {reason: self.rules.candidates(reason).count() for reason in REASONS}
            self.stdout.write(
                f"Would remove {sum(counts.values())} uploads: {_by_reason(counts)} (abandoned: "
                f"created before {self.rules.abandoned_before:%Y-%m-%d %H:%M})."
            )
            return
        outcomes: Counter[str] = Counter()
        total = self.rules.candidates().count()
        for page in self.rules.pages():
            for upload in page:
                outcomes[self._remove(upload)] += 1
                self._progress(sum(outcomes.values()), total)
        removed = {reason: outcomes[reason] for reason in REASONS}
        self.stdout.write(
            f"Removed {sum(removed.values())} uploads: {_by_reason(removed)}. Kept "
            f"{outcomes['kept']} that completed or were attached meanwhile; "
            f"{outcomes['unreachable']} left for a later run (storage unreachable)."
        )
        if outcomes["attached late"]:
            self.stdout.write(
                f"{outcomes['attached late']} were attached while being reclaimed: their rows "
                "stay FAILED, with the models that refer to them (see the log)."
            )

    def _remove(self, upload: UploadedFile) -> str:
        """One candidate: ``abandoned``, ``orphaned`` or ``unattached`` when removed, else
        ``kept``, ``unreachable`` or ``attached late``."""
        reason = self.rules.reason(upload)
        if upload.file_upload_state != UploadState.FAILED and not self.rules.claim(upload, reason):
            logger.info(
                "cleanup_uploads kept upload %s: it completed or was attached meanwhile", upload.pk
            )
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
        if not self.rules.delete_row(upload):
            return self._row_kept(upload, reason)
        logger.info(
            "cleanup_uploads removed upload %s (backend %s, key %s)",
            upload.pk,
            upload.backend,
            upload.get_file_key(),
        )
        return reason

    def _row_kept(self, upload: UploadedFile, reason: str) -> str:
        """The row outlived its object: a model attached it after the claim (it stays FAILED),
        another request changed it, or another run deleted it first."""
        attached = referrers(upload.pk, self.rules.relations)
        if attached:
            logger.warning(
                "cleanup_uploads deleted the object of upload %s (backend %s, key %s), then %s "
                "attached it: the row stays FAILED",
                upload.pk,
                upload.backend,
                upload.get_file_key(),
                ", ".join(attached),
            )
            return "attached late"
        if UploadedFile.objects.filter(pk=upload.pk).exists():
            logger.info("cleanup_uploads kept upload %s: it was reopened meanwhile", upload.pk)
            return "kept"
        return reason

    def _describe_reclaiming(self, verbosity: int) -> None:
        """Say whether unattached uploads are reclaimed, and (``-v 2``) what counts as a
        reference."""
        if not self.rules.grace:
            if verbosity >= 2:
                self.stdout.write(
                    f"Reclaiming unattached uploads is off (S3_FILE_UPLOADS['{SETTING}'])."
                )
            return
        if not self.rules.relations:
            self.stdout.write(
                "Reclaiming unattached uploads skipped: no model has a relation to "
                "UploadedFile, so every completed upload would look unattached. Remove "
                f"S3_FILE_UPLOADS['{SETTING}'], or relate a model to the uploads it uses."
            )
            return
        if verbosity >= 2:
            labels = ", ".join(relation.label for relation in self.rules.relations)
            self.stdout.write(f"An upload is attached when one of these refers to it: {labels}.")

    def _progress(self, done: int, total: int) -> None:
        if not sys.stderr.isatty():
            return
        width = 30
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done == total:
            sys.stderr.write("\n")


def _by_reason(counts: dict[str, int]) -> str:
    return ", ".join(f"{counts[reason]} {reason}" for reason in REASONS)
