"""Uploads through the demo page in headless Chromium, on every storage the demo can use.

What a person does: choose files, watch the bars, download and view what they uploaded, delete
it. What is checked underneath: the bytes storage holds are the bytes chosen, the download has
the right name, and a refused file leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from playwright.sync_api import Page, expect

from .conftest import MAX_SIZE, DemoServer

pytestmark = pytest.mark.browser

MiB = 1024 * 1024
UNICODE_NAME = "naïve résumé.pdf"

RECORD_EVENTS = """
window.__uploadEvents = [];
for (const type of ["upload-progress", "upload-done", "upload-failed"]) {
  document.addEventListener(type, (event) => {
    const { upload, ...detail } = event.detail;
    window.__uploadEvents.push({ type, ...detail, id: upload && upload.id });
  });
}
"""


#: The first bytes of the formats the tests name files after, so that what storage holds is
#: what the name says (complete may check a file's type from its content); the rest is random.
SIGNATURES = {
    ".png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    ".jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    ".pdf": b"%PDF-1.7\n",
}


def make_file(folder: Path, name: str, size: int) -> Path:
    path = folder / name
    signature = SIGNATURES.get(path.suffix.lower(), b"")[:size]
    with path.open("wb") as out:
        out.write(signature)
        left = size - len(signature)
        while left:
            chunk = os.urandom(min(left, MiB))
            out.write(chunk)
            left -= len(chunk)
    return path


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def open_demo(page: Page, demo: DemoServer) -> None:
    page.add_init_script(RECORD_EVENTS)
    page.goto(demo.url + "/")
    expect(page.locator("#app")).to_be_visible()
    expect(page.locator("#empty, #uploads tbody tr").first).to_be_visible()


def wait_until_settled(page: Page, count: int, timeout: float = 120_000) -> None:
    page.wait_for_function(
        """count => {
            const jobs = [...document.querySelectorAll("#queue li")];
            return jobs.length === count
                && jobs.every(job => ["done", "failed", "cancelled"].includes(job.dataset.state));
        }""",
        arg=count,
        timeout=timeout,
    )


def test_uploads_arrive_intact_and_download_with_their_names(
    page: Page, demo: DemoServer, tmp_path: Path
):
    files = [
        make_file(tmp_path, "one-byte.bin", 1),
        make_file(tmp_path, "twenty.bin", 20 * MiB),
        make_file(tmp_path, UNICODE_NAME, 300 * 1024),
    ]
    sent = {f.name: f.read_bytes() for f in files}
    open_demo(page, demo)

    page.set_input_files("#files", [str(f) for f in files])
    wait_until_settled(page, len(files))

    for name in sent:
        job = page.locator("#queue li", has_text=name)
        expect(job).to_have_attribute("data-state", "done")
        expect(job.locator(".status")).to_have_text("Uploaded.")

    events = page.evaluate("window.__uploadEvents")
    for name, body in sent.items():
        progress = [e for e in events if e["type"] == "upload-progress" and e["filename"] == name]
        assert progress, f"no progress events for {name}"
        loaded = [e["loaded"] for e in progress]
        assert loaded == sorted(loaded), loaded
        assert progress[-1]["loaded"] == progress[-1]["total"] == len(body)

    uploads = page.request.get(demo.url + demo.endpoint).json()
    by_name = {u["filename"]: u for u in uploads}
    assert set(by_name) == set(sent)
    for name, body in sent.items():
        upload = by_name[name]
        assert upload["state"] == "COMPLETED"
        assert upload["size"] == len(body)
        stored = demo.storage.read(upload["file_key"])
        assert stored is not None, f"{name} is not in storage under {upload['file_key']}"
        assert sha256(stored) == sha256(body), name

        download = page.request.get(demo.url + upload["file_path"])
        assert download.status == 200
        assert sha256(download.body()) == sha256(body), name
        if not demo.storage.applies_response_overrides:
            # The test server ignores the signed disposition: check what was signed instead.
            redirect = page.request.get(demo.url + upload["file_path"], max_redirects=0)
            signed = unquote(redirect.headers["location"])
            assert "attachment; filename=" in signed
            assert f"filename*=UTF-8''{quote(name, safe='')}" in signed
            continue
        disposition = download.headers["content-disposition"]
        assert disposition.startswith("attachment;")
        assert f"filename*=UTF-8''{quote(name, safe='')}" in disposition

    if not demo.storage.applies_response_overrides:
        return
    # The list on the page offers the same; the browser itself names the download.
    expect(page.locator("#uploads tbody tr")).to_have_count(3)
    row = page.locator("#uploads tbody tr", has_text=UNICODE_NAME)
    with page.expect_download() as caught:
        row.locator("a.download").click()
    download = caught.value
    assert download.suggested_filename == UNICODE_NAME
    assert sha256(Path(download.path()).read_bytes()) == sha256(sent[UNICODE_NAME])

    view = page.request.get(demo.url + row.locator("a.view").get_attribute("href"))
    assert view.status == 200
    assert view.headers["content-disposition"].startswith("inline;")
    assert view.headers["content-type"] == "application/pdf"


def test_delete_button_removes_row_and_object(page: Page, demo: DemoServer, tmp_path: Path):
    doomed = make_file(tmp_path, "delete-me.txt", 1234)
    open_demo(page, demo)
    page.set_input_files("#files", str(doomed))
    wait_until_settled(page, 1)
    upload_id = page.locator("#queue li").get_attribute("data-upload-id")
    key = next(
        u for u in page.request.get(demo.url + demo.endpoint).json() if u["id"] == upload_id
    )["file_key"]
    assert demo.storage.read(key) == doomed.read_bytes()

    row = page.locator(f'#uploads tbody tr[data-upload-id="{upload_id}"]')
    row.locator("button.delete").click()
    expect(row).to_have_count(0)
    assert demo.storage.read(key) is None
    assert page.request.get(f"{demo.url}{demo.endpoint}{upload_id}/").status == 404


def test_a_file_over_the_limit_is_refused_in_the_page_before_anything_is_sent(
    page: Page, demo: DemoServer, tmp_path: Path
):
    too_big = make_file(tmp_path, "too-big.bin", MAX_SIZE + 1)
    before = demo.storage.keys()
    open_demo(page, demo)
    sent = []
    page.on("request", lambda request: sent.append(f"{request.method} {request.url}"))

    page.set_input_files("#files", str(too_big))
    wait_until_settled(page, 1)

    job = page.locator("#queue li", has_text="too-big.bin")
    expect(job).to_have_attribute("data-state", "failed")
    expect(job.locator(".status")).to_have_text(
        f"The file is {MAX_SIZE + 1} bytes (21 MiB); the limit is {MAX_SIZE} bytes (21 MiB). "
        "Nothing was sent."
    )
    assert sent == [], "the page asked the server although it knew the file was too big"
    assert demo.storage.keys() == before
    names = [u["filename"] for u in page.request.get(demo.url + demo.endpoint).json()]
    assert "too-big.bin" not in names
