"""What a person meets on the demo page besides the uploads themselves, in headless Chromium.

The page fits a phone; sizes read in the units they are labelled with; one picker opens the file
chooser; a cancelled upload leaves nothing behind, on every storage; an upload that stopped with
the page says what to do with it; an error stays until it is dismissed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import MAX_SIZE, SCREENSHOTS, DemoServer, start_demo
from .test_demo_multipart import throttle_uploads
from .test_demo_uploads import make_file, open_demo, wait_until_settled

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LONG_NAME = "a-rather-long-file-name-from-a-phone-camera-roll-2026-05-01-IMG_004217.jpg"
#: Slow enough that a 4 MiB file is still on its way when the test presses cancel.
SLOW_BYTES_PER_SECOND = 256 * 1024


@pytest.fixture(scope="module")
def local_demo(request, tmp_path_factory) -> Iterator[DemoServer]:
    """The demo on the local-disk backend, for what is the same on every storage."""
    yield from start_demo(
        request, tmp_path_factory, "local", {"DEMO_MAX_FILE_UPLOAD_SIZE": str(MAX_SIZE)}
    )


def csrf_token(page: Page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")


def upload_one(page: Page, path: Path) -> str:
    """Uploads a file through the page; the new upload's id."""
    count = page.locator("#queue li").count()
    page.set_input_files("#files", str(path))
    wait_until_settled(page, count + 1)
    job = page.locator("#queue li").nth(count)
    expect(job).to_have_attribute("data-state", "done")
    return job.get_attribute("data-upload-id")


def test_the_page_fits_a_phone_screen(browser: Browser, local_demo: DemoServer, tmp_path: Path):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        open_demo(page, local_demo)
        upload_one(page, make_file(tmp_path, LONG_NAME, 300 * 1024))
        page.set_input_files("#files", str(make_file(tmp_path, "too-big.bin", MAX_SIZE + 1)))
        wait_until_settled(page, 2)
        expect(page.locator("#uploads tbody tr", has_text=LONG_NAME)).to_have_count(1)

        width = page.evaluate("document.documentElement.scrollWidth")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "demo-390px.png"), full_page=True)
        assert width <= PHONE["width"], f"the page is {width} px wide on a 390 px screen"
    finally:
        context.close()


def test_sizes_are_written_in_the_binary_units_they_are_labelled_with(
    page: Page, local_demo: DemoServer, tmp_path: Path
):
    open_demo(page, local_demo)
    expect(page.locator("#limit")).to_have_text("21 MiB")  # 21 * 1024 * 1024 bytes

    upload_id = upload_one(page, make_file(tmp_path, "kibi.bin", 1536))

    expect(page.locator("#queue li", has_text="kibi.bin").locator(".size")).to_have_text("1.5 KiB")
    row = page.locator(f'#uploads tbody tr[data-upload-id="{upload_id}"]')
    expect(row.locator("td.size")).to_have_text("1.5 KiB")


def test_one_picker_the_drop_zone_opens_the_file_chooser(
    page: Page, local_demo: DemoServer, tmp_path: Path
):
    open_demo(page, local_demo)
    pickers = page.locator("input[type=file]")
    expect(pickers).to_have_count(1)
    box = pickers.bounding_box()
    assert box is None or (box["width"] <= 1 and box["height"] <= 1), box

    with page.expect_file_chooser() as chooser:
        page.locator("#drop").click()
    assert chooser.value.is_multiple()
    chooser.value.set_files(str(make_file(tmp_path, "picked.txt", 100)))
    wait_until_settled(page, 1)
    expect(page.locator("#queue li", has_text="picked.txt")).to_have_attribute("data-state", "done")


def test_a_failed_delete_stays_on_the_page_until_dismissed(
    page: Page, local_demo: DemoServer, tmp_path: Path
):
    open_demo(page, local_demo)
    upload_id = upload_one(page, make_file(tmp_path, "twice.txt", 10))
    row = page.locator(f'#uploads tbody tr[data-upload-id="{upload_id}"]')
    expect(row).to_have_count(1)
    # Deleted elsewhere (another tab) while this page still lists it.
    gone = page.request.delete(
        f"{local_demo.url}{local_demo.endpoint}{upload_id}/",
        headers={"X-CSRFToken": csrf_token(page), "Referer": local_demo.url + "/"},
    )
    assert gone.status == 204

    row.locator("button.delete").click()

    message = page.locator("#messages li")
    expect(message).to_contain_text("Could not delete twice.txt")
    expect(row).to_have_count(0)
    page.locator("#refresh").click()
    page.wait_for_timeout(1500)
    expect(message).to_be_visible()
    message.get_by_role("button", name="dismiss").click()
    expect(message).to_have_count(0)


def test_cancel_deletes_a_single_upload_and_leaves_nothing(
    page: Page, demo: DemoServer, tmp_path: Path
):
    slow = make_file(tmp_path, "cancel-me.bin", 4 * 1024 * 1024)
    before = demo.storage.keys()
    open_demo(page, demo)
    throttle_uploads(page, SLOW_BYTES_PER_SECOND)

    page.set_input_files("#files", str(slow))
    job = page.locator("#queue li", has_text="cancel-me.bin")
    page.wait_for_function(
        """() => {
            const job = document.querySelector("#queue li");
            return job && job.dataset.uploadId && job.querySelector("progress").value > 0;
        }""",
        timeout=30_000,
    )
    upload_id = job.get_attribute("data-upload-id")
    job.get_by_role("button", name="cancel").click()
    wait_until_settled(page, 1)

    expect(job).to_have_attribute("data-state", "cancelled")
    expect(job.locator(".status")).to_have_text("Cancelled; nothing was kept.")
    assert page.request.get(f"{demo.url}{demo.endpoint}{upload_id}/").status == 404
    listed = [u["id"] for u in page.request.get(demo.url + demo.endpoint).json()]
    assert upload_id not in listed
    expect(page.locator(f'#uploads tbody tr[data-upload-id="{upload_id}"]')).to_have_count(0)
    assert demo.storage.keys() == before


def test_an_upload_cut_off_by_a_reload_says_what_to_do(
    page: Page, local_demo: DemoServer, tmp_path: Path
):
    slow = make_file(tmp_path, "cut-off.bin", 4 * 1024 * 1024)
    open_demo(page, local_demo)
    throttle_uploads(page, SLOW_BYTES_PER_SECOND)
    page.set_input_files("#files", str(slow))
    page.wait_for_function(
        "() => document.querySelector('#queue li')?.dataset.uploadId", timeout=30_000
    )
    upload_id = page.locator("#queue li").get_attribute("data-upload-id")

    page.reload()

    row = page.locator(f'#uploads tbody tr[data-upload-id="{upload_id}"]')
    expect(row.locator("td.state")).to_contain_text("await complete")
    expect(row.locator("td.state .note")).to_have_text(
        "Not finished: the page was closed or reloaded while it was sent. "
        "Delete it, and choose the file again."
    )
