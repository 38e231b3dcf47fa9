"""``manage.py configure_cors --origin https://app.example``: let browsers upload from an origin.

Browsers send the bytes straight to storage, so a cloud bucket or container must allow the
site's origin (CORS) before the first upload. This asks the backend to add the rules it needs to
those already there (``--replace`` drops the others) and prints every rule now in effect; a
second run changes nothing. Backends that need none (the local backend is the site itself) say
so. Every failure is one line that names the bucket or container.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError, CommandParser

from s3_file_uploads.conf import app_setting, default_backend_name
from s3_file_uploads.errors import BackendConfigurationError, StorageError
from s3_file_uploads.registry import get_backend

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Set the CORS rules a storage backend needs for browser uploads from the given origins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--origin",
            action="append",
            dest="origins",
            metavar="ORIGIN",
            help="An origin pages upload from, like https://app.example or "
            "http://localhost:8000; repeat for several. Defaults to "
            "S3_FILE_UPLOADS['CORS_ORIGINS'].",
        )
        parser.add_argument(
            "--backend",
            metavar="NAME",
            help="The backend configuration to set up (default: STORAGE_BACKEND).",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Drop every other CORS rule instead of keeping them (on Azure: every rule of "
            "the account's Blob service).",
        )

    def handle(
        self,
        *args: Any,
        origins: list[str] | None,
        backend: str | None,
        replace: bool = False,
        **options: Any,
    ) -> None:
        name = backend or default_backend_name()
        try:
            storage = get_backend(name)
        except BackendConfigurationError as error:
            raise CommandError(_with_hint(error)) from error
        if not storage.capabilities.cors:
            self.stdout.write(
                f"The '{name}' backend ({type(storage).__name__}) sets no CORS rules: it needs "
                "none (it is served from this site's own origin, like the local backend) or "
                "they are managed in the storage's own console."
            )
            return
        origins = [parse_origin(o) for o in (origins or _configured_origins())]
        if not origins:
            raise CommandError(
                "Name the origins to allow: --origin https://app.example (repeatable), or set "
                "S3_FILE_UPLOADS['CORS_ORIGINS']."
            )
        where = storage.describe()
        try:
            rules = storage.configure_cors(origins, replace=replace)
        except StorageError as error:
            raise CommandError(
                f"Could not set the CORS rules of {where} (configuration '{name}'): "
                f"{_with_hint(error)}"
            ) from error
        logger.info("configure_cors set the CORS rules of %s for %s", where, origins)
        kept = "every other rule was dropped" if replace else "other rules were kept"
        self.stdout.write(f"{where}: {kept}.")
        self.stdout.write(
            self.style.SUCCESS(f"CORS rules set on '{name}' for {', '.join(origins)}:")
        )
        self.stdout.write(json.dumps(rules, indent=2, default=str))


def _with_hint(error: Exception) -> str:
    """The error and its hint (when it has one) as one line."""
    text = " ".join(str(error).split()).rstrip(".")
    hint = getattr(error, "hint", None)
    return f"{text}. {' '.join(hint.split())}" if hint else f"{text}."


def _configured_origins() -> list[str]:
    return list(app_setting("CORS_ORIGINS"))


def parse_origin(value: str) -> str:
    """``scheme://host[:port]`` exactly as a browser sends it in ``Origin``, or ``*``."""
    value = value.strip()
    if value == "*":
        return value
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path not in {"", "/"}:
        raise CommandError(
            f"'{value}' is not an origin: give scheme, host and port only, like "
            "https://app.example or http://localhost:8000."
        )
    if parts.query or parts.fragment or "@" in parts.netloc:
        raise CommandError(f"'{value}' is not an origin: drop everything after the host.")
    return f"{parts.scheme}://{parts.netloc.lower()}"
