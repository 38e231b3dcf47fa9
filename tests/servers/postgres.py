"""A throwaway PostgreSQL cluster on loopback, for the tests that need real concurrent writers.

SQLite serialises writes, so a race that PostgreSQL lets happen stays hidden there. The cluster
is Debian's ``postgresql`` package (scripts/setup.sh installs it) run as a plain process: initdb
into a temporary folder, then ``postgres`` on 127.0.0.1 and a free port, its unix socket in the
same folder. As root both run as the ``postgres`` OS user, since PostgreSQL refuses root.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from . import ServerProcess, free_port

SUPERUSER = "postgres"
OS_USER = "postgres"
INITDB_ARGS = (
    f"--username={SUPERUSER}",
    "--auth=trust",
    "--encoding=UTF8",
    "--locale=C.UTF-8",
    "--no-sync",
    "--no-instructions",
)


def postgres_bin() -> Path | None:
    """The newest installed server's bin folder (``/usr/lib/postgresql/<major>/bin``)."""
    found = [p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").exists()]
    if found:
        return max(found, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


class PostgresServer(ServerProcess):
    """``postgres`` serving one throwaway cluster; ``dsn`` and ``django_settings`` reach it."""

    def __init__(self, bindir: Path, root: Path) -> None:
        self.root, self.data, self.bindir = root, root / "data", bindir
        as_user = _as_postgres_user()
        _run([*as_user, str(bindir / "initdb"), *INITDB_ARGS, "-D", str(self.data)])
        port = free_port()
        argv = [
            *as_user,
            str(bindir / "postgres"),
            "-D",
            str(self.data),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-k",
            str(root),
            # Throwaway data: no fsync, and room for the threaded tests' connections.
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "max_connections=200",
        ]
        super().__init__("postgres", argv, port, env={"LC_ALL": "C.UTF-8"})
        self.wait_until_ready()

    def wait_until_ready(self, timeout: float = 30) -> None:
        """The port opens before recovery ends; wait until a session is really accepted."""
        import psycopg

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                psycopg.connect(self.dsn, connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"postgres not ready: {self.log.read_text()[-2000:]}")

    @property
    def dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname=postgres"

    def django_settings(self, name: str = "s3fu") -> dict[str, str]:
        """The keys to merge into a ``DATABASES`` entry."""
        return {"HOST": "127.0.0.1", "PORT": str(self.port), "USER": SUPERUSER, "NAME": name}

    def stop(self) -> None:
        """A fast shutdown (SIGINT to the postmaster) before the process-group SIGTERM."""
        if self.process.poll() is None:
            pg_ctl = [str(self.bindir / "pg_ctl"), "stop", "-m", "fast", "-D", str(self.data)]
            _run([*_as_postgres_user(), *pg_ctl, "-w", "-t", "10"], check=False)
        super().stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bindir = postgres_bin()
    if bindir is None:
        pytest.fail("PostgreSQL is not installed: run scripts/setup.sh (Debian's 'postgresql').")
    root = Path(tempfile.mkdtemp(prefix="s3fu-pg-"))
    if os.geteuid() == 0:
        entry = pwd.getpwnam(OS_USER)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    root.chmod(0o700)
    server = PostgresServer(bindir, root)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def _as_postgres_user() -> list[str]:
    return ["runuser", "-u", OS_USER, "--"] if os.geteuid() == 0 else []


def _run(argv: list[str], check: bool = True) -> None:
    done = subprocess.run(
        argv, capture_output=True, text=True, env={**os.environ, "LC_ALL": "C.UTF-8"}
    )
    if check and done.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed ({done.returncode}): {done.stderr[-2000:]}")
