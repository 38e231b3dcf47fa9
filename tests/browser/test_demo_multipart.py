"""A big file through the demo page in parallel parts, interrupted by a reload, then resumed.

What a person does: choose a 200 MB file, reload the page while it uploads, choose the same file
again. What is checked underneath: parts go several at a time; after the reload only the parts
storage did not hold are sent; the stored object is the file, byte for byte.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, Request, expect

from .conftest import MULTIPART_PART_SIZE, DemoServer
from .test_demo_uploads import make_file, open_demo, wait_until_settled

pytestmark = pytest.mark.browser

MiB = 1024 * 1024
SIZE = 200 * 1000 * 1000
PART_COUNT = -(-SIZE // MULTIPART_PART_SIZE)
#: Parts stored before the reload: enough to show they are skipped, few enough to leave most.
STORED_BEFORE_RELOAD = 6
#: Upload speed of the first attempt, so the reload lands in the middle of it.
THROTTLED_BYTES_PER_SECOND = 48 * MiB


def part_number(url: str) -> int | None:
    """The part number in a part URL: S3 and the local backend name it in the query; Azure's
    block id is the base64 of the zero-padded part number."""
    query = parse_qs(urlsplit(url).query)
    if numbers := query.get("partNumber"):
        return int(numbers[0])
    if block_ids := query.get("blockid"):
        return int(base64.b64decode(block_ids[0]))
    return None


class PartLog:
    """Every part PUT the page starts, finishes or loses, tagged with the phase it belongs to."""

    def __init__(self, page: Page) -> None:
        self.phase = "first"
        self.started: list[tuple[str, int]] = []
        self.stored: list[tuple[str, int]] = []
        self.in_flight = 0
        self.most_in_flight = 0
        page.on("request", self._started)
        page.on("requestfinished", self._finished)
        page.on("requestfailed", self._failed)

    def _part(self, request: Request) -> int | None:
        return part_number(request.url) if request.method == "PUT" else None

    def _started(self, request: Request) -> None:
        if (number := self._part(request)) is not None:
            self.started.append((self.phase, number))
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)

    def _finished(self, request: Request) -> None:
        if (number := self._part(request)) is not None:
            self.in_flight -= 1
            response = request.response()
            if response is not None and response.ok:
                self.stored.append((self.phase, number))

    def _failed(self, request: Request) -> None:
        if self._part(request) is not None:
            self.in_flight -= 1

    def sent(self, phase: str) -> Counter[int]:
        return Counter(number for tag, number in self.started if tag == phase)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(4 * MiB):
            digest.update(chunk)
    return digest.hexdigest()


def throttle_uploads(page: Page, bytes_per_second: float) -> None:
    """Chromium's own network throttling (DevTools), for this page's requests."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": bytes_per_second,
        },
    )


def test_a_big_file_goes_in_parallel_parts_and_resumes_after_a_reload(
    page: Page, multipart_demo: DemoServer, tmp_path: Path
):
    demo = multipart_demo
    big = make_file(tmp_path, "big.bin", SIZE)
    parts = PartLog(page)
    open_demo(page, demo)
    throttle_uploads(page, THROTTLED_BYTES_PER_SECOND)

    # First attempt: reload once a few parts are stored.
    page.set_input_files("#files", str(big))
    deadline = time.monotonic() + 30
    while len(parts.stored) < STORED_BEFORE_RELOAD:
        assert time.monotonic() < deadline, f"only {len(parts.stored)} parts stored in 30 s"
        page.wait_for_timeout(20)
    page.reload()
    expect(page.locator("#uploads tbody tr", has_text="big.bin")).to_have_count(1)
    parts.phase = "gap"
    # The page says what to do about it.
    expect(page.locator("#help")).to_contain_text("choose the same file again and it resumes")
    expect(
        page.locator("#uploads tbody tr", has_text="big.bin").locator("td.state .note")
    ).to_contain_text("Choose the same file again to resume it")

    # What the server holds now, and what the page remembers.
    upload = next(
        u for u in page.request.get(demo.url + demo.endpoint).json() if u["filename"] == "big.bin"
    )
    assert upload["state"] == "AWAIT_COMPLETE"
    listing = page.request.get(f"{demo.url}{demo.endpoint}{upload['id']}/parts/").json()
    assert listing["part_count"] == PART_COUNT
    held = {p["part_number"] for p in listing["parts"]}
    assert STORED_BEFORE_RELOAD <= len(held) < PART_COUNT, held
    remembered = page.evaluate(
        """() => Object.keys(localStorage)
                 .filter(k => k.startsWith("s3-file-uploads:resume:"))
                 .map(k => JSON.parse(localStorage.getItem(k)))"""
    )
    assert [entry["uploadId"] for entry in remembered] == [upload["id"]]

    # Second attempt: the same file, at full speed; only the missing parts go.
    throttle_uploads(page, -1)
    parts.phase = "resume"
    page.set_input_files("#files", str(big))
    wait_until_settled(page, 1, timeout=60_000)
    job = page.locator("#queue li", has_text="big.bin")
    expect(job).to_have_attribute("data-state", "done")
    expect(job).to_have_attribute("data-resumed", "true")
    assert job.get_attribute("data-upload-id") == upload["id"]

    first, resumed = parts.sent("first"), parts.sent("resume")
    assert parts.most_in_flight > 1, "parts went one at a time"
    assert not held & set(resumed), f"stored parts sent again: {sorted(held & set(resumed))}"
    assert set(resumed) == set(range(1, PART_COUNT + 1)) - held
    assert max(resumed.values()) == 1, resumed
    assert held <= set(first)
    assert not parts.sent("gap")

    events = page.evaluate("window.__uploadEvents")
    progress = [e for e in events if e["type"] == "upload-progress"]
    loaded = [e["loaded"] for e in progress]
    assert loaded == sorted(loaded)
    assert progress[0]["loaded"] >= len(held) * MULTIPART_PART_SIZE - MULTIPART_PART_SIZE
    assert progress[-1]["loaded"] == progress[-1]["total"] == SIZE

    done = page.request.get(demo.url + demo.endpoint).json()
    row = next(u for u in done if u["id"] == upload["id"])
    assert row["state"] == "COMPLETED"
    assert row["size"] == SIZE
    assert row["multipart"] is True
    stored = demo.storage.read(row["file_key"])
    assert stored is not None and len(stored) == SIZE
    assert hashlib.sha256(stored).hexdigest() == sha256_file(big)
    assert page.evaluate("Object.keys(localStorage).length") == 0


def test_cancel_aborts_a_multipart_upload_and_deletes_it(
    page: Page, multipart_demo: DemoServer, tmp_path: Path
):
    demo = multipart_demo
    big = make_file(tmp_path, "cancelled-big.bin", 5 * MULTIPART_PART_SIZE)
    before = demo.storage.keys()
    parts = PartLog(page)
    aborts = []
    page.on("request", lambda r: r.url.endswith("/abort/") and aborts.append(r.method))
    open_demo(page, demo)
    throttle_uploads(page, THROTTLED_BYTES_PER_SECOND / 4)

    page.set_input_files("#files", str(big))
    deadline = time.monotonic() + 30
    while not parts.stored:
        assert time.monotonic() < deadline, "no part stored in 30 s"
        page.wait_for_timeout(20)
    job = page.locator("#queue li", has_text="cancelled-big.bin")
    upload_id = job.get_attribute("data-upload-id")
    job.get_by_role("button", name="cancel").click()
    wait_until_settled(page, 1)

    expect(job).to_have_attribute("data-state", "cancelled")
    expect(job.locator(".status")).to_have_text("Cancelled; nothing was kept.")
    assert aborts == ["POST"], "the client did not abort the multipart upload"
    assert page.request.get(f"{demo.url}{demo.endpoint}{upload_id}/").status == 404
    assert page.evaluate("Object.keys(localStorage).length") == 0, "a cancelled upload resumes"
    assert demo.storage.keys() == before
