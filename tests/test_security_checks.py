"""System checks that keep keys within every storage's limits and the inline list exact."""

from __future__ import annotations

import pytest

from s3_file_uploads.checks import check_inline_types, check_key_prefix


@pytest.mark.parametrize(
    "prefix", ["x" * 513, "a/" + "报" * 70 + "/", 42], ids=["too-long", "wide-folder", "not-text"]
)
def test_a_key_prefix_that_cannot_fit_every_storage_is_an_error(settings, prefix):
    settings.S3_FILE_UPLOADS = {"KEY_PREFIX": prefix}

    [error] = check_key_prefix()

    assert error.id == "s3_file_uploads.E009"
    assert "uploads/" in error.hint


def test_a_short_prefix_passes(settings):
    settings.S3_FILE_UPLOADS = {"KEY_PREFIX": "tenant-7/uploads/"}
    assert check_key_prefix() == []


@pytest.mark.parametrize("entry", ["image/*", "*/*", "svg", "unknown/unknown"])
def test_the_inline_list_takes_exact_types_only(settings, entry):
    settings.S3_FILE_UPLOADS = {"INLINE_CONTENT_TYPES": ["image/png", entry]}

    [error] = check_inline_types()

    assert error.id == "s3_file_uploads.E010"
    assert repr(entry) in error.msg


def test_the_default_inline_list_passes():
    assert check_inline_types() == []
