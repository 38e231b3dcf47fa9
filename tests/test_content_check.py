"""The type from the content: complete reads an object's first bytes and refuses content that
contradicts the declared type, with real files of common types and hostile ones, over the local
backend on the live server and S3 on moto.

The rules themselves (no I/O) are tested in tests/test_content_rules.py.
"""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from s3_file_uploads import content_check
from s3_file_uploads.errors import ObjectNotFound
from s3_file_uploads.hookspecs import hookimpl
from s3_file_uploads.memory import MemoryBackend
from s3_file_uploads.models import UploadedFile, UploadState
from s3_file_uploads.profiles import get_profile
from s3_file_uploads.registry import get_backend
from s3_file_uploads.testing import api_client, create_upload, samples

from .plugin_modules import plugin_module
from .servers.moto import s3_client

PE_TYPE = "application/vnd.microsoft.portable-executable"
HTML = (
    b"<!DOCTYPE html>\n<html><head><title>Invoice</title></head>\n"
    b"<body><script>fetch('/api/s3-file-uploads/').then(r => r.text()).then(alert)</script>"
    b"</body></html>\n"
)
SVG_WITH_SCRIPT = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.domain)</script><rect width='10' height='10'/></svg>\n"
)
#: ImageMagick's vector language, the ImageTragick way in: text that a converter runs.
MVG = (
    b"push graphic-context\nviewbox 0 0 640 480\n"
    b"fill 'url(https://example.com/x.jpg)'\npop graphic-context\n"
)
NOTES = b"Dear reader\n\nThese notes are plain text. They were written on a Tuesday.\n"


def pe_executable() -> bytes:
    """A Windows program's headers: the DOS stub pointing at a PE signature, a COFF header for
    i386 and a 32-bit optional header."""
    dos = bytearray(b"MZ" + b"\x00" * 62)
    struct.pack_into("<I", dos, 0x3C, len(dos))
    coff = struct.pack("<HHIIIHH", 0x14C, 1, 0, 0, 0, 0xE0, 0x0102)
    return bytes(dos) + b"PE\x00\x00" + coff + struct.pack("<H", 0x10B) + b"\x00" * 734


def pillow_image(kind: str) -> bytes:
    image = pytest.importorskip("PIL.Image")
    out = io.BytesIO()
    image.new("RGB", (8, 8), "teal").save(out, kind)
    return out.getvalue()


@dataclass(frozen=True)
class Sample:
    filename: str
    content_type: str
    body: Callable[[], bytes]


#: Real files of each common type, each completing with the type libmagic identifies.
GENUINE = {
    "a PNG image": (Sample("photo.png", "image/png", samples.png), "image/png"),
    "a JPEG photo": (
        Sample("photo.jpg", "image/jpeg", lambda: pillow_image("JPEG")),
        "image/jpeg",
    ),
    "a GIF image": (Sample("anim.gif", "image/gif", samples.gif), "image/gif"),
    "a WebP image": (Sample("pic.webp", "image/webp", lambda: pillow_image("WEBP")), "image/webp"),
    "a PDF document": (Sample("report.pdf", "application/pdf", samples.pdf), "application/pdf"),
    "a Word document": (
        Sample(
            "letter.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            samples.docx,
        ),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "plain text": (Sample("notes.txt", "text/plain", lambda: NOTES), "text/plain"),
    "a CSV file": (Sample("rows.csv", "text/csv", samples.csv), "text/csv"),
    "a CSV file declared as plain text": (
        Sample("rows.txt", "text/plain", samples.csv),
        "text/csv",
    ),
    "an HTML page declared as HTML": (Sample("page.html", "text/html", lambda: HTML), "text/html"),
    "a program declared as octet-stream": (
        Sample("setup.exe", "application/octet-stream", pe_executable),
        PE_TYPE,
    ),
}

#: What the check does not refuse, each completing with what its first bytes were identified as
#: (either of the listed names, as libmagic versions differ): docs/security.md says why.
NOT_REFUSED = {
    "an image cut short after its header": (
        Sample("cut.png", "image/png", lambda: samples.png()[:40]),
        ["image/png"],
    ),
    "an image cut short inside its signature": (
        Sample("cut.png", "image/png", lambda: samples.png()[:4]),
        ["text/plain", "application/octet-stream"],
    ),
    "an HTML page declared as plain text": (
        Sample("notes.txt", "text/plain", lambda: HTML),
        ["text/html"],
    ),
    "an SVG with script declared as SVG": (
        Sample("logo.svg", "image/svg+xml", lambda: SVG_WITH_SCRIPT),
        ["image/svg+xml"],
    ),
}

#: Hostile files: each is refused, and the message names the declared type and what the content
#: was identified as (either of the listed names, as libmagic versions differ).
HOSTILE = {
    "an HTML page declared as PNG": (Sample("cat.png", "image/png", lambda: HTML), ["text/html"]),
    "an HTML page declared as PDF": (
        Sample("invoice.pdf", "application/pdf", lambda: HTML),
        ["text/html"],
    ),
    "an SVG with script declared as PNG": (
        Sample("logo.png", "image/png", lambda: SVG_WITH_SCRIPT),
        ["image/svg+xml"],
    ),
    "an SVG with script declared as JPEG": (
        Sample("logo.jpg", "image/jpeg", lambda: SVG_WITH_SCRIPT),
        ["image/svg+xml"],
    ),
    **{
        f"a PE executable declared as {label}": (
            Sample(name, declared, pe_executable),
            [PE_TYPE, "application/x-dosexec"],
        )
        for label, name, declared in [
            ("PNG", "cat.png", "image/png"),
            ("JPEG", "cat.jpg", "image/jpeg"),
            ("PDF", "invoice.pdf", "application/pdf"),
            ("plain text", "readme.txt", "text/plain"),
        ]
    },
    "a PNG image declared as CSV": (
        Sample("rows.csv", "text/csv", samples.png),
        ["image/png"],
    ),
    "a GIF header followed by HTML declared as PNG": (
        Sample("cat.png", "image/png", lambda: samples.gif()[:-1] + HTML),
        ["image/gif"],
    ),
    "a PNG header followed by HTML declared as JPEG": (
        Sample("cat.jpg", "image/jpeg", lambda: samples.png()[:33] + HTML),
        ["application/octet-stream", "image/png"],
    ),
    "a GIF image carrying HTML declared as GIF": (
        Sample("cat.gif", "image/gif", lambda: samples.gif()[:-1] + HTML),
        ["image/gif", "<!doctype html"],
    ),
    "a PDF carrying HTML declared as PDF": (
        Sample("invoice.pdf", "application/pdf", lambda: b"%PDF-1.7\n" + HTML + samples.pdf()),
        ["application/pdf", "<!doctype html"],
    ),
    "a JPEG carrying PHP declared as JPEG": (
        Sample(
            "shell.jpg",
            "image/jpeg",
            lambda: pillow_image("JPEG")[:20] + b"<?php system($_GET['c']); ?>",
        ),
        ["image/jpeg", "<?php"],
    ),
    "ImageMagick's MVG declared as JPEG": (
        Sample("x.jpg", "image/jpeg", lambda: MVG),
        ["image/x-mvg"],
    ),
    "PHP declared as PNG": (
        Sample("shell.png", "image/png", lambda: b"<?php system($_GET['c']); ?>\n"),
        ["text/x-php", "text/plain", "<?php"],
    ),
}


@dataclass
class Storage:
    """A backend on a real server: where its client asks, and whether it holds a key."""

    client: Callable[[object], object]
    holds: Callable[[str], bool]


@pytest.fixture(params=["local", "s3"])
def storage(request, settings, tmp_path) -> Storage:
    if request.param == "local":
        live_server = request.getfixturevalue("live_server")
        settings.S3_FILE_UPLOADS = {
            "BACKENDS": {"local": {"BACKEND": "local", "OPTIONS": {"location": str(tmp_path)}}}
        }
        settings.STORAGE_BACKEND = "local"
        return Storage(
            client=lambda user: api_client(user, storage_base_url=live_server.url),
            holds=lambda key: (tmp_path / key).is_file(),
        )
    bucket = request.getfixturevalue("s3_bucket")
    s3 = s3_client(request.getfixturevalue("moto_server"))

    def holds(key: str) -> bool:
        try:
            s3.head_object(Bucket=bucket, Key=key)
        except ClientError:
            return False
        return True

    return Storage(client=api_client, holds=holds)


def upload_and_complete(storage: Storage, user, sample: Sample):
    client = storage.client(user)
    created = create_upload(
        client, body=sample.body(), filename=sample.filename, content_type=sample.content_type
    )
    return created, client.post(created["complete_url"])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("sample", "detected"), GENUINE.values(), ids=GENUINE.keys())
def test_a_genuine_file_completes_with_the_type_identified_from_its_content(
    storage, user, sample, detected
):
    created, done = upload_and_complete(storage, user, sample)

    assert done.status_code == 200, done.content
    assert done.data["status"] == UploadState.COMPLETED
    assert done.data["detected_type"] == detected
    assert done.data["content_type"] == sample.content_type
    row = UploadedFile.objects.get(pk=created["id"])
    assert (row.file_upload_state, row.detected_type) == (UploadState.COMPLETED, detected)
    assert storage.holds(created["file_key"])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("sample", "detected"), NOT_REFUSED.values(), ids=NOT_REFUSED.keys())
def test_what_the_check_cannot_see_or_lets_through_completes_with_its_type_recorded(
    storage, user, sample, detected
):
    created, done = upload_and_complete(storage, user, sample)

    assert done.status_code == 200, done.content
    assert done.data["detected_type"] in detected
    assert UploadedFile.objects.get(pk=created["id"]).detected_type in detected


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("sample", "named"), HOSTILE.values(), ids=HOSTILE.keys())
def test_content_that_contradicts_its_declared_type_is_refused_and_deleted(
    storage, user, sample, named
):
    created, done = upload_and_complete(storage, user, sample)

    assert done.status_code == 400, done.content
    assert done.data["status"] == UploadState.FAILED
    message = done.data["detail"]
    assert f"declared '{sample.content_type}'" in message
    assert any(f"'{name}'" in message for name in named), message
    row = UploadedFile.objects.get(pk=created["id"])
    assert row.file_upload_state == UploadState.FAILED
    assert row.failure_reason == message
    assert row.detected_type == ""
    assert not storage.holds(created["file_key"])


@pytest.fixture(params=["gcs", "azure"])
def other_cloud(request) -> None:
    """GCS on fake-gcs-server and Azure on Azurite, as the default backend."""
    request.getfixturevalue({"gcs": "gcs_bucket", "azure": "azure_container"}[request.param])


@pytest.mark.parametrize(
    ("sample", "detected"),
    [
        (GENUINE["a PNG image"][0], "image/png"),
        (GENUINE["a PDF document"][0], "application/pdf"),
        (HOSTILE["an HTML page declared as PNG"][0], None),
        (HOSTILE["a PE executable declared as PDF"][0], None),
        (HOSTILE["a PDF carrying HTML declared as PDF"][0], None),
    ],
    ids=["png", "pdf", "html as png", "pe as pdf", "pdf polyglot"],
)
def test_gcs_and_azure_hold_the_content_to_the_declared_type_too(
    other_cloud, api, sample, detected
):
    created = create_upload(
        api, body=sample.body(), filename=sample.filename, content_type=sample.content_type
    )
    done = api.post(created["complete_url"])

    row = UploadedFile.objects.get(pk=created["id"])
    if detected:
        assert done.status_code == 200, done.content
        assert (done.data["detected_type"], row.detected_type) == (detected, detected)
        assert row.storage.stat(created["file_key"]).size == len(sample.body())
    else:
        assert done.status_code == 400, done.content
        assert f"declared '{sample.content_type}'" in done.data["detail"]
        assert row.file_upload_state == UploadState.FAILED
        with pytest.raises(ObjectNotFound):
            row.storage.stat(created["file_key"])


@pytest.mark.django_db(transaction=True)
def test_a_profile_with_check_content_off_completes_what_its_content_contradicts(
    storage, user, settings
):
    settings.S3_FILE_UPLOADS = {
        **getattr(settings, "S3_FILE_UPLOADS", {}),
        "PROFILES": {"legacy": {"CHECK_CONTENT": False}},
    }
    client = storage.client(user)
    created = create_upload(
        client, body=HTML, filename="cat.png", content_type="image/png", profile="legacy"
    )
    done = client.post(created["complete_url"])

    assert done.status_code == 200, done.content
    assert done.data["detected_type"] == ""
    assert UploadedFile.objects.get(pk=created["id"]).detected_type == ""
    assert storage.holds(created["file_key"])


@pytest.mark.django_db(transaction=True)
def test_the_flat_setting_turns_the_check_off_for_the_default_profile(storage, user, settings):
    settings.S3_FILE_UPLOADS = {**getattr(settings, "S3_FILE_UPLOADS", {}), "CHECK_CONTENT": False}

    created, done = upload_and_complete(storage, user, Sample("cat.png", "image/png", lambda: HTML))

    assert done.status_code == 200, done.content
    assert done.data["detected_type"] == ""
    assert storage.holds(created["file_key"])


@pytest.mark.django_db(transaction=True)
def test_complete_with_the_check_is_still_one_select_and_one_update(storage, user):
    client = storage.client(user)
    created = create_upload(client, body=samples.png(), filename="q.png")
    with CaptureQueriesContext(connection) as completed:
        done = client.post(created["complete_url"])

    assert done.data["detected_type"] == "image/png"
    assert [q["sql"].split()[0] for q in completed.captured_queries] == ["SELECT", "UPDATE"]


class CountingMemory(MemoryBackend):
    """The memory backend, noting every server-side read it is asked for."""

    reads: list[tuple[int, int | None]] = []

    def open_read(self, key: str, *, start: int = 0, end: int | None = None):
        self.reads.append((start, end))
        return super().open_read(key, start=start, end=end)


class WriteOnlyMemory(MemoryBackend):
    """A backend that cannot read objects back."""

    capabilities = replace(MemoryBackend.capabilities, server_side_io=False)


@pytest.fixture
def memory_variants(settings):
    """The two memory backends above, as the ``counting`` and ``blind`` configurations."""

    @hookimpl
    def s3_file_uploads_backends():
        return {"counting-memory": CountingMemory, "write-only-memory": WriteOnlyMemory}

    with plugin_module("memory_variants_plugin", s3_file_uploads_backends) as name:
        settings.S3_FILE_UPLOADS = {
            "PLUGINS": [name],
            "BACKENDS": {
                "counting": {"BACKEND": "counting-memory"},
                "blind": {"BACKEND": "write-only-memory"},
            },
        }
        yield settings


def test_only_the_first_bytes_of_a_large_object_are_read(memory_variants, user):
    memory_variants.STORAGE_BACKEND = "counting"
    CountingMemory.reads.clear()
    big = b"name,total\n" + b"x,1\n" * 200_000

    row = UploadedFile.objects.create_from_file(io.BytesIO(big), filename="big.csv", user=user)

    assert CountingMemory.reads == [(0, content_check.HEAD_BYTES - 1)]
    assert (row.file_upload_state, row.detected_type) == (UploadState.COMPLETED, "text/csv")
    assert UploadedFile.objects.get(pk=row.pk).detected_type == "text/csv"


def test_a_backend_that_cannot_read_objects_back_completes_unchecked_and_says_so(
    memory_variants, user, caplog
):
    memory_variants.STORAGE_BACKEND = "blind"
    client = api_client(user)
    created = create_upload(client, filename="cat.png", content_type="image/png")
    get_backend("blind").put(created["file_key"], HTML, content_type="image/png")

    with caplog.at_level("WARNING", logger="s3_file_uploads.content_check"):
        done = client.post(created["complete_url"])

    assert done.status_code == 200, done.content
    assert done.data["detected_type"] == ""
    assert "The 'blind' backend cannot read objects back" in caplog.text


def test_the_check_is_on_by_default_and_a_careless_value_is_a_configuration_error(settings):
    from s3_file_uploads.checks import check_profiles

    assert get_profile(None).check_content is True
    settings.S3_FILE_UPLOADS = {"PROFILES": {"avatar": {"CHECK_CONTENT": "no"}}}

    errors = check_profiles()

    assert [e.id for e in errors] == ["s3_file_uploads.E011"]
    assert "Profile 'avatar' CHECK_CONTENT must be True or False, not 'no'." in errors[0].msg


def test_the_admin_lists_the_detected_type(admin_client, user, settings):
    settings.S3_FILE_UPLOADS = {"BACKENDS": {"memory": {"BACKEND": "memory"}}}
    settings.STORAGE_BACKEND = "memory"
    UploadedFile.objects.create(
        user=user, filename="a.png", file_upload_state="COMPLETED", detected_type="image/png"
    )

    listed = admin_client.get("/admin/s3_file_uploads/uploadedfile/")

    assert listed.status_code == 200
    assert "Detected type" in listed.content.decode()
    assert '<td class="field-detected_type">image/png</td>' in listed.content.decode()


def test_a_profile_checking_content_on_a_backend_that_cannot_read_is_a_warning(memory_variants):
    from s3_file_uploads.checks import check_content_checking

    memory_variants.S3_FILE_UPLOADS = {
        **memory_variants.S3_FILE_UPLOADS,
        "PROFILES": {
            "avatar": {"BACKEND": "blind"},
            "unchecked": {"BACKEND": "blind", "CHECK_CONTENT": False},
        },
    }
    memory_variants.STORAGE_BACKEND = "counting"

    messages = check_content_checking()

    assert [(m.id, m.msg.split(":")[0]) for m in messages] == [
        (
            "s3_file_uploads.W018",
            "The 'avatar' profile checks content, but its backend 'blind' cannot read objects back",
        )
    ]


WITHOUT_LIBMAGIC = """
import sys
sys.modules["magic"] = None  # what a machine without python-magic's libmagic gives: ImportError
import django
from django.conf import settings
settings.configure(
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "s3_file_uploads"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    USE_TZ=True, MAX_FILE_UPLOAD_SIZE=1024, STORAGE_BACKEND="memory",
    S3_FILE_UPLOADS={"BACKENDS": {"memory": {"BACKEND": "memory"}}, "CHECK_CONTENT": CHECK},
    SILENCED_SYSTEM_CHECKS=["s3_file_uploads.W008"],
)
django.setup()
from django.core.management import call_command
call_command("check", *(["--deploy"] if DEPLOY else []))
"""


@pytest.mark.parametrize(
    ("check", "deploy", "code", "says"),
    [
        (True, False, 0, "s3_file_uploads.W017"),
        (True, True, 1, "s3_file_uploads.E017"),
        (False, True, 0, "System check identified"),
    ],
)
def test_checking_content_without_libmagic_is_a_warning_and_fails_a_deployment_check(
    check, deploy, code, says
):
    done = subprocess.run(
        [sys.executable, "-c", f"CHECK = {check}\nDEPLOY = {deploy}\n{WITHOUT_LIBMAGIC}"],
        cwd=Path(__file__).resolve().parent.parent,
        # A project's own process: none of the test session's DJANGO_* variables.
        env={k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        capture_output=True,
        text=True,
        timeout=120,
    )

    output = done.stdout + done.stderr
    assert done.returncode == code, output
    assert says in output
    assert ("apt-get install libmagic1" in output) == check
