"""Requests per second over HTTP: the example project under gunicorn, loaded by wrk.

Each variant (this project on one backend, 0.1.0 on S3, the floor on one backend) is the demo
project (``benchsite`` wraps ``example/demo``'s settings) served by gunicorn with 2 sync workers
from its own virtualenv, on its own SQLite file on tmpfs. Before it starts, ``fixtures.py``
migrates the database and makes a logged-in session, the stored object, one completed row (for
fetch) and enough open rows that every complete request gets one of its own. wrk then sends each
kind of request at a fixed concurrency with ``load.lua`` (session cookie, CSRF header, JSON body),
first a warm-up, then the measured run; every reply's status is checked.

``memory_run`` serves this project alone and sends bursts of create, complete and fetch, reading
each worker's resident memory (``VmRSS``, and its peak ``VmHWM``) from ``/proc`` after each burst.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.error import HTTPError

from benchmarks.common import (
    AWS_ACCESS_KEY,
    AWS_REGION,
    AWS_SECRET_KEY,
    BUCKET,
    CREATE_BODY,
    GCS_PROJECT,
    HERE,
    REPO,
    SEED_VENV,
    child_imports,
)
from tests.servers import ServerProcess, free_port

WORKERS = 2
THREADS = 2
CONNECTIONS = 8
EXPECTED = {"create": 201, "complete": 200, "fetch": 302}
#: The memory run judges growth over its last this many requests.
WINDOW = 10_000
VENVS = {"ours": REPO / ".venv", "floor": REPO / ".venv", "seed": SEED_VENV}


def wrk_missing() -> str | None:
    if shutil.which("wrk"):
        return None
    return "wrk is not installed (scripts/setup.sh installs Debian's: apt-get install -y wrk)"


def storage_env(backend: str, bench: dict[str, str]) -> dict[str, str]:
    """The demo's environment variables for one backend (as scripts/demo_cloud.py sets them)."""
    if backend == "s3":
        return {
            "AWS_S3_ENDPOINT_URL": bench["BENCH_MOTO_URL"],
            "AWS_BUCKET_NAME": BUCKET,
            "AWS_ACCESS_KEY_ID": AWS_ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": AWS_SECRET_KEY,
            "AWS_S3_REGION_NAME": AWS_REGION,
            "AWS_DEFAULT_REGION": AWS_REGION,
        }
    if backend == "gcs":
        return {
            "GS_BUCKET_NAME": BUCKET,
            "GS_API_ENDPOINT": bench["BENCH_GCS_URL"],
            "GS_CREDENTIALS": bench["BENCH_GCS_KEY_FILE"],
            "GS_PROJECT_ID": GCS_PROJECT,
            "DEMO_BACKEND_OPTIONS": json.dumps({"api_endpoint_auth": False}),
        }
    if backend == "azure":
        return {
            "AZURE_CONNECTION_STRING": bench["BENCH_AZURE_CONNECTION_STRING"],
            "AZURE_CONTAINER": BUCKET,
        }
    return {}


class Gunicorn(ServerProcess):
    """A gunicorn master and its workers, as ``/proc`` sees them."""

    def ready(self) -> bool:
        """Django answers and every worker is up (gunicorn listens before its workers boot)."""
        try:
            # A path no variant serves: the 404 says Django answers, and redirects nowhere.
            with urllib.request.urlopen(f"{self.url}/bench-ready/", timeout=5):  # noqa: S310
                return False
        except HTTPError:
            return len(self.workers()) == WORKERS
        except OSError:
            return False

    def wait_until_listening(self, timeout: float = 60) -> None:
        super().wait_until_listening(timeout)

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def memory(self) -> dict[int, dict[str, float]]:
        """Each worker's resident and peak resident memory, in MiB."""
        found = {}
        for pid in self.workers():
            try:
                status = Path(f"/proc/{pid}/status").read_text().splitlines()
            except OSError:
                continue
            values = {
                line.split(":")[0]: int(line.split()[1]) / 1024
                for line in status
                if line.startswith(("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"))
            }
            found[pid] = {
                "rss_mib": values["VmRSS"],
                "peak_mib": values["VmHWM"],
                # RSS = private memory (the heap) + mapped files + shared memory (SQLite's
                # WAL index is a shared mapping that grows with the write-ahead log).
                "anon_mib": values["RssAnon"],
                "file_mib": values["RssFile"],
                "shmem_mib": values["RssShmem"],
            }
        return found

    def cpu_seconds(self) -> float:
        """User and system CPU time the workers have used so far."""
        ticks = 0
        for pid in self.workers():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    """One gunicorn serving the demo project for one variant and backend."""

    variant: str
    backend: str
    bench: dict[str, str]
    rows: int
    folder: Path
    fixtures: dict = field(default_factory=dict)
    ids_file: Path | None = None
    ids_used: int = 0
    gunicorn: Gunicorn | None = None
    #: A gunicorn configuration module (the memory run's hooks), if any.
    config: str | None = None

    def env(self) -> dict[str, str]:
        # Only what the demo needs: no AWS_*/GS_*/AZURE_* from the caller's environment.
        inherited = {
            k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GS_", "AZURE_"))
        }
        media = Path(self.bench["BENCH_MEDIA_ROOT"])
        return {
            **inherited,
            **self.bench,
            **storage_env(self.backend, self.bench),
            **child_imports(REPO / "example"),
            "DJANGO_SETTINGS_MODULE": "benchmarks.benchsite.settings",
            "BENCH_VARIANT": self.variant,
            "BENCH_OBJECTS_DIR": str(self.folder),
            "BENCH_DB": str(self.folder / f"{self.variant}-{self.backend}.sqlite3"),
            "DEMO_STORAGE": self.backend,
            "DEMO_DEBUG": "0",
            # The local backend keeps objects in MEDIA_ROOT/s3_file_uploads: the same folder
            # the in-process run uses.
            "DEMO_MEDIA_ROOT": str(media.parent),
        }

    def start(self) -> None:
        venv = VENVS[self.variant]
        out = self.folder / f"{self.variant}-{self.backend}.json"
        subprocess.run(
            [
                str(venv / "bin" / "python"),
                "-m",
                "benchmarks.fixtures",
                self.variant,
                self.backend,
                f"--rows={self.rows}",
                f"--out={out}",
            ],
            cwd=self.folder,
            env=self.env(),
            check=True,
        )
        self.fixtures = json.loads(out.read_text())
        self.ids_file = self.folder / f"{self.variant}-{self.backend}.ids"
        self.ids_file.write_text("\n".join(self.fixtures["open_ids"]) + "\n")
        port = free_port()
        self.gunicorn = Gunicorn(
            f"bench-gunicorn-{self.variant}-{self.backend}",
            [
                str(venv / "bin" / "gunicorn"),
                f"--workers={WORKERS}",
                f"--bind=127.0.0.1:{port}",
                "--worker-tmp-dir=/dev/shm",
                "--log-level=warning",
                *([f"--config=python:{self.config}"] if self.config else []),
                "benchmarks.benchsite.wsgi:application",
            ],
            port,
            env=self.env(),
            inherit_env=False,
            # gunicorn imports from the folder it starts in: not the repository's root.
            cwd=self.folder,
        )

    @property
    def url(self) -> str:
        return self.gunicorn.url

    def path(self, operation: str) -> str:
        base = f"/floor/{self.backend}/" if self.variant == "floor" else "/api/s3-file-uploads/"
        return {
            "create": base,
            "complete": base + "{id}/complete/",
            "fetch": f"{base}{self.fixtures['fetch_id']}/",
        }[operation]

    def load(self, operation: str, seconds: int) -> dict:
        """One wrk run of one kind of request, ``seconds`` long.

        (wrk runs for its whole duration even when its threads stop early, keeping their
        connections open, which a sync worker then waits on until its timeout: so every run
        is timed, never counted.)
        """
        env = {
            **os.environ,
            "BENCH_METHOD": "GET" if operation == "fetch" else "POST",
            "BENCH_PATH": self.path(operation),
            "BENCH_BODY": json.dumps(CREATE_BODY) if operation == "create" else "",
            "BENCH_EXPECT": str(EXPECTED[operation]),
            "BENCH_COOKIE": self.fixtures["cookie"],
            "BENCH_CSRF": self.fixtures["csrf"],
            "BENCH_IDS": str(self.ids_file),
            "BENCH_OFFSET": str(self.ids_used),
            "BENCH_THREADS": str(THREADS),
        }
        done = subprocess.run(
            [
                "wrk",
                f"-t{THREADS}",
                f"-c{CONNECTIONS}",
                f"-d{seconds}s",
                "--timeout=10s",
                f"-s{HERE / 'load.lua'}",
                self.url,
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        line = next(x for x in done.stdout.splitlines() if x.startswith("BENCH_JSON "))
        figures = json.loads(line.removeprefix("BENCH_JSON "))
        if operation == "complete":
            self.ids_used += figures["ids_used"]
        figures["requests_per_second"] = figures["requests"] / (figures["duration_us"] / 1e6)
        return figures

    def stop(self) -> None:
        if self.gunicorn:
            self.gunicorn.stop()


def checked(server: Server, operation: str, figures: dict) -> dict:
    problems = []
    if not figures["requests"]:
        problems.append("no request was answered within the run")
    if figures["unexpected"]:
        problems.append(
            f"{figures['unexpected']} replies were not {EXPECTED[operation]} "
            f"(first: {figures['first_unexpected']})"
        )
    if figures["socket_errors"] or figures["timeouts"]:
        problems.append(f"{figures['socket_errors']} socket errors, {figures['timeouts']} timeouts")
    if figures.get("ids_exhausted"):
        problems.append("ran out of open uploads: some completes found theirs already complete")
    if problems:
        print(
            f"  WARNING {server.variant} {server.backend} {operation}: {'; '.join(problems)}",
            file=sys.stderr,
        )
    figures["problems"] = problems
    return figures


def measure_group(
    backend: str,
    variants: list[str],
    bench: dict[str, str],
    *,
    rounds: int,
    seconds: float,
    warmup: float,
    rows: int,
) -> list[dict]:
    """Requests per second of create, complete and fetch for several variants on one backend.

    The variants' servers run side by side; each kind of request is sent to each server in
    turn, ``rounds`` times, so that load from elsewhere on the machine falls on all alike. Each
    figure is the median over the rounds; beside it, the workers' CPU time per request (from
    ``/proc``), which other load disturbs far less than requests per second.
    """
    results = []
    with tempfile.TemporaryDirectory(prefix="s3fu-http-", dir=_tmpfs()) as folder:
        servers = [Server(variant, backend, bench, rows, Path(folder)) for variant in variants]
        try:
            for server in servers:
                server.start()
            for operation in ("create", "complete", "fetch"):
                per_round: dict[str, list[dict]] = {s.variant: [] for s in servers}
                for server in servers:
                    if warmup:
                        server.load(operation, warmup)
                for _ in range(rounds):
                    for server in servers:
                        gunicorn = server.gunicorn
                        cpu = gunicorn.cpu_seconds()
                        figures = checked(server, operation, server.load(operation, seconds))
                        figures["cpu_ms_per_request"] = (
                            (gunicorn.cpu_seconds() - cpu) * 1e3 / max(1, figures["requests"])
                        )
                        figures["load_average"] = os.getloadavg()[0]
                        per_round[server.variant].append(figures)
                for variant, figures in per_round.items():
                    result = {
                        "variant": variant,
                        "backend": backend,
                        "operation": operation,
                        "requests_per_second": median(figures, "requests_per_second"),
                        "cpu_ms_per_request": median(figures, "cpu_ms_per_request"),
                        "latency_p50_ms": median(figures, "latency_p50_ms"),
                        "latency_p99_ms": median(figures, "latency_p99_ms"),
                        "requests": sum(f["requests"] for f in figures),
                        "problems": sorted({p for f in figures for p in f["problems"]}),
                        "rounds": figures,
                    }
                    results.append(result)
                    print(
                        f"  {variant:5} {backend:5} {operation:8} "
                        f"{result['requests_per_second']:8.1f} requests/s "
                        f"{result['cpu_ms_per_request']:6.2f} ms CPU a request",
                        file=sys.stderr,
                    )
            for server in servers:
                memory = server.gunicorn.memory()
                for result in results:
                    if result["variant"] == server.variant:
                        result["worker_peak_rss_mib"] = max(m["peak_mib"] for m in memory.values())
        finally:
            for server in servers:
                server.stop()
    return results


def median(figures: list[dict], name: str) -> float:
    import statistics

    return statistics.median(f[name] for f in figures)


def memory_run(backend: str, bench: dict[str, str], total: int, burst: int) -> dict:
    """Each worker's memory after every ``burst``-second run, until ``total`` requests.

    Resident memory is read from ``/proc`` (split into private memory, mapped files and shared
    memory). Then each worker counts the objects Python's collector tracks, after collecting its
    garbage, before and after one more run of each kind (``benchsite/gunicorn_memory.py``): a
    leak of Python objects shows there apart from the allocator's high-water marks.
    """
    operations = ("create", "complete", "fetch")
    with tempfile.TemporaryDirectory(prefix="s3fu-mem-", dir=_tmpfs()) as folder:
        server = Server("ours", backend, bench, total // 2, Path(folder))
        server.config = "benchmarks.benchsite.gunicorn_memory"
        try:
            server.start()
            for operation in operations:  # every code path runs before the first reading
                server.load(operation, 1)
            sent = 0
            checkpoints = [{"requests": 0, "workers": server.gunicorn.memory()}]
            start = time.monotonic()
            while sent < total:
                operation = operations[(len(checkpoints) - 1) % len(operations)]
                figures = checked(server, operation, server.load(operation, burst))
                sent += figures["requests"]
                checkpoints.append({"requests": sent, "workers": server.gunicorn.memory()})
            elapsed = time.monotonic() - start
            # Then the census: objects after a collection, before and after a few more runs.
            census = Path(folder) / "census"
            census.write_text("1")
            server.load("fetch", 1)
            for operation in operations:
                server.load(operation, burst)
            census.write_text("2")
            server.load("fetch", 1)
            objects = {}
            for found in Path(folder).glob("*.txt"):
                readings = {int(g): (int(n), int(o)) for g, n, o, _ in map(str.split, found.open())}
                if {1, 2} <= readings.keys():
                    (served_1, objects_1), (served_2, objects_2) = readings[1], readings[2]
                    objects[found.stem] = {
                        "requests": served_2 - served_1,
                        "objects_before": objects_1,
                        "objects_after": objects_2,
                    }
        finally:
            server.stop()
    pids = list(checkpoints[0]["workers"])

    def series(kind: str) -> dict[str, list[float | None]]:
        return {
            str(pid): [c["workers"].get(pid, {}).get(kind) for c in checkpoints] for pid in pids
        }

    # Growth over the last WINDOW requests: the first ones fill caches and the allocator's pools.
    base = max(i for i, c in enumerate(checkpoints) if c["requests"] <= sent - WINDOW)

    def growth(values: dict[str, list[float | None]]) -> dict[str, float | None]:
        return {
            pid: None if v[-1] is None or v[base] is None else v[-1] - v[base]
            for pid, v in values.items()
        }

    rss, anon = series("rss_mib"), series("anon_mib")
    return {
        "backend": backend,
        "total_requests": sent,
        "burst_seconds": burst,
        "seconds": elapsed,
        "requests": [c["requests"] for c in checkpoints],
        "rss_mib": rss,
        "anon_mib": anon,
        "file_mib": series("file_mib"),
        "shmem_mib": series("shmem_mib"),
        "peak_mib": {
            str(pid): max(c["workers"].get(pid, {}).get("peak_mib", 0) for c in checkpoints)
            for pid in pids
        },
        "window_requests": WINDOW,
        "window_from_requests": checkpoints[base]["requests"],
        "rss_growth_in_window_mib": growth(rss),
        "anon_growth_in_window_mib": growth(anon),
        "objects": objects,
        "same_workers_throughout": all(set(c["workers"]) == set(pids) for c in checkpoints),
    }


def _tmpfs() -> str | None:
    """Memory-backed storage for the databases, so that no variant waits on a disk."""
    shm = "/dev/shm"  # noqa: S108 (each run makes its own private folder in it)
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None
