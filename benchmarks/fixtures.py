"""Rows, the stored object and a logged-in session for the benchmarks, in a configured Django.

Used in-process by ``inprocess.py``, and as a module before a gunicorn server starts, with
``DJANGO_SETTINGS_MODULE=benchmarks.benchsite.settings``::

    python -m benchmarks.fixtures ours s3 --rows 6000 --out F

which migrates the server's database, makes the user, the session, the object and the rows,
and writes what the load generator needs (cookie, CSRF token, ids) as JSON to ``F``.

Complete moves a row out of AWAIT_COMPLETE, so every complete request needs a row of its own:
``open_rows`` makes them in one bulk INSERT, all naming the one stored object.
"""

from __future__ import annotations

import argparse
import io
import json
import secrets
import sys
from typing import Any

from benchmarks.common import CONTENT_TYPE, LIMIT, OBJECT_BODY, OBJECT_KEY

USERNAME = "bench"


def user() -> Any:
    from django.contrib.auth import get_user_model

    found, _ = get_user_model().objects.get_or_create(username=USERNAME)
    return found


def store_object(backend: str) -> None:
    """Put the one object complete finds, through this project's backend, as a browser would."""
    import requests

    from s3_file_uploads.errors import ObjectNotFound
    from s3_file_uploads.registry import get_backend

    storage = get_backend(backend)
    try:
        storage.stat(OBJECT_KEY)
        return
    except ObjectNotFound:
        pass
    if backend == "local":
        storage.receive(
            OBJECT_KEY,
            io.BytesIO(OBJECT_BODY),
            max_size=LIMIT,
            content_type=CONTENT_TYPE,
            length=len(OBJECT_BODY),
        )
        return
    step = storage.presign_upload(
        key=OBJECT_KEY, max_size=LIMIT, content_type=CONTENT_TYPE, acl="private", expires_in=300
    )
    if step.method == "POST":
        sent = requests.post(
            step.url,
            data=dict(step.fields),
            files={"file": ("f.txt", OBJECT_BODY, CONTENT_TYPE)},
            timeout=10,
        )
    else:
        sent = requests.put(step.url, data=OBJECT_BODY, headers=dict(step.headers), timeout=10)
    sent.raise_for_status()
    storage.stat(OBJECT_KEY)


def open_rows(variant: str, backend: str, count: int) -> list[str]:
    """``count`` rows awaiting complete, all for the stored object."""
    from s3_file_uploads.models import UploadedFile

    owner = user()
    if variant == "seed":
        rows = [
            UploadedFile(filename="f.txt", user=owner, file_upload_state="AWAIT_COMPLETE")
            for _ in range(count)
        ]
    else:
        rows = [
            UploadedFile(
                file_key=OBJECT_KEY,
                filename="f.txt",
                file_upload_state="AWAIT_COMPLETE",
                user=owner,
                backend=backend,
                acl="private",
                content_type=CONTENT_TYPE,
                size_limit=LIMIT,
            )
            for _ in range(count)
        ]
    UploadedFile.objects.bulk_create(rows, batch_size=500)
    return [str(row.pk) for row in rows]


def completed_row(variant: str, backend: str) -> str:
    """One completed row for fetch."""
    from s3_file_uploads.models import UploadedFile

    fields: dict[str, Any] = {"filename": "f.txt", "user": user(), "file_upload_state": "COMPLETED"}
    if variant != "seed":
        fields.update(
            file_key=OBJECT_KEY,
            backend=backend,
            content_type=CONTENT_TYPE,
            size=len(OBJECT_BODY),
            size_limit=LIMIT,
        )
    return str(UploadedFile.objects.create(**fields).pk)


def logged_in_session() -> dict[str, str]:
    """A session cookie of the user and a CSRF token, as a browser holds after logging in."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    owner = user()
    session = SessionStore()
    session[SESSION_KEY] = str(owner.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = owner.get_session_auth_hash()
    session.create()
    csrf = secrets.token_hex(16)  # an unmasked 32-character secret: cookie and header alike
    return {
        "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}; "
        f"{settings.CSRF_COOKIE_NAME}={csrf}",
        "csrf": csrf,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("variant", choices=["ours", "floor", "seed"])
    parser.add_argument("backend")
    parser.add_argument("--rows", type=int, default=0)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    if args.variant != "seed":
        store_object(args.backend)
    found = {
        **logged_in_session(),
        "fetch_id": completed_row(args.variant, args.backend),
        "open_ids": open_rows(args.variant, args.backend, args.rows),
    }
    with open(args.out, "w") as out:
        json.dump(found, out)


if __name__ == "__main__":
    sys.exit(main())
