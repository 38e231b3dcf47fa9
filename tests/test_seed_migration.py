"""A database made by django-s3-file-upload 0.1.0, with rows in it, migrates forward intact.

The seed runs in its own virtualenv (``.tools/seed-venv``, made by scripts/setup.sh), so the
database is the one 0.1.0 really creates, django-fsm columns and all.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from .servers import TOOLS

SEED_PYTHON = TOOLS / "seed-venv" / "bin" / "python"

SETTINGS = """
import django
from django.conf import settings
settings.configure(
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "s3_file_uploads"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": DB}},
    USE_TZ=True, AWS_BUCKET_NAME="seed-bucket", MAX_FILE_UPLOAD_SIZE=1024,
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
)
django.setup()
from django.core.management import call_command
"""

SEED_WRITES = """
call_command("migrate", verbosity=0)
from django.contrib.auth.models import User
from s3_file_uploads.models import UploadedFile
ada = User.objects.create_user("ada")
make = UploadedFile.objects.create
rows = [
    make(filename="new.pdf", user=ada),
    make(filename="waiting.pdf", user=ada, file_upload_state="AWAIT_COMPLETE"),
    make(filename="done.pdf", user=ada, file_upload_state="COMPLETED"),
    make(filename="orphan.pdf", file_upload_state="COMPLETED"),
]
print(json.dumps({str(r.id): [r.filename, r.file_upload_state] for r in rows}))
"""

OURS_READS = """
call_command("migrate", verbosity=0)
from s3_file_uploads.models import UploadedFile
print(json.dumps({
    str(r.id): [r.filename, r.file_upload_state, r.backend, r.acl, r.get_file_key(),
                r.user.username if r.user else None]
    for r in UploadedFile.objects.select_related("user")
}))
"""


def run(python: Path, db: Path, body: str) -> dict:
    script = f"import json\nDB = {str(db)!r}\n{SETTINGS}\n{textwrap.dedent(body)}"
    done = subprocess.run(
        [str(python), "-c", script], cwd=db.parent, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_seed_database_with_rows_migrates_forward_with_no_row_lost(tmp_path):
    assert SEED_PYTHON.exists(), "run scripts/setup.sh first: it makes the seed's virtualenv"
    db = tmp_path / "seed.sqlite3"
    seeded = run(SEED_PYTHON, db, SEED_WRITES)

    migrated = run(Path(sys.executable), db, OURS_READS)

    assert set(migrated) == set(seeded)
    for row_id, (filename, state) in seeded.items():
        name, new_state, backend, acl, key, _ = migrated[row_id]
        assert (name, new_state) == (filename, state)
        assert (backend, acl, key) == ("s3", "private", row_id)
    owners = sorted(str(row[5]) for row in migrated.values())
    assert owners == ["None", "ada", "ada", "ada"]
