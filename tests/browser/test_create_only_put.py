"""A browser upload on S3 and GCS is a create-only PUT: what Chromium sends, and what it leaves.

The demo page declares every file's size, so the server signs a PUT whose headers make storage
refuse a second write to the key (S3's ``If-None-Match: *``, GCS's
``x-goog-if-generation-match: 0``). Chromium must send exactly those headers, and may not send
Content-Length itself: the body's length is what was signed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, Request, Response, expect

from .conftest import DemoServer
from .test_demo_uploads import make_file, open_demo, wait_until_settled

pytestmark = pytest.mark.browser

#: The header that makes each storage's PUT create-only, and its value.
CREATE_ONLY = {"s3": ("if-none-match", "*"), "gcs": ("x-goog-if-generation-match", "0")}


def test_a_browser_upload_is_a_create_only_put_that_completes(
    page: Page, demo: DemoServer, tmp_path: Path
):
    if demo.storage.name not in CREATE_ONLY:
        pytest.skip("Azure's and local's create-only uploads are proved in their own tests")
    header, value = CREATE_ONLY[demo.storage.name]
    file = make_file(tmp_path, "put-me.bin", 300 * 1024)
    created: list[dict] = []
    sent: list[Request] = []

    def record_create(response: Response) -> None:
        if response.request.method == "POST" and response.url == demo.url + demo.endpoint:
            created.append(response.json())

    page.on("response", record_create)
    page.on("request", lambda request: sent.append(request))
    open_demo(page, demo)
    page.set_input_files("#files", [str(file)])
    wait_until_settled(page, 1)

    expect(page.locator("#queue li", has_text=file.name)).to_have_attribute("data-state", "done")
    (reply,) = created
    instruction = reply["upload"]
    assert instruction["method"] == "PUT"
    assert {k.lower(): v for k, v in instruction["headers"].items()}[header] == value
    (storage_request,) = [r for r in sent if r.url == instruction["url"]]
    assert storage_request.method == "PUT"
    assert storage_request.headers[header] == value
    listed = page.request.get(demo.url + demo.endpoint).json()
    (upload,) = [u for u in listed if u["id"] == reply["id"]]
    assert upload["state"] == "COMPLETED"
    assert demo.storage.read(upload["file_key"]) == file.read_bytes()
    leave_the_demo_as_found(page, demo, upload["file_path"])


def test_the_same_put_sent_again_on_s3_is_refused_and_the_bytes_stay(
    page: Page, demo: DemoServer, tmp_path: Path
):
    if demo.storage.name != "s3":
        pytest.skip("moto enforces If-None-Match; fake-gcs-server ignores its precondition")
    file = make_file(tmp_path, "once.bin", 1024)
    created: list[dict] = []
    page.on(
        "response",
        lambda r: (
            created.append(r.json())
            if r.request.method == "POST" and r.url == demo.url + demo.endpoint
            else None
        ),
    )
    open_demo(page, demo)
    page.set_input_files("#files", [str(file)])
    wait_until_settled(page, 1)

    (reply,) = created
    instruction = reply["upload"]
    again = page.request.put(
        instruction["url"], headers=instruction["headers"], data=b"x" * file.stat().st_size
    )

    assert again.status == 412
    assert demo.storage.read(reply["file_key"]) == file.read_bytes()
    leave_the_demo_as_found(page, demo, reply["file_path"])


def leave_the_demo_as_found(page: Page, demo: DemoServer, file_path: str) -> None:
    """Delete the upload: the demo is shared by the session's tests, and some list all rows."""
    csrf = {c["name"]: c["value"] for c in page.context.cookies()}["csrftoken"]
    deleted = page.request.delete(demo.url + file_path, headers={"X-CSRFToken": csrf})
    assert deleted.status == 204
