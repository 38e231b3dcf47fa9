"""Headless Debian Chromium driving the demo page, served by the demo project itself.

The demo runs as its own ``manage.py runserver`` process (its own settings, SQLite file and
storage folder) so the browser meets exactly what a person running the demo meets. Each storage
is a :class:`DemoStorage`: how to configure the demo for it and how to read what it holds.
Adding a cloud means adding one class to ``STORAGES``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar
from urllib.parse import quote

import pytest
import requests

from tests.servers import REPO, TOOLS, ServerProcess, free_port

from .chromium import CHROMIUM, launch_options

SCREENSHOTS = TOOLS / "screenshots"
#: The demo's limit in the browser tests: room for the 20 MiB file, not for one more MiB.
MAX_SIZE = 21 * 1024 * 1024
#: The multipart demo: files over 16 MiB go in 8 MiB parts, up to 256 MiB.
MULTIPART_MAX_SIZE = 256 * 1024 * 1024
MULTIPART_THRESHOLD = 16 * 1024 * 1024
MULTIPART_PART_SIZE = 8 * 1024 * 1024


class DemoStorage:
    """One storage the demo can use: the demo's environment for it, and a reader of its objects."""

    name = ""
    #: The test server takes multipart uploads (fake-gcs-server has no XML multipart API).
    multipart = True
    #: The test server answers with the signed Content-Disposition (fake-gcs-server does not).
    applies_response_overrides = True

    def __init__(self, request: pytest.FixtureRequest, workdir: Path) -> None:
        self.workdir = workdir

    def environment(self) -> dict[str, str]:
        return {"DEMO_STORAGE": self.name}

    def allow_origin(self, origin: str) -> None:
        """Let pages from ``origin`` send files (CORS); same-origin storage needs nothing."""

    def read(self, key: str) -> bytes | None:
        """The stored bytes under ``key``, or None when nothing is stored there."""
        raise NotImplementedError

    def keys(self) -> list[str]:
        raise NotImplementedError


class LocalStorage(DemoStorage):
    name = "local"

    @property
    def root(self) -> Path:
        return self.workdir / "media" / "s3_file_uploads"

    def read(self, key: str) -> bytes | None:
        path = self.root / key
        return path.read_bytes() if path.is_file() else None

    def keys(self) -> list[str]:
        if not self.root.exists():
            return []
        return sorted(
            p.relative_to(self.root).as_posix()
            for p in self.root.rglob("*")
            if p.is_file() and not p.relative_to(self.root).as_posix().startswith(".s3fu-meta/")
        )


class S3Storage(DemoStorage):
    """moto server: the demo signs POST forms the browser sends cross-origin (bucket CORS set)."""

    name = "s3"

    def __init__(self, request: pytest.FixtureRequest, workdir: Path) -> None:
        super().__init__(request, workdir)
        from tests.servers.moto import ACCESS_KEY, REGION, SECRET_KEY, s3_client

        self.server = request.getfixturevalue("moto_server")
        self.client = s3_client(self.server)
        self.bucket = f"demo-{workdir.name.lower().replace('_', '-')}"[:63]
        self.client.create_bucket(Bucket=self.bucket)
        self.settings = {
            "AWS_BUCKET_NAME": self.bucket,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_S3_ENDPOINT_URL": self.server.url,
            "AWS_S3_REGION_NAME": REGION,
        }

    def environment(self) -> dict[str, str]:
        return {**super().environment(), **self.settings}

    def allow_origin(self, origin: str) -> None:
        self.client.put_bucket_cors(
            Bucket=self.bucket,
            CORSConfiguration={
                "CORSRules": [
                    {
                        "AllowedOrigins": [origin],
                        "AllowedMethods": ["GET", "POST", "PUT", "HEAD"],
                        "AllowedHeaders": ["*"],
                        "ExposeHeaders": ["ETag"],
                    }
                ]
            },
        )

    def read(self, key: str) -> bytes | None:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except self.client.exceptions.NoSuchKey:
            return None

    def keys(self) -> list[str]:
        listed = self.client.list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in listed.get("Contents", []))


class AzureStorage(DemoStorage):
    """Azurite: the demo signs blob SAS PUTs the browser sends cross-origin (account CORS set)."""

    name = "azure"
    #: Every origin of every demo started in this session: Azure's CORS rules are account-wide.
    origins: ClassVar[list[str]] = []

    def __init__(self, request: pytest.FixtureRequest, workdir: Path) -> None:
        super().__init__(request, workdir)
        from tests.servers.azurite import blob_service, connection_string

        server = request.getfixturevalue("azurite")
        self.service = blob_service(server)
        self.container = f"demo-{workdir.name.lower().replace('_', '-')}"[:63]
        self.service.create_container(self.container)
        self.settings = {
            "AZURE_CONNECTION_STRING": connection_string(server),
            "AZURE_CONTAINER": self.container,
        }

    def environment(self) -> dict[str, str]:
        return {**super().environment(), **self.settings}

    def allow_origin(self, origin: str) -> None:
        from azure.storage.blob import CorsRule

        AzureStorage.origins.append(origin)
        rule = CorsRule(
            allowed_origins=AzureStorage.origins,
            allowed_methods=["GET", "PUT", "HEAD", "OPTIONS"],
            allowed_headers=["*"],
            exposed_headers=["*"],
            max_age_in_seconds=600,
        )
        self.service.set_service_properties(cors=[rule])

    def read(self, key: str) -> bytes | None:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            return self.service.get_blob_client(self.container, key).download_blob().readall()
        except ResourceNotFoundError:
            return None

    def keys(self) -> list[str]:
        container = self.service.get_container_client(self.container)
        return sorted(
            blob.name
            for blob in container.list_blobs()
            if not blob.name.startswith("multipart-staging/")
        )


class GCSStorage(DemoStorage):
    """fake-gcs-server: the demo signs V4 POST policies the browser posts cross-origin."""

    name = "gcs"
    multipart = False
    applies_response_overrides = False

    def __init__(self, request: pytest.FixtureRequest, workdir: Path) -> None:
        super().__init__(request, workdir)
        from tests.servers.fake_gcs import PROJECT_ID, create_bucket, write_service_account_json

        self.server = request.getfixturevalue("fake_gcs")
        self.bucket = f"demo-{workdir.name.lower().replace('_', '-')}"[:63]
        create_bucket(self.server, self.bucket)
        key_file = write_service_account_json(workdir / "service-account.json")
        self.settings = {
            "GS_BUCKET_NAME": self.bucket,
            "GS_API_ENDPOINT": self.server.url,
            "GS_CREDENTIALS": str(key_file),
            "GS_PROJECT_ID": PROJECT_ID,
            "DEMO_BACKEND_OPTIONS": json.dumps({"api_endpoint_auth": False}),
        }

    def environment(self) -> dict[str, str]:
        return {**super().environment(), **self.settings}

    def read(self, key: str) -> bytes | None:
        got = requests.get(
            f"{self.server.url}/storage/v1/b/{self.bucket}/o/{quote(key, safe='')}",
            params={"alt": "media"},
            timeout=30,
        )
        return got.content if got.status_code == 200 else None

    def keys(self) -> list[str]:
        listed = requests.get(f"{self.server.url}/storage/v1/b/{self.bucket}/o", timeout=10)
        return sorted(item["name"] for item in listed.json().get("items", []))


STORAGES: dict[str, type[DemoStorage]] = {
    "local": LocalStorage,
    "s3": S3Storage,
    "azure": AzureStorage,
    "gcs": GCSStorage,
}
MULTIPART_STORAGES = sorted(name for name, storage in STORAGES.items() if storage.multipart)


class DemoServer:
    def __init__(self, process: ServerProcess, storage: DemoStorage) -> None:
        self.process, self.storage = process, storage
        self.url = process.url
        self.endpoint = "/api/s3-file-uploads/"


def start_demo(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    storage_name: str,
    settings: dict[str, str],
) -> Iterator[DemoServer]:
    """Run the demo project on a free port for one storage, with extra DEMO_* settings."""
    workdir = tmp_path_factory.mktemp(f"demo-{storage_name}")
    storage = STORAGES[storage_name](request, workdir)
    port = free_port()
    storage.allow_origin(f"http://127.0.0.1:{port}")
    env = {
        "DJANGO_SETTINGS_MODULE": "demo.settings",
        "DEMO_DB": str(workdir / "demo.sqlite3"),
        "DEMO_MEDIA_ROOT": str(workdir / "media"),
        "DEMO_CORS_ORIGINS": f"http://127.0.0.1:{port}",
        "PYTHONUNBUFFERED": "1",
        **settings,
        **storage.environment(),
    }
    manage = [sys.executable, str(REPO / "example" / "manage.py")]
    migrated = subprocess.run(
        [*manage, "migrate", "--no-input", "-v0"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    if migrated.returncode:
        pytest.fail(f"the demo did not start (manage.py migrate):\n{migrated.stderr[-3000:]}")
    server = ServerProcess(
        f"demo-{storage_name}",
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
        port,
        env=env,
    )
    yield DemoServer(server, storage)
    server.stop()


@pytest.fixture(scope="session", params=sorted(STORAGES))
def demo(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[DemoServer]:
    """The demo project on a free port, configured for one storage."""
    yield from start_demo(
        request, tmp_path_factory, request.param, {"DEMO_MAX_FILE_UPLOAD_SIZE": str(MAX_SIZE)}
    )


@pytest.fixture(scope="session", params=MULTIPART_STORAGES)
def multipart_demo(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[DemoServer]:
    """The demo for big files: over MULTIPART_THRESHOLD they go in MULTIPART_PART_SIZE parts."""
    yield from start_demo(
        request,
        tmp_path_factory,
        request.param,
        {
            "DEMO_MAX_FILE_UPLOAD_SIZE": str(MULTIPART_MAX_SIZE),
            "DEMO_MULTIPART_THRESHOLD": str(MULTIPART_THRESHOLD),
            "DEMO_MULTIPART_PART_SIZE": str(MULTIPART_PART_SIZE),
            "DEMO_MULTIPART_CONCURRENCY": "4",
        },
    )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get update && apt-get install -y chromium")
    home = tmp_path_factory.mktemp("chromium-home")
    return {**browser_type_launch_args, **launch_options(home)}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(autouse=True)
def screenshot_on_failure(page, request) -> Iterator[None]:
    """Keeps a picture of the page under .tools/screenshots/ when a browser test fails.

    It takes ``page`` so that it is torn down first, while the page is still open.
    """
    yield
    report = getattr(request.node, "report_call", None)
    if report is None or not report.failed:
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in request.node.nodeid)
    path = SCREENSHOTS / f"{name[-150:]}.png"
    try:
        page.screenshot(path=str(path), full_page=True)
    except Exception as error:  # a crashed page must not hide the test's own failure
        print(f"no screenshot: {error}")
    else:
        print(f"screenshot: {path}")
