"""The local storage servers the benchmarks talk to: moto (S3), fake-gcs-server and Azurite.

Started once per run with the test suite's helpers (``tests/servers``), each with the benchmark
bucket, and described to child processes through ``BENCH_*`` environment variables.
"""

from __future__ import annotations

import tempfile
from contextlib import ExitStack
from pathlib import Path

from benchmarks.common import BUCKET, GCS_PROJECT
from tests.servers import ServerProcess, free_port, start_on_free_port
from tests.servers import azurite as azurite_server
from tests.servers import fake_gcs as gcs_server
from tests.servers.moto import moto_argv


def start_moto(name: str) -> ServerProcess:
    """moto's S3 server, from this virtualenv, on a free port."""
    return start_on_free_port(name, moto_argv)


def start(stack: ExitStack) -> dict[str, str]:
    """Start the three servers (stopped when ``stack`` closes); return the BENCH_* variables."""
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="s3fu-bench-")))
    env = {"BENCH_MEDIA_ROOT": str(folder / "media"), "BENCH_TMP": str(folder)}

    import boto3

    moto = start_moto("bench-moto")
    stack.callback(moto.stop)
    boto3.client(
        "s3",
        endpoint_url=moto.url,
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        region_name="us-east-1",
    ).create_bucket(Bucket=BUCKET)
    env["BENCH_MOTO_URL"] = moto.url

    port = free_port()
    argv = gcs_server.fake_gcs_argv(port, "-log-level", "error")
    gcs = ServerProcess("bench-fake-gcs", argv, port)
    stack.callback(gcs.stop)
    gcs_server.create_bucket(gcs, BUCKET)
    key_file = gcs_server.write_service_account_json(folder / "gcs-key.json")
    _set_project(key_file)
    env.update(BENCH_GCS_URL=gcs.url, BENCH_GCS_KEY_FILE=str(key_file))

    azurite = start_on_free_port("bench-azurite", azurite_server.azurite_argv)
    stack.callback(azurite.stop)
    azurite_server.blob_service(azurite).create_container(BUCKET)
    env["BENCH_AZURE_CONNECTION_STRING"] = azurite_server.connection_string(azurite)
    return env


def _set_project(key_file: Path) -> None:
    import json

    info = json.loads(key_file.read_text())
    info["project_id"] = GCS_PROJECT
    key_file.write_text(json.dumps(info))
