"""Upload fields in headless Chromium: the admin's add and change forms of a model with
``UploadField`` and a plain form page, on the local-disk backend and S3 (moto).

The pages are the tests' own Django on the live server, so a test can make the rows and the
signed values an attacker would try; what a person does is choose files, wait for the widget to
say they are uploaded, and save. Underneath, the saved row points at uploads that hold the
chosen bytes and belong to the person who chose them (a file posted to Django instead would
not: without a user the form stores it as anonymous).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import Browser, BrowserContext, Page, expect

from s3_file_uploads.field_values import sign_field_value
from s3_file_uploads.models import UploadedFile, UploadState
from s3_file_uploads.testing import api_client, create_upload
from tests.upload_field_app.models import Member

pytestmark = [pytest.mark.browser, pytest.mark.urls("tests.upload_field_app.urls")]

TEXT = {"CONTENT_TYPES": ["text/plain"], "CHECK_CONTENT": False}
SAVED = "Saved member"


@pytest.fixture(params=["local", "s3"])
def storage(request, settings, tmp_path: Path) -> str:
    """The avatar and document profiles on one storage: local disk or S3 on moto."""
    if request.param == "local":
        settings.S3_FILE_UPLOADS = {
            "BACKENDS": {"disk": {"BACKEND": "local", "OPTIONS": {"location": str(tmp_path)}}},
            "PROFILES": {
                "avatar": {**TEXT, "BACKEND": "disk"},
                "document": {**TEXT, "BACKEND": "disk"},
            },
        }
        settings.STORAGE_BACKEND = "disk"
    else:
        request.getfixturevalue("s3_bucket")
        settings.S3_FILE_UPLOADS = {"PROFILES": {"avatar": TEXT, "document": TEXT}}
    return request.param


def logged_in(context: BrowserContext, client, live_server, user) -> None:
    """The browser holds ``user``'s session cookie."""
    client.force_login(user)
    cookie = client.cookies["sessionid"].value
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])


def text_file(folder: Path, name: str, body: bytes) -> Path:
    path = folder / name
    path.write_bytes(body)
    return path


def upload_in_widget(page: Page, field: str, path: Path) -> None:
    """Choose ``path`` in the widget of ``field`` and wait until it says it is uploaded."""
    widget = page.locator(f"[data-s3fu-upload]:has(input[name='{field}'])")
    widget.locator("input[type=file]").set_input_files(str(path))
    expect(widget).to_have_attribute("data-state", "done", timeout=30_000)
    expect(widget.locator("[data-s3fu-status]")).to_have_text(f"Uploaded {path.name}.")


def stored_bytes(upload: UploadedFile) -> bytes:
    with upload.open() as stored:
        return stored.read()


def server_side(user, name: str, body: bytes, profile: str) -> UploadedFile:
    return UploadedFile.objects.create_from_file(
        ContentFile(body), filename=name, user=user, profile=profile
    )


def add_member(page: Page, name: str, folder: Path, *, save: str) -> None:
    """Fill in a member's name, upload both files through their widgets, press ``save``."""
    page.fill("#id_name", name)
    upload_in_widget(page, "avatar", text_file(folder, "face.txt", b"a face"))
    upload_in_widget(page, "resume", text_file(folder, "cv.txt", b"a life"))
    page.click(save)


def assert_added(member: Member, uploader) -> None:
    """The member holds the files ``add_member`` chose, uploaded by ``uploader`` itself."""
    assert (stored_bytes(member.avatar), stored_bytes(member.resume)) == (b"a face", b"a life")
    assert (member.avatar.user, member.resume.user) == (uploader, uploader)
    assert (member.avatar.profile, member.resume.profile) == ("avatar", "document")


# The admin ------------------------------------------------------------------------------------


def test_the_admin_add_form_uploads_each_file_to_storage_and_saves(
    page: Page, client, live_server, admin_user, storage, tmp_path
):
    logged_in(page.context, client, live_server, admin_user)
    page.goto(f"{live_server.url}/admin/upload_field_app/member/add/")

    add_member(page, "grace", tmp_path, save="input[name=_save]")

    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    assert_added(Member.objects.get(name="grace"), admin_user)
    expect(page.locator("#result_list")).to_contain_text("face.txt")


def test_the_admin_change_form_shows_the_current_files_keeps_one_and_replaces_the_other(
    page: Page, client, live_server, admin_user, storage, tmp_path
):
    member = Member.objects.create(
        name="grace",
        avatar=server_side(admin_user, "old-face.txt", b"old face", "avatar"),
        resume=server_side(admin_user, "cv.txt", b"a life", "document"),
    )
    logged_in(page.context, client, live_server, admin_user)
    page.goto(f"{live_server.url}/admin/upload_field_app/member/{member.pk}/change/")
    current = page.locator("[data-s3fu-upload]:has(input[name='resume']) [data-s3fu-current] a")
    expect(current).to_have_text("cv.txt")
    assert page.request.get(current.evaluate("link => link.href")).body() == b"a life"

    upload_in_widget(page, "avatar", text_file(tmp_path, "new-face.txt", b"new face"))
    page.click("input[name=_save]")

    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    member.refresh_from_db()
    assert stored_bytes(member.avatar) == b"new face"
    assert member.resume.filename == "cv.txt"


def test_an_admin_inline_row_added_in_the_page_uploads_through_its_widget(
    page: Page, client, live_server, admin_user, storage, tmp_path
):
    member = Member.objects.create(
        name="grace", resume=server_side(admin_user, "cv.txt", b"a life", "document")
    )
    logged_in(page.context, client, live_server, admin_user)
    page.goto(f"{live_server.url}/admin/upload_field_app/member/{member.pk}/change/")

    page.click(".add-row a")
    upload_in_widget(page, "attachments-0-file", text_file(tmp_path, "notes.txt", b"notes"))
    page.click("input[name=_save]")

    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    attachment = member.attachments.get()
    assert stored_bytes(attachment.file) == b"notes"
    assert attachment.file.user == admin_user


# A plain form page ----------------------------------------------------------------------------


def test_a_plain_form_page_uploads_each_file_to_storage_and_saves(
    page: Page, client, live_server, user, storage, tmp_path
):
    logged_in(page.context, client, live_server, user)
    page.goto(f"{live_server.url}/members/")

    add_member(page, "ada", tmp_path, save="button[type=submit]")

    expect(page.locator("body")).to_contain_text(SAVED)
    assert_added(Member.objects.get(name="ada"), user)


def test_cancel_stops_an_upload_deletes_it_and_leaves_the_field_as_it_was(
    page: Page, client, live_server, user, storage, tmp_path
):
    logged_in(page.context, client, live_server, user)
    page.route("**/complete/", lambda route: None)  # complete never answers: still uploading
    page.goto(f"{live_server.url}/members/")
    widget = page.locator("[data-s3fu-upload]:has(input[name='avatar'])")

    with page.expect_request("**/complete/"):  # created and sent: only complete is left
        widget.locator("input[type=file]").set_input_files(str(text_file(tmp_path, "a.txt", b"a")))
    widget.locator("[data-s3fu-cancel]").click()

    expect(widget).to_have_attribute("data-state", "cancelled")
    assert widget.locator("input[name='avatar']").input_value() == ""
    page.wait_for_function(
        "url => fetch(url).then(reply => reply.json()).then(rows => rows.length === 0)",
        arg=f"{live_server.url}/api/s3-file-uploads/",
    )
    assert not UploadedFile.objects.exists()


# Refusals -------------------------------------------------------------------------------------


def submit_value(page: Page, live_server, value: str, resume: str) -> None:
    """Send the form page with ``value`` in the avatar's hidden input, as a crafted page would."""
    page.goto(f"{live_server.url}/members/")
    page.fill("#id_name", "mallory")
    page.evaluate(
        """([avatar, resume]) => {
            document.querySelector("input[name=avatar]").value = avatar;
            document.querySelector("input[name=resume]").value = resume;
        }""",
        [value, resume],
    )
    page.click("button[type=submit]")


@pytest.mark.parametrize("storage", ["s3"], indirect=True)
def test_another_users_pending_or_other_profile_upload_is_refused_with_a_form_error(
    page: Page, client, live_server, user, other_user, storage
):
    resume = sign_field_value(server_side(user, "cv.txt", b"a life", "document"))
    theirs = server_side(other_user, "face.txt", b"their face", "avatar")
    pending = UploadedFile.objects.get(
        pk=create_upload(api_client(user), filename="a.txt", profile="avatar")["id"]
    )
    assert pending.file_upload_state != UploadState.COMPLETED
    document = server_side(user, "other.txt", b"a document", "document")
    logged_in(page.context, client, live_server, user)
    errors = page.locator("#member .errorlist")

    submit_value(page, live_server, sign_field_value(theirs), resume)
    expect(errors).to_contain_text("This upload is not yours; choose a file of your own.")
    submit_value(page, live_server, sign_field_value(pending), resume)
    expect(errors).to_contain_text("This upload is still awaiting completion")
    submit_value(page, live_server, sign_field_value(document), resume)
    expect(errors).to_contain_text('made under the "document" profile; this field takes "avatar"')

    assert not Member.objects.exists()


# Without JavaScript ---------------------------------------------------------------------------


def test_without_javascript_the_form_posts_the_files_and_they_are_stored_and_attached(
    browser: Browser, client, live_server, user, storage, tmp_path
):
    context = browser.new_context(java_script_enabled=False)
    logged_in(context, client, live_server, user)
    page = context.new_page()
    page.goto(f"{live_server.url}/members/")

    page.fill("#id_name", "ada")
    page.set_input_files("#id_avatar-file", str(text_file(tmp_path, "face.txt", b"a face")))
    page.set_input_files("#id_resume-file", str(text_file(tmp_path, "cv.txt", b"a life")))
    page.click("button[type=submit]")

    expect(page.locator("body")).to_contain_text(SAVED)
    member = Member.objects.get(name="ada")
    assert (stored_bytes(member.avatar), stored_bytes(member.resume)) == (b"a face", b"a life")
    assert member.avatar.user == user and member.avatar.file_upload_state == UploadState.COMPLETED
    context.close()
