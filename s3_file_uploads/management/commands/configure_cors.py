"""``manage.py configure_cors --origin https://app.example``: let browsers upload from an origin.

Browsers send the bytes straight to storage, so a cloud bucket or container must allow the
site's origin (CORS) before the first upload. This asks the backend to set the rules it needs
and prints them. Backends that need none (the local backend is the site itself) say so.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError, CommandParser

from s3_file_uploads.conf import app_setting, default_backend_name
from s3_file_uploads.errors import BackendConfigurationError, StorageError
from s3_file_uploads.registry import get_backend


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

    def handle(self, *args: Any, origins: list[str] | None, backend: str | None, **options: Any):
        name = backend or default_backend_name()
        try:
            storage = get_backend(name)
        except BackendConfigurationError as error:
            raise CommandError(f"{error}{f' {error.hint}' if error.hint else ''}") from error
        if not storage.capabilities.cors:
            self.stdout.write(
                f"The '{name}' backend ({type(storage).__name__}) sets no CORS rules: it needs "
                "none (it is served from this site's own origin, like the local backend) or "
                "they are managed in the storage's own console."
            )
            return
        origins = [_origin(o) for o in (origins or _configured_origins())]
        if not origins:
            raise CommandError(
                "Name the origins to allow: --origin https://app.example (repeatable), or set "
                "S3_FILE_UPLOADS['CORS_ORIGINS']."
            )
        try:
            rules = storage.configure_cors(origins)
        except BackendConfigurationError as error:
            raise CommandError(f"{error}{f' {error.hint}' if error.hint else ''}") from error
        except StorageError as error:
            raise CommandError(f"The '{name}' storage refused the CORS rules: {error}") from error
        self.stdout.write(
            self.style.SUCCESS(f"CORS rules set on '{name}' for {', '.join(origins)}:")
        )
        self.stdout.write(json.dumps(rules, indent=2, default=str))


def _configured_origins() -> list[str]:
    return list(app_setting("CORS_ORIGINS"))


def _origin(value: str) -> str:
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
