"""Uppy's Dashboard uploading through the package's Uppy plugin, on the demo's Uppy page.

Uppy is the real bundle from npm (``.tools/uppy/<major>/``, installed by scripts/common.sh), in
headless Chromium; the demo runs on the local disk and on S3 (moto). What a person does: add files
to the Dashboard, press Upload, retry what failed, remove a file while it uploads. What is checked
underneath: the rows, the bytes in storage, the parts sent, the aborts and the events Uppy got.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect

from tests.servers import REPO

from .conftest import (
    MULTIPART_MAX_SIZE,
    MULTIPART_PART_SIZE,
    MULTIPART_THRESHOLD,
    DemoServer,
    start_demo,
)
from .test_demo_multipart import PartLog, part_number, throttle_uploads
from .test_demo_uploads import make_file

pytestmark = pytest.mark.browser

MiB = 1024 * 1024
SMALL = 300 * 1000
BIG = 40 * 1000 * 1000
#: (storage, Uppy major) of the demos every test runs on: the current major on the local disk and
#: S3, the one before on the local disk.
UPPY_DEMOS = [("local", "6"), ("s3", "6"), ("local", "5")]


def uppy_bundle(major: str) -> Path:
    return REPO / ".tools" / "uppy" / major / "node_modules" / "uppy" / "dist" / "uppy.min.mjs"


def start_uppy_demo(request, tmp_path_factory, storage: str, major: str) -> Iterator[DemoServer]:
    """The demo with multipart over MULTIPART_THRESHOLD and the Uppy page on Uppy ``major``."""
    if not uppy_bundle(major).is_file():
        pytest.fail(
            f"{uppy_bundle(major)} is missing: bash -c 'source scripts/common.sh; ensure_uppy'"
        )
    settings = {
        "DEMO_UPPY_MAJOR": major,
        "DEMO_MAX_FILE_UPLOAD_SIZE": str(MULTIPART_MAX_SIZE),
        "DEMO_MULTIPART_THRESHOLD": str(MULTIPART_THRESHOLD),
        "DEMO_MULTIPART_PART_SIZE": str(MULTIPART_PART_SIZE),
        "DEMO_MULTIPART_CONCURRENCY": "4",
    }
    for server in start_demo(request, tmp_path_factory, storage, settings):
        server.uppy_major = major
        yield server


@pytest.fixture(scope="session", params=UPPY_DEMOS, ids=lambda p: f"{p[0]}-uppy{p[1]}")
def uppy_demo(request, tmp_path_factory) -> Iterator[DemoServer]:
    """The demo's Uppy page, on each storage and Uppy major the tests cover."""
    storage, major = request.param
    yield from start_uppy_demo(request, tmp_path_factory, storage, major)


def open_uppy_page(page: Page, demo: DemoServer) -> None:
    page.goto(f"{demo.url}/uppy/")
    page.wait_for_function("window.__uppy !== undefined")


def add_files(page: Page, *paths: Path) -> None:
    page.locator("input.uppy-Dashboard-input").first.set_input_files([str(p) for p in paths])


def press_upload(page: Page) -> None:
    page.locator(".uppy-StatusBar-actionBtn--upload").click()


def events(page: Page, kind: str, name: str | None = None) -> list[dict]:
    return [
        e
        for e in page.evaluate("window.__uppyEvents")
        if e["type"] == kind and (name is None or e["name"] == name)
    ]


def wait_for_event(page: Page, kind: str, name: str, timeout: float = 120_000) -> dict:
    """The last ``kind`` event of file ``name``; fails at once, with its message, on an
    upload-error when waiting for something else."""
    page.wait_for_function(
        """([kind, name]) => window.__uppyEvents.some(
             e => e.name === name && (e.type === kind || e.type === "upload-error"))""",
        arg=[kind, name],
        timeout=timeout,
    )
    if kind != "upload-error" and (failed := events(page, "upload-error", name)):
        pytest.fail(f"{name} failed: {failed[-1]['message']}")
    return events(page, kind, name)[-1]


def uploads(page: Page, demo: DemoServer) -> dict[str, dict]:
    return {u["id"]: u for u in page.request.get(demo.url + demo.endpoint).json()}


def uppy_file(page: Page, name: str) -> dict:
    """What Uppy holds of a file, with the plugin's ``djangoUpload``."""
    return page.evaluate(
        """(name) => {
             const file = window.__uppy.getFiles().find(f => f.name === name);
             return file && {id: file.id, djangoUpload: file.djangoUpload || null,
                             error: file.error || null};
           }""",
        name,
    )


def parts_held(page: Page, demo: DemoServer, upload_id: str) -> set[int]:
    listing = page.request.get(f"{demo.url}{demo.endpoint}{upload_id}/parts/").json()
    return {p["part_number"] for p in listing["parts"]}


def abort_requests(page: Page) -> list[str]:
    """The methods of the page's requests to a multipart upload's abort URL, as they go."""
    methods: list[str] = []
    page.on("request", lambda r: r.url.endswith("/abort/") and methods.append(r.method))
    return methods


def cancel_and_wait_until_deleted(page: Page, demo: DemoServer, upload_id: str) -> None:
    """Presses the Dashboard's cancel; the file leaves Uppy and the upload the server."""
    page.locator(".uppy-StatusBar-actionCircleBtn[aria-label='Cancel']").click()
    expect(page.locator(".uppy-Dashboard-Item")).to_have_count(0)
    deadline = time.monotonic() + 15
    while page.request.get(f"{demo.url}{demo.endpoint}{upload_id}/").status != 404:
        assert time.monotonic() < deadline, "the cancelled upload was not deleted"
        page.wait_for_timeout(100)


def remembered_uploads(page: Page) -> int:
    """Multipart uploads the client remembers to resume (Uppy 5's Golden Retriever keeps its own
    state in localStorage too)."""
    return page.evaluate(
        """Object.keys(localStorage).filter(k => k.startsWith("s3-file-uploads:resume:")).length"""
    )


def assert_stored_intact(demo: DemoServer, row: dict, path: Path) -> None:
    stored = demo.storage.read(row["file_key"])
    assert stored is not None, f"nothing stored under {row['file_key']}"
    assert len(stored) == path.stat().st_size
    assert hashlib.sha256(stored).digest() == hashlib.sha256(path.read_bytes()).digest()


def assert_resumed_without_resending(
    page: Page, demo: DemoServer, big: Path, upload_id: str, held: set[int], parts: PartLog
) -> None:
    """The upload completed as ``upload_id`` again, sending once each part storage lacked, in
    the PartLog's current phase."""
    success = wait_for_event(page, "upload-success", big.name)
    sent = parts.sent(parts.phase)
    assert success["id"] == upload_id
    assert uppy_file(page, big.name)["djangoUpload"]["resumed"] is True
    part_count = -(-big.stat().st_size // MULTIPART_PART_SIZE)
    assert held and len(held) < part_count, held
    assert set(sent) == set(range(1, part_count + 1)) - held, (sorted(sent), held)
    assert max(sent.values()) == 1, sent
    progress = events(page, "upload-progress", big.name)
    assert progress[-1]["loaded"] == progress[-1]["total"] == big.stat().st_size
    assert remembered_uploads(page) == 0, "a completed upload resumes"
    row = uploads(page, demo)[upload_id]
    assert row["state"] == "COMPLETED"
    assert_stored_intact(demo, row, big)


def test_uppy_dashboard_uploads_a_small_file_and_a_40_mb_file_in_parts(
    page: Page, uppy_demo: DemoServer, tmp_path: Path
):
    demo = uppy_demo
    small = make_file(tmp_path, "uppy-small.bin", SMALL)
    big = make_file(tmp_path, "uppy-big.bin", BIG)
    parts = PartLog(page)
    open_uppy_page(page, demo)
    expect(page.locator("#uppy-version")).to_contain_text(f"Uppy {demo.uppy_major}.")

    add_files(page, small, big)
    press_upload(page)
    successes = {
        path.name: wait_for_event(page, "upload-success", path.name) for path in (small, big)
    }

    rows = uploads(page, demo)
    for path in (small, big):
        success = successes[path.name]
        row = rows[success["id"]]
        assert row["state"] == "COMPLETED"
        assert row["size"] == path.stat().st_size
        assert success["url"] == f"{demo.url}{demo.endpoint}{row['id']}/"
        assert_stored_intact(demo, row, path)
        progress = events(page, "upload-progress", path.name)
        assert progress, f"no upload-progress for {path.name}"
        assert progress[-1]["loaded"] == progress[-1]["total"] == path.stat().st_size
        table_row = page.locator(f"#upload-{row['id']}")
        expect(table_row.locator("td.state")).to_have_text("COMPLETED")
        expect(table_row.get_by_role("link", name="download")).to_have_attribute(
            "href", success["url"]
        )
    assert rows[successes[small.name]["id"]]["multipart"] is False
    assert rows[successes[big.name]["id"]]["multipart"] is True
    big_parts = parts.sent("first")
    assert sorted(big_parts) == list(range(1, -(-BIG // MULTIPART_PART_SIZE) + 1)), big_parts
    assert len(big_parts) > 1
    expect(page.locator(".uppy-StatusBar")).to_contain_text("Complete")


def test_a_multipart_upload_whose_parts_failed_resumes_on_retry_without_resending_stored_parts(
    page: Page, uppy_demo: DemoServer, tmp_path: Path
):
    demo = uppy_demo
    size = 6 * MULTIPART_PART_SIZE + 12345
    big = make_file(tmp_path, "uppy-retried.bin", size)
    parts = PartLog(page)
    open_uppy_page(page, demo)

    # Storage refuses every part from the fourth on: the first attempt fails with parts stored.
    def refuse(route: Route) -> None:
        route.abort("connectionreset")

    def from_fourth_part(url: str) -> bool:
        return (part_number(url) or 0) >= 4

    page.route(from_fourth_part, refuse)
    add_files(page, big)
    press_upload(page)
    failed = wait_for_event(page, "upload-error", big.name, timeout=60_000)
    assert failed["message"]
    expect(page.locator(".uppy-StatusBar-actionBtn--retry")).to_be_visible()
    upload_id = uppy_file(page, big.name)["djangoUpload"]["id"]
    assert uploads(page, demo)[upload_id]["state"] == "AWAIT_COMPLETE"
    held = parts_held(page, demo, upload_id)
    assert held and max(held) < 4, held

    # Storage takes parts again; Retry resumes the same upload, sending only what it lacks.
    page.unroute(from_fourth_part, refuse)
    parts.phase = "retry"
    page.evaluate("window.__uppyEvents.length = 0")  # from here on, the events of the retry
    page.locator(".uppy-StatusBar-actionBtn--retry").click()
    assert_resumed_without_resending(page, demo, big, upload_id, held, parts)


def test_a_multipart_upload_cut_off_by_a_reload_is_restored_by_uppy_and_resumes(
    page: Page, uppy_demo: DemoServer, tmp_path: Path
):
    demo = uppy_demo
    big = make_file(tmp_path, "uppy-reloaded.bin", 6 * MULTIPART_PART_SIZE)
    parts = PartLog(page)
    open_uppy_page(page, demo)
    throttle_uploads(page, 6 * MiB)  # the last two parts need seconds more
    add_files(page, big)
    press_upload(page)
    deadline = time.monotonic() + 60
    while len(parts.stored) < 2:
        assert time.monotonic() < deadline, f"only {len(parts.stored)} parts stored in 60 s"
        page.wait_for_timeout(20)
    upload_id = uppy_file(page, big.name)["djangoUpload"]["id"]

    # Golden Retriever (the demo page uses it) brings the file back after the reload.
    page.reload()
    page.wait_for_function("window.__uppy !== undefined")
    parts.phase = "after reload"
    throttle_uploads(page, -1)
    expect(page.locator("#uppy")).to_contain_text("Session restored")
    held = parts_held(page, demo, upload_id)
    press_upload(page)

    assert_resumed_without_resending(page, demo, big, upload_id, held, parts)


def test_cancelling_a_multipart_upload_in_the_dashboard_aborts_and_deletes_it(
    page: Page, uppy_demo: DemoServer, tmp_path: Path
):
    demo = uppy_demo
    before = demo.storage.keys()
    aborts = abort_requests(page)
    parts = PartLog(page)
    open_uppy_page(page, demo)
    throttle_uploads(page, 12 * MiB)
    # Eight parts at 12 MiB/s: the first four are stored well before the last four are.
    big = make_file(tmp_path, "uppy-cancelled.bin", 8 * MULTIPART_PART_SIZE)

    add_files(page, big)
    press_upload(page)
    deadline = time.monotonic() + 60
    while not parts.stored:
        assert time.monotonic() < deadline, "no part stored in 60 s"
        page.wait_for_timeout(20)
    upload_id = uppy_file(page, big.name)["djangoUpload"]["id"]
    assert uploads(page, demo)[upload_id]["state"] == "AWAIT_COMPLETE"
    cancel_and_wait_until_deleted(page, demo, upload_id)
    assert aborts == ["POST"], "the plugin did not abort the multipart upload"
    assert not events(page, "upload-success", big.name)
    assert remembered_uploads(page) == 0, "a cancelled upload resumes"
    assert demo.storage.keys() == before


def test_a_file_the_profile_refuses_shows_the_api_message_in_the_dashboard(
    page: Page, uppy_demo: DemoServer, tmp_path: Path
):
    demo = uppy_demo
    binary = make_file(tmp_path, "not-an-image.bin", SMALL)
    open_uppy_page(page, demo)
    page.select_option("#profile", "image")

    add_files(page, binary)
    press_upload(page)
    failed = wait_for_event(page, "upload-error", binary.name, timeout=30_000)

    assert "image/png" in failed["message"], failed
    item = page.locator(".uppy-Dashboard-Item", has_text=binary.name)
    expect(item.locator(".uppy-Dashboard-Item-errorDetails")).to_have_attribute(
        "aria-label", failed["message"]
    )
    expect(page.locator(".uppy-StatusBar")).to_contain_text("Upload failed")
    assert not [u for u in uploads(page, demo).values() if u["filename"] == binary.name]


def test_cancelling_a_single_upload_in_the_dashboard_deletes_it(
    page: Page, uppy_demo: DemoServer, tmp_path: Path
):
    demo = uppy_demo
    before = demo.storage.keys()
    open_uppy_page(page, demo)
    throttle_uploads(page, 2 * MiB)
    single = make_file(tmp_path, "uppy-cancelled-single.bin", 12 * MiB)
    add_files(page, single)
    press_upload(page)
    page.wait_for_function(
        "() => window.__uppyEvents.some(e => e.type === 'upload-progress' && e.loaded > 0)"
    )
    upload = uppy_file(page, single.name)["djangoUpload"]
    assert upload["multipart"] is False

    cancel_and_wait_until_deleted(page, demo, upload["id"])
    assert not events(page, "upload-success", single.name)
    assert demo.storage.keys() == before
