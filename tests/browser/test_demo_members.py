"""The demo's example model in headless Chromium: its plain form page and its admin, on the
local disk and S3 (moto), as a person running ``make demo`` meets them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .conftest import MAX_SIZE, DemoServer, start_demo
from .test_demo_uploads import make_file

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", params=["local", "s3"])
def members_demo(request, tmp_path_factory) -> Iterator[DemoServer]:
    yield from start_demo(
        request, tmp_path_factory, request.param, {"DEMO_MAX_FILE_UPLOAD_SIZE": str(MAX_SIZE)}
    )


def uploaded(page: Page, field: str, path: Path) -> None:
    widget = page.locator(f"[data-s3fu-upload]:has(input[name='{field}'])")
    widget.locator("input[type=file]").set_input_files(str(path))
    expect(widget).to_have_attribute("data-state", "done", timeout=30_000)


def test_the_demo_form_page_saves_a_member_whose_files_went_to_storage(
    page: Page, members_demo: DemoServer, tmp_path: Path
):
    picture = make_file(tmp_path, "face.png", 2048)
    cv = make_file(tmp_path, "cv.pdf", 4096)
    page.goto(f"{members_demo.url}/")
    page.click("text=Upload fields in a plain form")

    page.fill("#id_name", "Ada")
    uploaded(page, "picture", picture)
    uploaded(page, "cv", cv)
    page.click("#member-form button[type=submit]")

    row = page.locator("#members tr", has_text="Ada")
    expect(row.locator(".picture")).to_have_text("face.png")
    expect(row.locator(".cv")).to_have_text("cv.pdf")
    uploads = {
        u["filename"]: u for u in page.request.get(members_demo.url + members_demo.endpoint).json()
    }
    assert members_demo.storage.read(uploads["face.png"]["file_key"]) == picture.read_bytes()
    assert uploads["cv.pdf"]["profile"] == "document"

    page.click("text=The same in the admin")
    link = page.locator("#result_list tr", has_text="Ada").locator("a", has_text="cv.pdf")
    expect(link).to_be_visible()
    assert page.request.get(link.evaluate("a => a.href")).body() == cv.read_bytes()
