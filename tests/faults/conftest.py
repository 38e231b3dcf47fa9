"""Fixtures for the fault and concurrency tests: the database they run on, a storage server of
their own that they may stop, a storage that never answers, and a plugin they can make misbehave.

The same tests run on SQLite (the default settings) and on PostgreSQL
(``--ds=tests.faults.settings_postgres``). Run on their own, they put SQLite's test database
in a file rather than in memory, so that threads lock and wait as a deployed SQLite does (an
in-memory database shared between threads goes through SQLite's shared cache and its table
locks instead). In a run of the whole suite the first test decides, and they pass either way.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connections
from rest_framework.test import APIClient

from s3_file_uploads.hookspecs import hookimpl
from s3_file_uploads.models import UploadedFile
from s3_file_uploads.testing import create_upload

from ..plugin_modules import plugin_module
from ..servers import ServerProcess, start_on_free_port
from ..servers.moto import ACCESS_KEY, REGION, SECRET_KEY, moto_argv, s3_client

PLUGIN_MODULE = "tests_faults_plugin"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Point PostgreSQL settings at the throwaway cluster; put SQLite's test database on disk."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.postgresql":
        database.update(request.getfixturevalue("postgres_server").django_settings())
    elif database["ENGINE"] == "django.db.backends.sqlite3":
        test = database.setdefault("TEST", {})
        if test.get("NAME") in (None, "", ":memory:"):
            test["NAME"] = str(tmp_path_factory.mktemp("sqlite") / "faults.sqlite3")


def create_and_send(api: APIClient, body: bytes = b"hello world", **fields: Any) -> dict:
    """Create an upload and send its bytes to storage as a browser would; the create reply."""
    return create_upload(api, body=body, **{"filename": "hello.txt", **fields})


def row_values(upload_id: str) -> dict:
    """The upload's row as stored, to compare before and after a fault."""
    return UploadedFile.objects.values().get(pk=upload_id)


def run_in_threads(target: Callable[[int], Any], count: int, timeout: float = 60) -> list[Any]:
    """Run ``target(i)`` in ``count`` threads; their results, or raise the first error.

    Each thread closes its own database connections when done, so none outlives the test. Give
    each its own ``api_client``: test clients keep per-request state.
    """
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            results[index] = target(index)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(t.is_alive() for t in threads), f"a thread still runs after {timeout}s"
    if errors:
        raise errors[0]
    return results


class Plugin:
    """What the project plugin does; tests set ``before_complete``/``completed`` behaviour."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: list[tuple[str, str]] = []
        self.before_complete: Callable[[Any, Any], str | None] | None = None
        self.completed: Callable[[Any], None] | None = None

    def record(self, name: str, upload: Any) -> None:
        with self.lock:
            self.calls.append((name, str(upload.pk)))

    def count(self, name: str) -> int:
        return sum(1 for called, _ in self.calls if called == name)


@pytest.fixture
def plugin(settings) -> Iterator[Plugin]:
    """A project plugin module registered through ``S3_FILE_UPLOADS["PLUGINS"]``."""
    behaviour = Plugin()

    @hookimpl
    def s3_file_uploads_before_complete(upload, info):
        behaviour.record("before_complete", upload)
        return behaviour.before_complete and behaviour.before_complete(upload, info)

    @hookimpl
    def s3_file_uploads_upload_completed(upload):
        behaviour.record("completed", upload)
        if behaviour.completed:
            behaviour.completed(upload)

    hooks = (s3_file_uploads_before_complete, s3_file_uploads_upload_completed)
    with plugin_module(PLUGIN_MODULE, *hooks) as name:
        settings.S3_FILE_UPLOADS = {**getattr(settings, "S3_FILE_UPLOADS", {}), "PLUGINS": [name]}
        yield behaviour


@pytest.fixture
def own_moto(settings) -> Iterator[ServerProcess]:
    """A moto server for one test, which it may stop and restart (moto forgets its buckets)."""
    server = start_on_free_port("moto-faults", moto_argv)
    settings.AWS_BUCKET_NAME = "faults"
    settings.AWS_ACCESS_KEY_ID = ACCESS_KEY
    settings.AWS_SECRET_ACCESS_KEY = SECRET_KEY
    settings.AWS_S3_ENDPOINT_URL = server.url
    settings.AWS_S3_REGION_NAME = REGION
    settings.STORAGE_BACKEND = "s3"
    s3_client(server).create_bucket(Bucket="faults")
    yield server
    server.stop()


class HangingStorage:
    """A loopback TCP server that accepts connections, reads nothing and never answers."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()
        for conn in self.accepted:
            conn.close()


@pytest.fixture
def hanging_storage() -> Iterator[HangingStorage]:
    server = HangingStorage()
    yield server
    server.close()


@pytest.fixture
def waiting_locks(db) -> None:
    """Skip where the test database is SQLite in memory: threads share it through SQLite's
    shared cache, whose table locks fail at once instead of waiting as a deployed database's
    locks do. These tests run on a file (the faults folder alone) and on PostgreSQL."""
    database = connections["default"].settings_dict
    name = str(database.get("NAME") or "")
    if database["ENGINE"].endswith("sqlite3") and (not name or "memory" in name):
        pytest.skip("SQLite in memory: shared-cache table locks do not wait")
