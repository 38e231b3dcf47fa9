"""The demo's upload areas, one per profile, in headless Chromium.

What a person does: choose an image in the image area and a PDF in the document area, drop a
file on the wrong area, fill their document quota. What is checked underneath: each file is
created in its area's profile and stored under that profile's key prefix; the page refuses what
the profile would refuse before any request; what the server refuses stays beside the area, in
the server's words.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import SCREENSHOTS, DemoServer, start_demo
from .test_demo_uploads import make_file, open_demo, sha256

pytestmark = pytest.mark.browser

KiB = 1024
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1100, "height": 900}
#: The profiles demo's document limits: small enough that two files fill the quota.
DOCUMENT_MAX_SIZE = 1536 * KiB
DOCUMENT_QUOTA_BYTES = 200_000
DOCUMENT_QUOTA_OPEN_UPLOADS = 3


@pytest.fixture(scope="module")
def profiles_demo(request, tmp_path_factory) -> Iterator[DemoServer]:
    """The local-disk demo with a document quota two small PDFs fill."""
    yield from start_demo(
        request,
        tmp_path_factory,
        "local",
        {
            "DEMO_DOCUMENT_MAX_SIZE": str(DOCUMENT_MAX_SIZE),
            "DEMO_DOCUMENT_QUOTA_BYTES": str(DOCUMENT_QUOTA_BYTES),
            "DEMO_DOCUMENT_QUOTA_OPEN_UPLOADS": str(DOCUMENT_QUOTA_OPEN_UPLOADS),
        },
    )


def area_queue(page: Page, profile: str):
    return page.locator(f"#area-{profile} .queue li")


def choose_files(page: Page, profile: str, paths: list[Path]) -> None:
    """What a person does: press the area's button and pick the files in the chooser."""
    with page.expect_file_chooser() as chooser:
        page.locator(f"#drop-{profile}").click()
    chooser.value.set_files([str(path) for path in paths])


def drop_files(page: Page, profile: str, files: list[dict]) -> None:
    """Drops files (``name``, ``type``, ``size``) on the area, as a drag from the desktop does."""
    page.evaluate(
        """({ zone, files }) => {
            const data = new DataTransfer();
            for (const { name, type, size } of files) {
                data.items.add(new File([new Uint8Array(size)], name, { type }));
            }
            const target = document.getElementById(zone);
            for (const type of ["dragenter", "dragover", "drop"]) {
                target.dispatchEvent(
                    new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: data }));
            }
        }""",
        {"zone": f"drop-{profile}", "files": files},
    )


def wait_until_area_settled(page: Page, profile: str, count: int) -> None:
    page.wait_for_function(
        """([profile, count]) => {
            const jobs = [...document.querySelectorAll(`#area-${profile} .queue li`)];
            return jobs.length === count
                && jobs.every(job => ["done", "failed", "cancelled"].includes(job.dataset.state));
        }""",
        arg=[profile, count],
        timeout=60_000,
    )


def listed(page: Page, demo: DemoServer) -> dict[str, dict]:
    return {u["filename"]: u for u in page.request.get(demo.url + demo.endpoint).json()}


def test_an_image_and_a_pdf_are_stored_under_their_own_profiles(
    page: Page, demo: DemoServer, tmp_path: Path
):
    image = make_file(tmp_path, "profile-photo.png", 300 * KiB)
    pdf = make_file(tmp_path, "profile-report.pdf", 150 * KiB)
    open_demo(page, demo)

    choose_files(page, "image", [image])
    choose_files(page, "document", [pdf])
    wait_until_area_settled(page, "image", 1)
    wait_until_area_settled(page, "document", 1)

    uploads = listed(page, demo)
    for path, profile, prefix in ((image, "image", "images/"), (pdf, "document", "documents/")):
        job = area_queue(page, profile)
        expect(job).to_have_attribute("data-state", "done")
        upload = uploads[path.name]
        assert upload["id"] == job.get_attribute("data-upload-id")
        assert upload["profile"] == profile
        assert upload["state"] == "COMPLETED"
        assert upload["file_key"].startswith(prefix), upload["file_key"]
        stored = demo.storage.read(upload["file_key"])
        assert stored is not None, f"nothing stored under {upload['file_key']}"
        assert sha256(stored) == sha256(path.read_bytes())
        row = page.locator(f'#uploads tbody tr[data-upload-id="{upload["id"]}"]')
        expect(row.locator("td.profile")).to_have_text(profile)
    assert uploads[image.name]["content_type"] == "image/png"
    assert uploads[pdf.name]["content_type"] == "application/pdf"

    # Deleted from the list like any other upload: the storage shared with other tests is left
    # as it was found.
    for name in (image.name, pdf.name):
        row = page.locator(f'#uploads tbody tr[data-upload-id="{uploads[name]["id"]}"]')
        row.locator("button.delete").click()
        expect(row).to_have_count(0)
        assert demo.storage.read(uploads[name]["file_key"]) is None


def test_each_area_is_labelled_with_its_profiles_limits_from_the_settings(
    page: Page, profiles_demo: DemoServer
):
    open_demo(page, profiles_demo)

    expect(page.locator("#limit-image")).to_have_text("2 MiB")
    expect(page.locator("#limits-image .types")).to_have_text(
        "image/png, image/jpeg, image/webp, image/gif"
    )
    expect(page.locator("#limit-document")).to_have_text("1.5 MiB")  # DOCUMENT_MAX_SIZE
    expect(page.locator("#limits-document .types")).to_have_text("application/pdf, text/plain")
    expect(page.locator("#limits-document .quota")).to_contain_text(
        "Your quota: 195.3 KiB, 3 open at once."  # 200,000 bytes
    )
    expect(page.locator("#limits-image .quota")).to_have_count(0)


def test_a_pdf_dropped_on_the_image_area_is_refused_before_any_request(
    page: Page, profiles_demo: DemoServer
):
    demo = profiles_demo
    before = demo.storage.keys()
    open_demo(page, demo)
    sent = []
    page.on("request", lambda request: sent.append(f"{request.method} {request.url}"))

    drop_files(
        page,
        "image",
        [
            {"name": "dropped-report.pdf", "type": "application/pdf", "size": 1000},
            {"name": "huge-photo.jpg", "type": "image/jpeg", "size": 2 * 1024 * KiB + 1},
        ],
    )
    wait_until_area_settled(page, "image", 2)

    pdf = area_queue(page, "image").filter(has_text="dropped-report.pdf")
    expect(pdf).to_have_attribute("data-state", "failed")
    expect(pdf.locator(".status.error")).to_have_text(
        "Files of type application/pdf are not accepted here; accepted: image/png, image/jpeg, "
        "image/webp, image/gif. Nothing was sent."
    )
    huge = area_queue(page, "image").filter(has_text="huge-photo.jpg")
    expect(huge.locator(".status.error")).to_have_text(
        "The file is 2097153 bytes (2 MiB); the limit is 2097152 bytes (2 MiB). Nothing was sent."
    )
    assert sent == [], "the page asked the server although it knew the profile refuses the files"
    assert demo.storage.keys() == before
    assert not {"dropped-report.pdf", "huge-photo.jpg"} & set(listed(page, demo))


def test_a_type_the_browser_cannot_name_is_refused_by_the_server_beside_its_area(
    page: Page, profiles_demo: DemoServer, tmp_path: Path
):
    unknown = make_file(tmp_path, "scan.unknownext", 2 * KiB)
    open_demo(page, profiles_demo)

    choose_files(page, "document", [unknown])
    wait_until_area_settled(page, "document", 1)

    job = area_queue(page, "document")
    expect(job).to_have_attribute("data-state", "failed")
    expect(job).to_have_attribute("data-status", "400")
    expect(job.locator(".status.error")).to_have_text(
        "content_type: Files of type 'application/octet-stream' are not accepted here; "
        "accepted: application/pdf, text/plain."
    )
    assert "scan.unknownext" not in listed(page, profiles_demo)


def test_the_document_quota_refusal_stays_beside_the_area_with_the_servers_message(
    page: Page, profiles_demo: DemoServer, tmp_path: Path
):
    demo = profiles_demo
    first = make_file(tmp_path, "quota-first.pdf", 120_000)
    second = make_file(tmp_path, "quota-second.pdf", 120_000)
    open_demo(page, demo)
    assert not [u for u in listed(page, demo).values() if u["profile"] == "document"]

    choose_files(page, "document", [first])
    wait_until_area_settled(page, "document", 1)
    expect(area_queue(page, "document").first).to_have_attribute("data-state", "done")
    in_use = 120_000
    choose_files(page, "document", [second])
    wait_until_area_settled(page, "document", 2)

    refused = area_queue(page, "document").filter(has_text="quota-second.pdf")
    expect(refused).to_have_attribute("data-state", "failed")
    expect(refused).to_have_attribute("data-status", "403")
    message = (
        f"This would store {in_use + 120_000} bytes in the 'document' profile; your quota is "
        f"{DOCUMENT_QUOTA_BYTES} bytes and {in_use} are in use. Delete files you no longer need "
        "or upload a smaller one."
    )
    expect(refused.locator(".status.error")).to_have_text(message)
    expect(page.locator("#limits-document .usage")).to_have_text(
        "Now: 117.2 KiB in use, 0 open."  # 120,000 bytes
    )
    # Still there after the list is read again.
    page.locator("#refresh").click()
    page.wait_for_timeout(1000)
    expect(refused.locator(".status.error")).to_have_text(message)
    assert "quota-second.pdf" not in listed(page, demo)


@pytest.mark.parametrize(
    ("viewport", "side_by_side"), [(DESKTOP, True), (PHONE, False)], ids=["desktop", "phone"]
)
def test_the_two_areas_sit_side_by_side_and_stack_on_a_phone(
    browser: Browser, profiles_demo: DemoServer, viewport: dict, side_by_side: bool
):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        open_demo(page, profiles_demo)
        drop_files(
            page,
            "image",
            [
                {
                    "name": "a-long-document-name-dropped-here-by-mistake.pdf",
                    "type": "application/pdf",
                    "size": 10,
                }
            ],
        )
        wait_until_area_settled(page, "image", 1)
        image = page.locator("#area-image").bounding_box()
        document = page.locator("#area-document").bounding_box()
        width = page.evaluate("document.documentElement.scrollWidth")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=str(SCREENSHOTS / f"demo-profiles-{viewport['width']}px.png"), full_page=True
        )
    finally:
        context.close()

    assert width <= viewport["width"], (
        f"the page is {width} px wide on a {viewport['width']} px screen"
    )
    if side_by_side:
        assert image["y"] == document["y"] and image["x"] + image["width"] <= document["x"]
    else:
        assert image["x"] == document["x"] and image["y"] + image["height"] <= document["y"]
