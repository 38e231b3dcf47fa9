"""Run the demo against a local stand-in for a cloud: moto, Azurite or fake-gcs-server.

Started by ``DEMO_STORAGE=s3 make demo``: starts the server on a free loopback port, makes a
bucket, points the demo's settings at it through the environment, sets the bucket's CORS rules
with ``manage.py configure_cors``, then serves the demo until Ctrl-C, and stops the server.

The stand-ins keep their files in memory, so each run also starts a fresh database of its own
(``example/demo-<storage>.sqlite3``): the list never shows rows whose files are gone.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.servers import ServerProcess, start_on_free_port  # noqa: E402

# Each stand-in's helpers are imported by its starter only: the demo's virtualenv holds the
# packages of the one storage it runs on.

BUCKET = "demo-uploads"


def start_s3() -> tuple[ServerProcess, dict[str, str]]:
    from tests.servers import moto as moto_server

    server = start_on_free_port("demo-moto", moto_server.moto_argv)
    moto_server.s3_client(server).create_bucket(Bucket=BUCKET)
    return server, {
        "AWS_S3_ENDPOINT_URL": server.url,
        "AWS_BUCKET_NAME": BUCKET,
        "AWS_ACCESS_KEY_ID": moto_server.ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": moto_server.SECRET_KEY,
        "AWS_S3_REGION_NAME": moto_server.REGION,
    }


def start_azure() -> tuple[ServerProcess, dict[str, str]]:
    from tests.servers import azurite as azurite_server

    server = start_on_free_port("demo-azurite", azurite_server.azurite_argv)
    azurite_server.blob_service(server).create_container(BUCKET)
    return server, {
        "AZURE_CONNECTION_STRING": azurite_server.connection_string(server),
        "AZURE_CONTAINER": BUCKET,
    }


def start_gcs() -> tuple[ServerProcess, dict[str, str]]:
    from tests.servers import fake_gcs as gcs_server

    server = start_on_free_port("demo-fake-gcs", gcs_server.fake_gcs_argv)
    gcs_server.create_bucket(server, BUCKET)
    key_file = gcs_server.write_service_account_json(REPO / ".tools" / "demo-gcs-key.json")
    return server, {
        "GS_BUCKET_NAME": BUCKET,
        "GS_API_ENDPOINT": server.url,
        "GS_CREDENTIALS": str(key_file),
        "GS_PROJECT_ID": gcs_server.PROJECT_ID,
        "DEMO_BACKEND_OPTIONS": json.dumps({"api_endpoint_auth": False}),
    }


STARTERS = {"s3": start_s3, "azure": start_azure, "gcs": start_gcs}
#: What the page says about where the files go.
NOTES = {
    "s3": "a local moto server",
    "azure": "a local Azurite",
    "gcs": "a local fake-gcs-server",
}


def fresh_database(storage: str, folder: Path = REPO / "example") -> dict[str, str]:
    """An empty SQLite file for this run (unless DEMO_DB names one): the stand-in starts empty."""
    if os.environ.get("DEMO_DB"):
        return {}
    database = folder / f"demo-{storage}.sqlite3"
    database.unlink(missing_ok=True)
    return {"DEMO_DB": str(database)}


def stop_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    storage = os.environ.get("DEMO_STORAGE", "local")
    if storage not in STARTERS:
        raise SystemExit(f"DEMO_STORAGE must be one of {', '.join(STARTERS)} here, not {storage!r}")
    address = os.environ.get("DEMO_ADDRESS", "127.0.0.1:8000")
    server, env = STARTERS[storage]()
    env = {
        **os.environ,
        **env,
        **fresh_database(storage),
        "DEMO_CORS_ORIGINS": f"http://{address}",
        "DEMO_STORAGE_NOTE": f"{NOTES[storage]}, in memory: files and list start empty each run",
    }
    manage = [sys.executable, "manage.py"]
    try:
        subprocess.run(
            [*manage, "migrate", "--noinput", "-v", "0"], cwd=REPO / "example", env=env, check=True
        )
        subprocess.run([*manage, "configure_cors"], cwd=REPO / "example", env=env, check=True)
        print(f"\n  Demo page on {storage} ({server.url}): http://{address}/   (Ctrl-C stops it)\n")
        # Its own process group, so stopping the demo also stops runserver's reloaded child.
        page = subprocess.Popen(
            [*manage, "runserver", address],
            cwd=REPO / "example",
            env=env,
            start_new_session=True,
        )
        try:
            page.wait()
        finally:
            stop_group(page)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def stop_group(process: subprocess.Popen) -> None:
    """Stops a process and every child in its group: TERM, then KILL after 10 seconds."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return  # the group is gone already
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


if __name__ == "__main__":
    main()
