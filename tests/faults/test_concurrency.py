"""Requests at once, from threads with connections of their own, against a real moto server.

On PostgreSQL the two completes really overlap: both have read the row as open and asked
storage before either UPDATE runs (a barrier in the before_complete hook holds them there), so
only the conditional UPDATE stands between them and a double completion.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from s3_file_uploads.models import UploadedFile, UploadState
from s3_file_uploads.signals import upload_completed
from s3_file_uploads.testing import api_client, api_url

from .conftest import create_and_send, run_in_threads

pytestmark = pytest.mark.django_db(transaction=True)

TABLE = UploadedFile._meta.db_table
RACE_ITERATIONS = 20
CREATE_THREADS, CREATES = 8, 200


def test_two_completes_at_once_make_one_transition(user, api, s3_bucket, plugin):
    signalled: list[str] = []

    def on_completed(sender, upload, **kwargs):
        signalled.append(str(upload.pk))

    upload_completed.connect(on_completed)
    try:
        for iteration in range(RACE_ITERATIONS):
            race_once(user, api, plugin, signalled, iteration)
    finally:
        upload_completed.disconnect(on_completed)


def race_once(user, api, plugin, signalled, iteration) -> None:
    created = create_and_send(api, f"race {iteration}".encode())
    start = threading.Barrier(2)
    both_checked = threading.Barrier(2)
    overlapped: list[bool] = []
    rows_moved: list[int] = []
    lock = threading.Lock()

    def wait_for_the_other(upload, info):
        try:
            both_checked.wait(timeout=5)
            overlapped.append(True)
        except threading.BrokenBarrierError:
            overlapped.append(False)

    def count_moved_rows(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.lstrip().upper().startswith("UPDATE") and TABLE in sql:
            with lock:
                rows_moved.append(context["cursor"].rowcount)
        return result

    def complete(_: int):
        client = api_client(user)
        with connection.execute_wrapper(count_moved_rows):
            start.wait(timeout=10)
            return client.post(created["complete_url"])

    plugin.before_complete = wait_for_the_other
    plugin.calls.clear()
    signalled.clear()
    replies = run_in_threads(complete, 2)

    assert overlapped == [True, True], "the two completes did not overlap"
    assert [r.status_code for r in replies] == [200, 200], [r.content for r in replies]
    first, second = (r.json() for r in replies)
    assert first == second
    assert first["state"] == UploadState.COMPLETED
    assert sum(rows_moved) == 1, f"UPDATEs moved {rows_moved} rows"
    assert plugin.count("completed") == 1
    assert signalled == [created["id"]]
    row = UploadedFile.objects.get(pk=created["id"])
    assert row.file_upload_state == UploadState.COMPLETED
    assert row.size == len(f"race {iteration}")


def test_200_creates_from_8_threads_make_200_rows_with_distinct_keys(user, s3_bucket):
    per_thread = CREATES // CREATE_THREADS
    start = threading.Barrier(CREATE_THREADS)

    def create_many(_: int) -> list[tuple[int, str, str]]:
        client = api_client(user)
        start.wait(timeout=10)
        made = []
        for n in range(per_thread):
            reply = client.post(api_url(), {"filename": f"same-{n}.txt"}, format="json")
            body = reply.json() if reply.status_code == 201 else {}
            made.append((reply.status_code, body.get("id"), body.get("file_key")))
        return made

    made = [m for batch in run_in_threads(create_many, CREATE_THREADS) for m in batch]

    statuses = [status for status, _, _ in made]
    assert not [s for s in statuses if s >= 500], statuses
    assert statuses == [201] * CREATES
    assert len({key for _, _, key in made}) == CREATES
    assert len({pk for _, pk, _ in made}) == CREATES
    rows = UploadedFile.objects.filter(user=user)
    assert rows.count() == CREATES
    assert set(rows.values_list("file_key", flat=True)) == {key for _, _, key in made}
