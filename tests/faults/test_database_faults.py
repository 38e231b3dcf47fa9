"""The database failing in the middle of complete: storage has been asked, the row is about to
move, and the UPDATE fails. Nothing may be half done: the row stays open, the client gets a
5xx, and a retry completes (or refuses) as if the failure had never happened."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from django.db import (
    OperationalError,
    close_old_connections,
    connection,
    connections,
    transaction,
)
from django.db.models import F

from s3_file_uploads.models import UploadedFile, UploadState

from ..servers.moto import s3_client
from .conftest import create_and_send, row_values
from .expectations import assert_refused_with

pytestmark = pytest.mark.django_db(transaction=True)

TABLE = UploadedFile._meta.db_table


def is_row_update(sql: str) -> bool:
    return sql.lstrip().upper().startswith("UPDATE") and TABLE in sql


@contextmanager
def failing_updates(fail, state=UploadState.COMPLETED):
    """Run ``fail(context)`` before each UPDATE of the upload table that moves a row to
    ``state``, on this thread's connection, for the requests made inside the block.

    Only the moving UPDATE fails, so anything written before it would show as a half state.
    """
    seen: list[str] = []

    def wrapper(execute, sql, params, many, context):
        if is_row_update(sql) and state in (params or ()):
            seen.append(sql)
            fail(context)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield seen


def raise_operational_error(context) -> None:
    raise OperationalError("injected: the server closed the connection unexpectedly")


def assert_the_row_stayed_open(updates, reply, upload_id: str, before: dict, plugin) -> None:
    """What a failed completing UPDATE leaves: a 5xx, the row as it was, no completed hook."""
    assert updates, "the fault never fired: complete issued no UPDATE"
    assert reply.status_code >= 500
    assert row_values(upload_id) == before
    assert plugin.count("completed") == 0


def test_database_error_at_the_completing_update_leaves_the_row_open_and_a_retry_completes(
    api, s3_bucket, plugin
):
    created = create_and_send(api)
    before = row_values(created["id"])
    api.raise_request_exception = False

    with failing_updates(raise_operational_error) as updates:
        reply = api.post(created["complete_url"])

    assert_the_row_stayed_open(updates, reply, created["id"], before, plugin)

    retry = api.post(created["complete_url"])

    assert retry.status_code == 200, retry.content
    assert retry.json()["state"] == UploadState.COMPLETED
    assert UploadedFile.objects.get(pk=created["id"]).file_upload_state == UploadState.COMPLETED
    assert plugin.count("completed") == 1


def test_database_error_while_refusing_keeps_the_object_and_the_retry_refuses(
    api, s3_bucket, moto_server, plugin
):
    """The refusing UPDATE fails: the object must still be there, so the retry refuses it for
    the same reason, instead of saying that no file has arrived."""
    created = create_and_send(api)
    plugin.before_complete = lambda upload, info: "Not in this folder."
    api.raise_request_exception = False

    with failing_updates(raise_operational_error, UploadState.FAILED) as updates:
        reply = api.post(created["complete_url"])

    assert updates, "the fault never fired: the refusal issued no UPDATE"
    assert reply.status_code >= 500
    assert row_values(created["id"])["file_upload_state"] == UploadState.AWAIT_COMPLETE
    storage = s3_client(moto_server)
    assert storage.head_object(Bucket=s3_bucket, Key=created["file_key"])

    retry = api.post(created["complete_url"])

    assert_refused_with(retry, created["id"], "Not in this folder.")
    listed = storage.list_objects_v2(Bucket=s3_bucket, Prefix=created["file_key"])
    assert listed.get("KeyCount", 0) == 0


def test_row_locked_by_another_transaction_fails_the_update_and_a_retry_completes(
    api, s3_bucket, plugin
):
    """A real database failure: another transaction holds the row, the completing UPDATE hits
    the lock timeout (PostgreSQL's lock_timeout, SQLite's busy_timeout)."""
    created = create_and_send(api)
    before = row_values(created["id"])
    locked, release = threading.Event(), threading.Event()

    def hold_the_row() -> None:
        try:
            with transaction.atomic():
                UploadedFile.objects.filter(pk=created["id"]).update(filename=F("filename"))
                locked.set()
                release.wait(30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_the_row, daemon=True)
    holder.start()
    try:
        assert locked.wait(10)
        with short_lock_timeout():
            api.raise_request_exception = False
            reply = api.post(created["complete_url"])
    finally:
        release.set()
        holder.join(10)

    assert reply.status_code >= 500
    assert row_values(created["id"]) == before
    assert plugin.count("completed") == 0

    retry = api.post(created["complete_url"])

    assert retry.status_code == 200, retry.content
    assert UploadedFile.objects.get(pk=created["id"]).file_upload_state == UploadState.COMPLETED
    assert plugin.count("completed") == 1


@contextmanager
def short_lock_timeout(milliseconds: int = 300):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SET lock_timeout = {milliseconds}")
        else:
            cursor.execute(f"PRAGMA busy_timeout = {milliseconds}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("RESET lock_timeout")
            else:
                cursor.execute("PRAGMA busy_timeout = 5000")


def test_connection_killed_at_the_completing_update_leaves_the_row_open_and_a_retry_completes(
    api, s3_bucket, plugin
):
    """PostgreSQL ends the request's session (pg_terminate_backend) just before the UPDATE."""
    if connection.vendor != "postgresql":
        pytest.skip("a server that can end a session: PostgreSQL only")
    import psycopg

    created = create_and_send(api)
    before = row_values(created["id"])
    db = connection.settings_dict

    def terminate_this_session(context) -> None:
        pid = context["connection"].connection.info.backend_pid
        with psycopg.connect(
            host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], autocommit=True
        ) as admin:
            admin.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])

    api.raise_request_exception = False
    with failing_updates(terminate_this_session) as updates:
        reply = api.post(created["complete_url"])
    # What Django does when a request ends: drop a connection that errored and is unusable.
    close_old_connections()

    assert_the_row_stayed_open(updates, reply, created["id"], before, plugin)

    retry = api.post(created["complete_url"])

    assert retry.status_code == 200, retry.content
    assert UploadedFile.objects.get(pk=created["id"]).file_upload_state == UploadState.COMPLETED
