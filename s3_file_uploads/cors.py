"""The CORS verdicts of ``check_storage``: the same words and fixes for every backend.

Each backend reads its cloud's CORS rules and knows what they lack for a browser upload from
an origin; how that becomes a :class:`~s3_file_uploads.contract.Diagnosis`, and which command
fixes it, is said here once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from .contract import Diagnosis

#: What ``diagnose`` yields for CORS when there is no origin to check.
NO_ORIGINS_TO_CHECK = Diagnosis(
    "CORS",
    "skip",
    "no origins to check",
    "Set S3_FILE_UPLOADS['CORS_ORIGINS'] to the origins your pages are served from "
    "(or pass --origin).",
)


def origin_diagnoses(
    backend: str, origins: Iterable[str], shortfall: Callable[[str], str]
) -> Iterator[Diagnosis]:
    """A pass or a fail for each origin, the fail with the ``configure_cors`` run that fixes it.

    ``shortfall(origin)`` says what the rules lack for browser uploads from the origin, and is
    empty when nothing; ``backend`` is the configuration name the fix names.
    """
    for origin in origins:
        if gap := shortfall(origin):
            fix = f"Run: python manage.py configure_cors --backend {backend} --origin {origin}"
            yield Diagnosis(f"CORS for {origin}", "fail", gap, fix)
        else:
            yield Diagnosis(f"CORS for {origin}", "pass", "browser uploads are allowed")
