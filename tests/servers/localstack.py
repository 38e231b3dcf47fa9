"""LocalStack's S3, for the rules moto does not enforce: POST policy conditions (size range, key,
Content-Type, checksum fields), policy expiry, SigV4 on presigned PUTs (a part's signed length)
and ``x-amz-checksum-*`` on POST. It does NOT check the POST policy's signature itself.

It runs as a plain process from ``.tools/localstack-venv`` (Python 3.13, ``localstack-core``
pinned, see ``scripts/setup.sh``), listening on ``[::1]`` only, with everything it writes in a
temporary folder. Tests that need it are skipped with the install command when it is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from . import TOOLS, ServerProcess
from .moto import create_browser_bucket, s3_client

LOCALSTACK_VENV = TOOLS / "localstack-venv"
LOCALSTACK_PYTHON = LOCALSTACK_VENV / "bin" / "python"
#: The service catalog LocalStack would otherwise build at every start (2.5 s, 480 MB).
CATALOG_ROOT = TOOLS / "localstack-root"
CATALOG_DIR = CATALOG_ROOT / "usr" / "lib" / "localstack"
INSTALL = "scripts/setup.sh (it installs LocalStack into .tools/localstack-venv)"
#: Where LocalStack would phone home (analytics, license API): a loopback port nothing serves.
DEAD_ENDPOINT = "http://127.0.0.1:1"
#: Set before the S3 provider starts: it otherwise writes to a fixed /tmp/localstack-s3-storage.
LAUNCHER = (
    "import sys, localstack.services.s3.provider as p; p.DEFAULT_S3_TMP_DIR = sys.argv[1]; "
    "from localstack.runtime.main import main; main()"
)


def free_ipv6_port() -> int:
    with socket.socket(socket.AF_INET6) as sock:
        sock.bind(("::1", 0))
        return sock.getsockname()[1]


class LocalStackServer(ServerProcess):
    """LocalStack on ``[::1]:port`` with only S3, signature checks on, nothing leaving the host.

    Its environment is built from scratch, not inherited, so nothing in the test run's
    environment (``DEBUG``, ``AWS_*``, ...) changes how it behaves.
    """

    def __init__(self, port: int, root: Path) -> None:
        folders = {name: root / name for name in ("home", "tmp", "conf", "fs", "s3")}
        for folder in folders.values():
            folder.mkdir(parents=True, exist_ok=True)
        _link_catalog(folders["fs"])
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(folders["home"]),
            "TMPDIR": str(folders["tmp"]),
            "CONFIG_DIR": str(folders["conf"]),
            "FILESYSTEM_ROOT": str(folders["fs"]),
            "SERVICES": "s3",
            "EAGER_SERVICE_LOADING": "1",
            "GATEWAY_SERVER": "twisted",
            # Given an IPv4 host the twisted server binds 0.0.0.0: [::1] keeps it on loopback.
            "GATEWAY_LISTEN": f"[::1]:{port}",
            "LOCALSTACK_HOST": f"localhost:{port}",
            "S3_SKIP_SIGNATURE_VALIDATION": "0",
            "OVERRIDE_IN_DOCKER": "0",  # this machine has /.dockerenv
            "DISABLE_EVENTS": "1",
            "SKIP_SSL_CERT_DOWNLOAD": "1",
            "DNS_ADDRESS": "0",
            "API_ENDPOINT": DEAD_ENDPOINT,
            "ANALYTICS_API": DEAD_ENDPOINT,
        }
        # ServerProcess.__init__ would merge os.environ in: start the same way, without it.
        self.name, self.port, self._env = "localstack", port, env
        self.log = TOOLS / "logs" / f"localstack-{port}.log"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self._log_file = self.log.open("wb")
        self.process = subprocess.Popen(
            [str(LOCALSTACK_PYTHON), "-c", LAUNCHER, str(folders["s3"])],
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        self.wait_until_listening()

    @property
    def url(self) -> str:
        return f"http://[::1]:{self.port}"

    def wait_until_listening(self, timeout: float = 60) -> None:
        """Until S3 reports "running" on the health endpoint (the port opens a little earlier)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"LocalStack exited: {self.log.read_text()[-3000:]}")
            try:
                health = requests.get(f"{self.url}/_localstack/health", timeout=1).json()
                if health.get("services", {}).get("s3") in ("running", "available"):
                    return
            except (requests.RequestException, ValueError):
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"LocalStack's S3 was not ready on {self.port} within {timeout}s")


def _link_catalog(filesystem_root: Path) -> None:
    """Point the session's ``usr/lib/localstack`` at the catalog built once under ``.tools``."""
    if not any(CATALOG_DIR.glob("service-catalog-*.dill")):
        _build_catalog()
    target = filesystem_root / "usr" / "lib" / "localstack"
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        target.symlink_to(CATALOG_DIR, target_is_directory=True)


def _build_catalog() -> None:
    """Build the catalog in a scratch root, then move it into place in one rename (two pytest
    workers may race here; the loser's rename just replaces an identical file)."""
    scratch = CATALOG_ROOT.with_name(f"localstack-root-{uuid.uuid4().hex}")
    built_dir = scratch / "usr" / "lib" / "localstack"
    built_dir.mkdir(parents=True)
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(scratch)}
    env |= {"FILESYSTEM_ROOT": str(scratch), "OVERRIDE_IN_DOCKER": "0"}
    subprocess.run(
        [str(LOCALSTACK_PYTHON), "-m", "localstack.aws.spec"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    CATALOG_DIR.mkdir(parents=True, exist_ok=True)
    for built in built_dir.glob("service-catalog-*.dill"):
        os.replace(built, CATALOG_DIR / built.name)
    shutil.rmtree(scratch, ignore_errors=True)


@pytest.fixture(scope="session")
def localstack_s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackServer]:
    """LocalStack's S3, started once per session (about 1-2 s with the prebuilt catalog)."""
    if not LOCALSTACK_PYTHON.exists():
        pytest.skip(f"LocalStack is not installed; run {INSTALL}")
    if sys.platform == "win32":  # pragma: no cover
        pytest.skip("LocalStack runs as a POSIX process here")
    server = LocalStackServer(free_ipv6_port(), tmp_path_factory.mktemp("localstack"))
    yield server
    server.stop()


#: LocalStack checks signatures against its default account's secret.
CREDENTIALS = ("test", "test")


def localstack_client(server: LocalStackServer):
    return s3_client(server, CREDENTIALS)


@pytest.fixture
def localstack_bucket(localstack_s3: LocalStackServer, settings) -> str:
    """A fresh bucket with browser CORS per test, and the S3 backend pointed at LocalStack."""
    return create_browser_bucket(localstack_s3, f"b-{uuid.uuid4().hex[:20]}", settings, CREDENTIALS)
