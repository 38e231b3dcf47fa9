"""The content check's rules: which identified types each declared type admits, and polyglots.

Pure decisions on type names and bytes; tests/test_content_check.py runs them on real files over
real storage.
"""

from __future__ import annotations

import pytest

from s3_file_uploads.content_rules import allowed, kind_of, polyglot_marker, refusal

PE = "application/vnd.microsoft.portable-executable"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

ADMITTED = [
    ("image/png", "image/png"),
    ("image/png", "image/apng"),
    ("image/jpg", "image/jpeg"),
    ("image/x-icon", "image/vnd.microsoft.icon"),
    (DOCX, DOCX),
    (DOCX, "application/zip"),  # libmagic names a document with long first entries plain ZIP
    ("application/zip", DOCX),
    ("text/csv", "text/plain"),
    ("text/plain", "text/csv"),
    ("text/plain", "text/x-php"),
    ("application/json", "text/plain"),
    ("text/plain", "application/octet-stream"),  # binary nothing names: the type is not refuted
    ("text/plain", "image/x-tga"),  # a weak guess of libmagic's counts as nothing
    ("image/png", "text/plain"),  # a stand-in or a damaged file, left to the image's reader
    ("image/png", "application/octet-stream"),
    ("audio/mpeg", "text/plain"),
    ("text/plain", "text/html"),  # a text download is never rendered as markup
    ("text/csv", "image/svg+xml"),
    ("text/html", "text/plain"),
    ("image/svg+xml", "text/html"),
    ("application/rss+xml", "text/xml"),
    ("video/mp4", "video/quicktime"),
    ("video/mp4", "application/octet-stream"),
    ("image/avif", "image/avif"),
    ("audio/mpeg", "audio/mpeg"),
    ("application/octet-stream", PE),
    ("application/octet-stream", "text/html"),
    ("application/x-msdownload", PE),
    ("application/postscript", "application/postscript"),
    ("application/msword", "text/html"),  # spreadsheets "saved as .xls" from web pages are HTML
]

REFUSED = [
    ("image/png", "text/html"),
    ("image/png", "image/gif"),
    ("image/jpeg", "image/svg+xml"),
    ("image/jpeg", "image/x-mvg"),
    ("application/pdf", PE),
    ("application/pdf", "application/postscript"),
    (DOCX, "application/pdf"),
    ("text/plain", PE),
    ("text/plain", "image/png"),
    ("image/svg+xml", "image/png"),
    ("text/html", PE),
    ("video/mp4", "text/html"),
    ("video/mp4", "application/pdf"),
    ("font/woff2", "application/zip"),
    ("image/avif", "image/x-mvg"),
    ("application/msword", PE),
    ("model/gltf-binary", "application/x-executable"),
]


@pytest.mark.parametrize(("declared", "detected"), ADMITTED)
def test_content_a_declared_type_may_hold_is_admitted(declared, detected):
    assert allowed(declared, detected)


@pytest.mark.parametrize(("declared", "detected"), REFUSED)
def test_content_that_contradicts_the_declared_type_is_refused(declared, detected):
    assert not allowed(declared, detected)


@pytest.mark.parametrize(
    ("detected", "kind"),
    [
        ("image/png", "format"),
        ("text/html", "markup"),
        ("image/svg+xml", "markup"),
        ("application/x-mach-binary", "program"),
        ("image/x-mvg", "program"),
        ("text/csv", "text"),
        ("message/rfc822", "text"),
        ("application/ld+json", "text"),
        ("image/x-tga", "unknown"),
        ("application/octet-stream", "unknown"),
    ],
)
def test_each_identified_type_is_one_kind_of_content(detected, kind):
    assert kind_of(detected) == kind


@pytest.mark.parametrize(
    ("declared", "head", "marker"),
    [
        ("image/gif", b"GIF89a\x01\x00\x01\x00<HTML><body>", b"<html"),
        ("application/pdf", b"%PDF-1.7\n<script>alert(1)</script>", b"<script"),
        ("image/jpeg", b"\xff\xd8\xff\xe0<?php system($_GET['c']); ?>", b"<?php"),
        ("video/mp4", b"\x00\x00\x00\x18ftypmp42<iframe src=//x>", b"<iframe"),
        ("image/png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", None),
        ("application/zip", b"PK\x03\x04index.html<html>", None),  # stored HTML is an archive's
        ("text/plain", b"How to write <script> tags", None),
        ("text/html", b"<html>", None),
    ],
)
def test_markup_in_the_head_of_a_media_or_pdf_file_makes_it_a_polyglot(declared, head, marker):
    assert polyglot_marker(declared, head) == marker


def test_the_refusal_names_both_types_and_what_to_do():
    message = refusal("image/png; charset=binary", "TEXT/HTML", b"<html>")

    assert message == (
        "The file was declared 'image/png', but its content is 'text/html'. Send a file of the "
        "declared type, or declare the file's real type."
    )


def test_a_polyglot_refusal_names_the_markup_it_found():
    message = refusal("image/gif", "image/gif", b"GIF89a<script>")

    assert "declared 'image/gif'" in message
    assert "'<script' markup" in message
    assert refusal("image/gif", "image/gif", b"GIF89a\x01\x00") == ""


def test_a_missing_declared_type_is_held_to_the_rules_of_octet_stream():
    assert refusal("", PE, b"MZ") == ""
