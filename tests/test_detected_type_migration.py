"""Migration 0006 adds ``detected_type``: rows made before it stay valid ("not checked"), and it
reverses, in a database of its own (a child process, so the test database is left alone)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = """
import json, django
from django.conf import settings
settings.configure(
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "s3_file_uploads"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": DB}},
    USE_TZ=True, AWS_BUCKET_NAME="bucket", MAX_FILE_UPLOAD_SIZE=1024,
)
django.setup()
from django.core.management import call_command
from django.db import connection

def columns():
    with connection.cursor() as cursor:
        return [c.name for c in connection.introspection.get_table_description(
            cursor, "s3_file_uploads_uploadedfile")]

def rows():
    with connection.cursor() as cursor:
        cursor.execute("SELECT filename, file_upload_state FROM s3_file_uploads_uploadedfile")
        return sorted(cursor.fetchall())

call_command("migrate", "s3_file_uploads", "0005", verbosity=0)
with connection.cursor() as cursor:
    for name, state in [("a.png", "COMPLETED"), ("b.pdf", "AWAIT_COMPLETE")]:
        cursor.execute(
            "INSERT INTO s3_file_uploads_uploadedfile (id, created, modified, file_key, filename,"
            " file_upload_state, anonymous, profile, backend, acl, content_type, etag,"
            " failure_reason, multipart_upload_id, checksum_algorithm, checksum)"
            " VALUES (%s, '2026-01-01', '2026-01-01', '', %s, %s, 0, 'default', '', 'private',"
            " '', '', '', '', '', '')",
            [name.replace(".", "0").ljust(32, "0"), name, state],
        )
before = rows()
call_command("migrate", "s3_file_uploads", "0006", verbosity=0)
from s3_file_uploads.models import UploadedFile
detected = sorted(UploadedFile.objects.values_list("filename", "detected_type"))
forward = "detected_type" in columns()
call_command("migrate", "s3_file_uploads", "0005", verbosity=0)
print(json.dumps({"before": before, "detected": detected, "forward": forward,
                  "back": "detected_type" in columns(), "after": rows()}))
"""


def test_migration_0006_keeps_every_row_marks_it_unchecked_and_reverses(tmp_path: Path):
    script = f"DB = {str(tmp_path / 'db.sqlite3')!r}\n{textwrap.dedent(SCRIPT)}"
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])

    assert result["forward"] is True
    assert result["detected"] == [["a.png", ""], ["b.pdf", ""]]
    assert result["back"] is False
    assert (
        result["after"] == result["before"] == [["a.png", "COMPLETED"], ["b.pdf", "AWAIT_COMPLETE"]]
    )
