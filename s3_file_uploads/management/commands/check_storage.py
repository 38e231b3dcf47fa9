"""``manage.py check_storage``: does each configured storage work, and if not, what to change.

For every backend configuration (or the ones named with ``--backend``) it checks that the
backend can be built from the settings, what the backend itself can probe (credentials, that
the bucket or container exists, that the CORS rules admit ``CORS_ORIGINS``), and a signed upload
and download round trip. One line per check, with the fix on the line of a failure; the exit
status is non-zero when any check failed. See :mod:`s3_file_uploads.diagnostics`.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from s3_file_uploads.conf import app_setting, backend_configs
from s3_file_uploads.contract import Diagnosis
from s3_file_uploads.diagnostics import diagnose
from s3_file_uploads.errors import BackendConfigurationError
from s3_file_uploads.registry import get_backend

from .configure_cors import parse_origin

logger = logging.getLogger(__name__)

LABELS = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP"}


class Command(BaseCommand):
    help = (
        "Check every configured storage backend: credentials, bucket, CORS for the configured "
        "origins, and a signed upload and download round trip. Exits non-zero on any failure."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--backend",
            action="append",
            dest="backends",
            metavar="NAME",
            help="Check only this backend configuration; repeat for several (default: all).",
        )
        parser.add_argument(
            "--origin",
            action="append",
            dest="origins",
            metavar="ORIGIN",
            help="An origin pages upload from, for the CORS check; repeatable. Defaults to "
            "S3_FILE_UPLOADS['CORS_ORIGINS'].",
        )
        parser.add_argument(
            "--base-url",
            metavar="URL",
            help="Send site-relative URLs (the local backend's) over HTTP to this running site, "
            "like https://app.example; without it they go through Django in-process.",
        )
        parser.add_argument(
            "--no-round-trip",
            action="store_true",
            help="Skip the upload round trip (it writes, reads and deletes one small object).",
        )

    def handle(
        self,
        *args: Any,
        backends: list[str] | None = None,
        origins: list[str] | None = None,
        base_url: str | None = None,
        no_round_trip: bool = False,
        **options: Any,
    ) -> None:
        configured = backend_configs()
        names = backends or sorted(configured)
        unknown = [name for name in names if name not in configured]
        if unknown:
            raise CommandError(
                f"No backend configuration named {', '.join(unknown)}. "
                f"Configured: {', '.join(sorted(configured))}."
            )
        origins = [parse_origin(o) for o in (origins or app_setting("CORS_ORIGINS"))]
        results: list[Diagnosis] = []
        for name in names:
            for result in self._diagnose(name, origins, base_url, not no_round_trip):
                results.append(result)
                self._print(name, result)
        failed = sum(result.failed for result in results)
        if failed:
            raise CommandError(f"{failed} of {len(results)} storage checks failed.")
        self.stdout.write(self.style.SUCCESS(f"All {len(results)} storage checks passed."))

    def _diagnose(self, name: str, origins: list[str], base_url: str | None, round_trip: bool):
        try:
            storage = get_backend(name)
        except BackendConfigurationError as error:
            yield Diagnosis("settings", "fail", " ".join(str(error).split()), error.hint or "")
            return
        yield Diagnosis("settings", "pass", storage.describe())
        yield from diagnose(storage, origins=origins, round_trip=round_trip, base_url=base_url)

    def _print(self, name: str, result: Diagnosis) -> None:
        line = f"{name}  {LABELS[result.outcome]}  {result.check}: {result.detail}".rstrip(": ")
        if result.outcome != "pass" and result.fix:
            line = f"{line.rstrip('.')}. Fix: {result.fix}"
        style = {"pass": self.style.SUCCESS, "fail": self.style.ERROR, "skip": self.style.WARNING}
        self.stdout.write(style[result.outcome](line))
        if result.failed:
            logger.warning("check_storage: backend %s failed %s: %s", name, result.check, line)
