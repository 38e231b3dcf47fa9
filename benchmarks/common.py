"""What every benchmark process shares: the names, the request body, the machine's description.

Imported by processes of both virtualenvs (this project's and 0.1.0's), so it imports nothing
beyond the standard library at module level.
"""

from __future__ import annotations

import atexit
import functools
import os
import platform
import shutil
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"
SEED_VENV = REPO / ".tools" / "seed-venv"

#: The bucket (or container) each local storage server holds.
BUCKET = "bench-uploads"
#: The size limit signed into every instruction, and the one object complete finds.
LIMIT = 10 * 1024 * 1024
OBJECT_KEY = "uploads/benchmark/f.txt"
OBJECT_BODY = b"hello, benchmark\n"
CONTENT_TYPE = "text/plain"
#: The create request's body, the same for every variant.
CREATE_BODY = {"filename": "f.txt", "acl": "private"}
BACKENDS = ("local", "s3", "gcs", "azure")
OPERATIONS = ("create", "complete", "fetch")

AWS_ACCESS_KEY = "bench-key"
AWS_SECRET_KEY = "bench-secret"  # noqa: S105 (moto takes any)
AWS_REGION = "us-east-1"
GCS_PROJECT = "bench-project"


@functools.cache
def _package_folder() -> Path:
    """A folder holding only a link to this package, removed when this process ends."""
    folder = Path(tempfile.mkdtemp(prefix="s3fu-bench-path-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    (folder / HERE.name).symlink_to(HERE, target_is_directory=True)
    return folder


def child_imports(*more: Path) -> dict[str, str]:
    """The environment that lets a child process import this package (and ``more`` folders).

    Not the repository's root: its ``s3_file_uploads`` would stand before the 0.1.0 installed
    in ``.tools/seed-venv``. Nor the working folder (``PYTHONSAFEPATH``).
    """
    paths = [_package_folder(), *more]
    return {"PYTHONPATH": os.pathsep.join(map(str, paths)), "PYTHONSAFEPATH": "1"}


def server_env() -> dict[str, str]:
    """Where the local storage servers listen, as run.py passes it to every child process."""
    return {k: v for k, v in os.environ.items() if k.startswith("BENCH_")}


def backend_options(backend: str, env: dict[str, str] | None = None) -> dict:
    """This project's OPTIONS for one backend, pointed at its local server."""
    env = server_env() if env is None else env
    if backend == "s3":
        return {
            "bucket_name": BUCKET,
            "access_key": AWS_ACCESS_KEY,
            "secret_key": AWS_SECRET_KEY,
            "endpoint_url": env["BENCH_MOTO_URL"],
            "region_name": AWS_REGION,
        }
    if backend == "gcs":
        return {
            "bucket_name": BUCKET,
            "credentials": env["BENCH_GCS_KEY_FILE"],
            "project_id": GCS_PROJECT,
            "api_endpoint": env["BENCH_GCS_URL"],
            "api_endpoint_auth": False,
        }
    if backend == "azure":
        return {"container": BUCKET, "connection_string": env["BENCH_AZURE_CONNECTION_STRING"]}
    if backend == "local":
        return {"location": env["BENCH_MEDIA_ROOT"]}
    raise ValueError(backend)


def machine() -> dict[str, object]:
    """The machine, and how busy it was (other work may share it)."""
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        memory = next(
            int(line.split()[1]) // 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        memory = None
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_mib": memory,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def versions() -> dict[str, str]:
    """Versions of what the request path runs on, in the calling virtualenv."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in (
        "Django",
        "djangorestframework",
        "boto3",
        "google-cloud-storage",
        "azure-storage-blob",
        "gunicorn",
        "django-s3-file-upload",
    ):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            pass
    return found
