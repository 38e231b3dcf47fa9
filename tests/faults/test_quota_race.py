"""Creates at once against one quota, from threads with connections of their own.

The quota fits one 6-byte file of 10 bytes. Eight creates of 6 bytes start together; exactly one
may pass, on SQLite (its write lock) and on PostgreSQL (a row lock on the user's QuotaLock).
"""

from __future__ import annotations

import threading

import pytest

from s3_file_uploads.models import UploadedFile
from s3_file_uploads.testing import api_client, api_url

from .conftest import run_in_threads

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8
URL = api_url()


@pytest.fixture
def quota(settings, s3_bucket):
    settings.S3_FILE_UPLOADS = {"PROFILES": {"document": {"QUOTA": {"BYTES": 10}}}}


def test_concurrent_creates_never_pass_a_quota_only_one_fits(user, quota, waiting_locks):
    for _ in range(3):
        start = threading.Barrier(THREADS)

        def create(index: int, start: threading.Barrier = start):
            client = api_client(user)
            start.wait(timeout=10)
            body = {"profile": "document", "filename": f"{index}.pdf", "size": 6}
            return client.post(URL, body, format="json")

        replies = run_in_threads(create, THREADS)

        statuses = sorted(reply.status_code for reply in replies)
        assert statuses == [201] + [403] * (THREADS - 1), [r.content for r in replies]
        refused = next(r for r in replies if r.status_code == 403).json()
        assert (refused["quota"], refused["usage"], refused["limit"]) == ("bytes", 6, 10)
        assert UploadedFile.objects.filter(user=user, profile="document").count() == 1
        UploadedFile.objects.all().delete()
