"""What ``cleanup_uploads`` may remove, and removing it without ever losing a reference.

Three kinds of upload go: abandoned ones (never completed), orphans (their user was deleted) and,
when ``S3_FILE_UPLOADS["RECLAIM_UNATTACHED_AFTER"]`` says so, completed ones that no model
references once the grace period has passed. Whatever the reason, a row that a model references
is never removed and never takes a model row with it:

- the claim (the row's move to ``FAILED``) is one conditional ``UPDATE`` whose ``WHERE`` also
  says "no relation points at it", so an attach that committed first wins;
- the row's ``DELETE`` carries the same condition and deletes nothing else (no cascade through
  Django's collector, which would look up referring rows in statements of its own): an attach
  that committed after the claim keeps its row, ``FAILED``; one that commits after the delete is
  refused by the database's foreign key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, router, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.db.models.lookups import LessThan

from .conf import app_setting
from .deletion import CLAIMABLE_STATES
from .models import OPEN_STATES, UploadedFile, UploadState
from .references import Relation, unreferenced, upload_relations

SETTING = "RECLAIM_UNATTACHED_AFTER"
ABANDONED = "Abandoned: not completed in time; removed by cleanup_uploads."
ORPHANED = "Its user was deleted; removed by cleanup_uploads."
UNATTACHED = "No model referred to it within the grace period; reclaimed by cleanup_uploads."
REASONS = ("abandoned", "orphaned", "unattached")
#: Rows read per query: the candidates are read in pages, never held open as a cursor while
#: rows are written (SQLite would refuse the write of a connection that is still reading).
PAGE = 200


class ReclaimSettingError(ValueError):
    """``RECLAIM_UNATTACHED_AFTER`` holds something other than seconds, by profile or not."""


@dataclass(frozen=True)
class CleanupRules:
    """One run's rules: which rows are candidates, and for which reason each one goes."""

    now: datetime
    abandoned_before: datetime
    #: Grace period by profile name, ``None`` for "every profile"; empty when reclaiming is off.
    grace: Mapping[str | None, timedelta]
    relations: list[Relation]

    @property
    def reclaims_unattached(self) -> bool:
        """On when the setting is, and some model relates to uploads: without any relation every
        completed upload would look unattached, which says the project attaches none."""
        return bool(self.grace) and bool(self.relations)

    def candidates(self, reason: str | None = None) -> Any:
        """The unreferenced rows that may go, for one reason or all of them, oldest first."""
        by_reason = {
            "orphaned": Q(user__isnull=True, anonymous=False),
            "abandoned": Q(
                created__lt=self.abandoned_before,
                file_upload_state__in=(*OPEN_STATES, UploadState.FAILED),
            ),
            "unattached": self._unattached(),
        }
        if reason is None:
            wanted = by_reason["orphaned"] | by_reason["abandoned"] | by_reason["unattached"]
        elif reason == "orphaned":
            wanted = by_reason["orphaned"]
        else:  # an orphan is counted as one whatever its state
            wanted = by_reason[reason] & ~by_reason["orphaned"]
        return UploadedFile.objects.filter(wanted, unreferenced(self.relations)).order_by(
            "created", "pk"
        )

    def pages(self) -> Any:
        """Every candidate, a page at a time (each page a list, fetched whole)."""
        rows = self.candidates()
        page = list(rows[:PAGE])
        while page:
            yield page
            last = page[-1]
            after = Q(created__gt=last.created) | Q(created=last.created, pk__gt=last.pk)
            page = list(rows.filter(after)[:PAGE])

    def reason(self, upload: UploadedFile) -> str:
        if upload.user_id is None and not upload.anonymous:
            return "orphaned"
        if upload.file_upload_state == UploadState.COMPLETED:
            return "unattached"
        return "abandoned"

    def claim(self, upload: UploadedFile, reason: str) -> bool:
        """Move the row to ``FAILED`` in one ``UPDATE`` that also requires it to be unreferenced
        (and, when unattached, still completed before the grace period). False: kept."""
        sources, message = {
            "orphaned": (CLAIMABLE_STATES, ORPHANED),
            "abandoned": (OPEN_STATES, ABANDONED),
            "unattached": ((UploadState.COMPLETED,), UNATTACHED),
        }[reason]
        rows = UploadedFile.objects.filter(unreferenced(self.relations))
        if reason == "unattached":
            rows = rows.filter(self._unattached())
        return rows.transition(upload.pk, sources, UploadState.FAILED, failure_reason=message)

    def delete_row(self, upload: UploadedFile) -> bool:
        """Delete the claimed row if nothing refers to it, in one statement that touches no
        other table. False: a model attached it after the claim, and the row stays."""
        rows = UploadedFile.objects.filter(
            unreferenced(self.relations), pk=upload.pk, file_upload_state=UploadState.FAILED
        )
        using = router.db_for_write(UploadedFile)
        try:
            with transaction.atomic(using=using):
                return rows._raw_delete(using) > 0
        except IntegrityError:  # the foreign key of an attach that committed meanwhile
            return False

    def _unattached(self) -> Q:
        """Completed (0.1.0's rows, which have no ``completed_at``: last changed) before the
        grace period of their profile."""
        if not self.reclaims_unattached:
            return Q(pk__in=[])
        completed = Coalesce("completed_at", "modified")
        rules = Q(pk__in=[])
        for profile, grace in self.grace.items():
            rule = Q(LessThan(completed, self.now - grace))
            rules |= rule if profile is None else rule & Q(profile=profile)
        return Q(file_upload_state=UploadState.COMPLETED) & rules


def reclaim_grace() -> dict[str | None, timedelta]:
    """The setting as grace periods by profile (``None``: every profile); empty when off.

    ``None`` (the default) is off; a number of seconds (or a ``timedelta``) applies to every
    profile; a dict names the profiles reclaimed, each with its own period (or ``None``).
    Raises ReclaimSettingError for anything else.
    """
    value = app_setting(SETTING)
    if isinstance(value, Mapping):
        periods = {str(name): _period(f"{SETTING}['{name}']", v) for name, v in value.items()}
        return {name: period for name, period in periods.items() if period is not None}
    period = _period(SETTING, value)
    return {} if period is None else {None: period}


def cleanup_rules(*, now: datetime, abandoned_before: datetime) -> CleanupRules:
    return CleanupRules(now, abandoned_before, reclaim_grace(), upload_relations())


def _period(name: str, value: Any) -> timedelta | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    else:
        seconds = -1.0
    if seconds < 0:
        raise ReclaimSettingError(
            f"S3_FILE_UPLOADS['{name}'] must be a number of seconds (0 or more), a timedelta or "
            f"None (off), not {value!r}; a dict of these by profile name is also accepted."
        )
    return timedelta(seconds=seconds)
