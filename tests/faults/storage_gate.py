"""An HTTP proxy in front of a storage server that can hold one object's DELETE.

A fault test points a backend at the gate, asks it to hold the DELETE of a key, and learns the
moment the code under test has reached that call: everything it did before is committed, and
nothing after has happened yet. The test acts then, and opens the gate. Every other request
passes straight through to the real server.
"""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

#: Headers that describe one connection, not the request: never forwarded.
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "expect", "proxy-connection"}


class Hold:
    """One held DELETE: ``reached`` is set when it arrives, ``release()`` lets it through."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.reached = threading.Event()
        self._released = threading.Event()

    def wait_until_reached(self, timeout: float = 20) -> None:
        assert self.reached.wait(timeout), f"nothing deleted {self.key!r} within {timeout}s"

    def release(self) -> None:
        self._released.set()

    def wait_for_release(self, timeout: float = 30) -> None:
        self._released.wait(timeout)


class StorageGate:
    """The proxy: ``url`` stands in for the server's, ``hold(key)`` holds that key's DELETE."""

    def __init__(self, upstream_url: str) -> None:
        upstream = urlsplit(upstream_url)
        self._upstream = (upstream.hostname, upstream.port)
        self._holds: dict[str, Hold] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def hold(self, key: str) -> Hold:
        held = Hold(key)
        with self._lock:
            self._holds[key] = held
        return held

    def close(self) -> None:
        with self._lock:
            for held in self._holds.values():
                held.release()
        self._server.shutdown()
        self._server.server_close()

    def _held(self, path: str) -> Hold | None:
        key = unquote(urlsplit(path).path).lstrip("/").partition("/")[2]
        with self._lock:
            return self._holds.get(key)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        gate = self

        class Forward(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _forward(self) -> None:
                held = self.command == "DELETE" and gate._held(self.path)
                if held:
                    held.reached.set()
                    held.wait_for_release()
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                upstream = http.client.HTTPConnection(*gate._upstream, timeout=30)
                try:
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    reply = upstream.getresponse()
                    content = reply.read()
                finally:
                    upstream.close()
                self.send_response(reply.status, reply.reason)
                for name, value in reply.getheaders():
                    if name.lower() not in HOP_BY_HOP | {"content-length"}:
                        self.send_header(name, value)
                if self.command == "HEAD":
                    self.send_header("Content-Length", reply.getheader("Content-Length", "0"))
                else:
                    self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(content)

            do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = _forward

        return Forward
