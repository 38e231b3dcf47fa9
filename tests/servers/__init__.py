"""Real storage servers for the tests, each started once per session on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / ".tools"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_on_free_port(
    name: str, argv_for: Callable[[int], Sequence[str]], **options
) -> ServerProcess:
    """Start the server ``argv_for(port)`` runs, on a free loopback port; ``options`` as
    :class:`ServerProcess` takes them."""
    port = free_port()
    return ServerProcess(name, argv_for(port), port, **options)


def serving(name: str, argv_for: Callable[[int], Sequence[str]]) -> Iterator[ServerProcess]:
    """A fixture's body: the server on a free port while the fixture lasts."""
    server = start_on_free_port(name, argv_for)
    yield server
    server.stop()


class ServerProcess:
    """A child process serving on ``127.0.0.1:port``, stopped through its own handle.

    ``env`` adds to this process's environment or, with ``inherit_env=False``, is all of it;
    ``cwd`` is the folder it runs in (by default this process's).
    """

    _cwd: Path | None = None

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        port: int,
        env: dict | None = None,
        *,
        inherit_env: bool = True,
        cwd: Path | None = None,
    ):
        self.name, self.port, self._cwd = name, port, cwd
        self._env = {**(os.environ if inherit_env else {}), **(env or {})}
        self.log = TOOLS / "logs" / f"{name}-{port}.log"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self._start(list(argv), log_mode="wb")

    def _start(self, argv: Sequence[str], log_mode: str) -> None:
        self._log_file = self.log.open(log_mode)
        self.process = subprocess.Popen(
            argv,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            env=self._env,
            cwd=self._cwd,
            start_new_session=True,
        )
        self.wait_until_listening()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ready(self) -> bool:
        """Whether the server takes requests yet: here, that it accepts a connection."""
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
        except OSError:
            return False
        return True

    def wait_until_listening(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log.read_text()[-2000:]}")
            if self.ready():
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.name} did not listen on {self.port} within {timeout}s")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log_file.close()

    def restart(self) -> None:
        """Start again on the same port (fault tests stop a server and bring it back)."""
        argv = self.process.args
        self.stop()
        self._start(argv, log_mode="ab")
