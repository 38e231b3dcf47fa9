"""The demo keeps each storage's rows apart, so switching DEMO_STORAGE never lists rows whose
files live on the other storage (they answered 502 when fetched)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

from tests.servers import REPO

EXAMPLE = REPO / "example"


def demo_database(storage: str) -> str:
    """The database file the demo's settings choose for a storage, when DEMO_DB is not set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEMO_")}
    printed = subprocess.run(
        [sys.executable, "-c",
         "from demo import settings; print(settings.DATABASES['default']['NAME'])"],
        cwd=EXAMPLE, env={**env, "DEMO_STORAGE": storage},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return printed.stdout.strip()


def test_each_storage_has_its_own_database_file():
    databases = {storage: demo_database(storage) for storage in ("local", "s3", "azure", "gcs")}

    assert databases == {storage: str(EXAMPLE / f"demo-{storage}.sqlite3") for storage in databases}


@pytest.fixture
def demo_cloud(monkeypatch):
    monkeypatch.delenv("DEMO_DB", raising=False)
    spec = importlib.util.spec_from_file_location("demo_cloud", REPO / "scripts" / "demo_cloud.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_cloud_stand_in_run_starts_with_an_empty_database(demo_cloud, tmp_path):
    old = tmp_path / "demo-s3.sqlite3"
    old.write_bytes(b"rows of files the last moto server held in memory")

    env = demo_cloud.fresh_database("s3", folder=tmp_path)

    assert env == {"DEMO_DB": str(old)}
    assert not old.exists()


def test_a_database_named_by_demo_db_is_left_alone(demo_cloud, tmp_path, monkeypatch):
    kept = tmp_path / "mine.sqlite3"
    kept.write_bytes(b"keep")
    monkeypatch.setenv("DEMO_DB", str(kept))

    assert demo_cloud.fresh_database("s3", folder=tmp_path) == {}
    assert kept.read_bytes() == b"keep"
