"""Peak memory of server-side reads and writes: a 1 GiB object through ``write`` and
``open_read`` on each backend, beside 0.1.0's way of reading (the whole object in a BytesIO).

    .venv/bin/python -m benchmarks.file_access             # 1 GiB on local, s3, gcs, azure
    .venv/bin/python -m benchmarks.file_access --size-mib 64 --backends local s3

Each measurement runs in a child process of its own, which reports its resident memory once
set up (imports, Django, the backend and its SDK client) and its peak after the operation
(``ru_maxrss``), so the growth is what the operation itself cost. The servers are the
benchmarks' own (moto, fake-gcs-server, Azurite) on loopback. Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import time
from contextlib import ExitStack

from benchmarks import stores
from benchmarks.common import REPO, backend_options

MiB = 1024 * 1024
CHUNK = MiB
WAYS = ("write", "open_read", "BytesIO (0.1.0's open_content)")


class Zeros(io.RawIOBase):
    """``size`` bytes made as they are read, so the source holds nothing in memory."""

    def __init__(self, size: int) -> None:
        self._left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        taken = min(len(buffer), self._left)
        buffer[:taken] = bytes(taken)
        self._left -= taken
        return taken


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(backend_name: str, way: str, size: int) -> dict[str, float]:
    """Run one operation in this process; the memory it started with and its peak."""
    import django
    from django.conf import settings

    settings.configure(
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "s3_file_uploads"],
        DATABASES={},
        ROOT_URLCONF="s3_file_uploads.urls",
        STORAGE_BACKEND=backend_name,
        S3_FILE_UPLOADS={
            "BACKENDS": {
                backend_name: {"BACKEND": backend_name, "OPTIONS": backend_options(backend_name)}
            }
        },
    )
    django.setup()
    from s3_file_uploads.registry import get_backend

    storage = get_backend(backend_name)
    key = f"bench/{backend_name}/{size}"
    if way != "write":
        storage.open_read(key, start=0, end=0).close()  # the client's connections are set up
    start = rss_mib()
    began = time.perf_counter()
    if way == "write":
        storage.write(key, Zeros(size), content_type="application/octet-stream", size=size)
    elif way == "open_read":
        with storage.open_read(key) as stream:
            while stream.read(CHUNK):
                pass
    else:
        whole = io.BytesIO()
        with storage.open_read(key) as stream:
            while chunk := stream.read(CHUNK):
                whole.write(chunk)
    return {"start_mib": start, "peak_mib": rss_mib(), "seconds": time.perf_counter() - began}


def measure(backend_name: str, way: str, size: int, env: dict[str, str]) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.file_access", "--child", backend_name, way, str(size)],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"{backend_name} {way} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--backends", nargs="+", default=["local", "s3", "gcs", "azure"])
    parser.add_argument("--child", nargs=3, metavar=("BACKEND", "WAY", "SIZE"), help="internal")
    args = parser.parse_args()
    if args.child:
        backend_name, way, size = args.child
        print(json.dumps(child(backend_name, way, int(size))))
        return
    size = args.size_mib * MiB
    with ExitStack() as stack:
        env = stores.start(stack)
        print(f"{args.size_mib} MiB object; resident memory in MiB, in a process of its own each")
        print(f"{'backend':8} {'way':32} {'before':>8} {'peak':>8} {'growth':>8} {'MiB/s':>8}")
        for backend_name in args.backends:
            for way in WAYS:
                got = measure(backend_name, way, size, env)
                growth = got["peak_mib"] - got["start_mib"]
                speed = args.size_mib / got["seconds"]
                print(
                    f"{backend_name:8} {way:32} {got['start_mib']:8.0f} {got['peak_mib']:8.0f} "
                    f"{growth:8.0f} {speed:8.0f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
