"""Per-user quotas of a profile: bytes stored and uploads open at once.

Usage counts completed uploads at their stored size and open ones at their declared size, so a
create reserves its bytes until it completes or fails. The check and the write that follows it
run in one transaction that first updates the user's :class:`~s3_file_uploads.models.QuotaLock`
row for the profile: concurrent creates of one user in one profile take turns there, so two of
them cannot both pass a quota that only one fits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import OPEN_STATES, QuotaLock, UploadedFile, UploadState
from .profiles import Profile

T = TypeVar("T")


@dataclass(frozen=True)
class Usage:
    bytes: int
    open_uploads: int


class QuotaExceeded(Exception):
    """A create or complete would take the user past a quota; says which, the usage and limit."""

    def __init__(self, profile: Profile, quota: str, usage: int, limit: int, adding: int) -> None:
        self.profile, self.quota, self.usage, self.limit = profile, quota, usage, limit
        if quota == "bytes":
            message = (
                f"This would store {usage + adding} bytes in the '{profile.name}' profile; your "
                f"quota is {limit} bytes and {usage} are in use. Delete files you no longer need "
                "or upload a smaller one."
            )
        else:
            message = (
                f"You have {usage} uploads open in the '{profile.name}' profile, the most "
                f"allowed at once is {limit}. Complete or delete one, then try again."
            )
        super().__init__(message)

    def as_dict(self) -> dict[str, Any]:
        return {
            "detail": str(self),
            "quota": self.quota,
            "profile": self.profile.name,
            "usage": self.usage,
            "limit": self.limit,
        }


def usage(user: Any, profile: Profile, *, excluding: Any = None) -> Usage:
    """What ``user`` holds in ``profile`` now (one query), leaving out the row ``excluding``."""
    rows = UploadedFile.objects.filter(user=user, profile=profile.name)
    if excluding is not None:
        rows = rows.exclude(pk=excluding)
    is_open = Q(file_upload_state__in=OPEN_STATES)
    totals = rows.aggregate(
        completed=Coalesce(Sum("size", filter=Q(file_upload_state=UploadState.COMPLETED)), 0),
        reserved=Coalesce(Sum("declared_size", filter=is_open), 0),
        open=Count("pk", filter=is_open),
    )
    return Usage(totals["completed"] + totals["reserved"], totals["open"])


def check(profile: Profile, now: Usage, *, adding_bytes: int, adding_open: int) -> None:
    """Raise QuotaExceeded if ``now`` plus what is added passes a quota of ``profile``."""
    quota = profile.quota
    if quota.open_uploads is not None and now.open_uploads + adding_open > quota.open_uploads:
        raise QuotaExceeded(profile, "open_uploads", now.open_uploads, quota.open_uploads, 1)
    if quota.bytes is not None and now.bytes + adding_bytes > quota.bytes:
        raise QuotaExceeded(profile, "bytes", now.bytes, quota.bytes, adding_bytes)


@contextmanager
def held(user: Any, profile: Profile) -> Iterator[None]:
    """A transaction in which ``user``'s usage of ``profile`` cannot change under the caller.

    ``user`` is a user or a user's primary key.
    """
    user_id = getattr(user, "pk", user)
    QuotaLock.objects.get_or_create(user_id=user_id, profile=profile.name)
    with transaction.atomic():
        QuotaLock.objects.filter(user_id=user_id, profile=profile.name).update(
            touched=timezone.now()
        )
        yield


def within_quota(
    user: Any,
    profile: Profile,
    size: int,
    write: Callable[[], T],
    *,
    excluding: Any = None,
    adding_open: int = 1,
) -> T:
    """Check that ``size`` more bytes and ``adding_open`` more open uploads fit, then
    ``write()``, as one step.

    ``user`` is a user or a user's primary key; ``excluding`` is the primary key of a row left
    out of the usage (the upload a complete settles, counted again at ``size``).
    """
    if not profile.quota or user is None or not getattr(user, "is_authenticated", True):
        return write()
    with held(user, profile):
        now = usage(user, profile, excluding=excluding)
        check(profile, now, adding_bytes=size, adding_open=adding_open)
        return write()
