"""Regenerate docs/img/demo.png: the demo page after an upload in each area and a refusal, in
headless Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
ADDRESS = "127.0.0.1:8799"
NO_NETWORK = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost"


def wait_for(address: str, timeout: float = 60) -> None:
    host, port = address.split(":")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, int(port)), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the demo did not start on {address}")


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="demo-shot-"))
    env = {**os.environ, "DEMO_DB": str(work / "db.sqlite3"), "DEMO_MEDIA_ROOT": str(work)}
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v", "0"], cwd=REPO / "example", env=env, check=True)
    server = subprocess.Popen(
        [*manage, "runserver", "--noreload", ADDRESS],
        cwd=REPO / "example",
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(ADDRESS)
        # Each file goes to an area (a profile); the video is refused by the image area. Each
        # starts as its format does (complete checks the type from the content), then is random.
        chosen = {
            "drop": [("notes.bin", b"", 12_000)],
            "drop-image": [
                ("holiday photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", 1_400_000),
                ("holiday video.mp4", b"", 900_000),
            ],
            "drop-document": [("naïve résumé.pdf", b"%PDF-1.7\n", 180_000)],
        }
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[NO_NETWORK])
            page = browser.new_page(viewport={"width": 900, "height": 640})
            page.goto(f"http://{ADDRESS}/")
            for area, named in chosen.items():
                paths = []
                for name, start, size in named:
                    path = work / name
                    path.write_bytes(start + os.urandom(size - len(start)))
                    paths.append(str(path))
                with page.expect_file_chooser() as chooser:
                    page.click(f"#{area}")
                chooser.value.set_files(paths)
            page.wait_for_function(
                "document.querySelectorAll('tr[data-upload-id]').length >= 3", timeout=30_000
            )
            time.sleep(0.5)
            page.screenshot(path=str(REPO / "docs" / "img" / "demo.png"), full_page=True)
            browser.close()
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
