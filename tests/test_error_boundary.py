"""``error_boundary.translated_errors``: SDK errors become the library's, each logged once."""

from __future__ import annotations

import logging

import pytest

from s3_file_uploads.error_boundary import translated_errors
from s3_file_uploads.errors import (
    BucketNotFound,
    ObjectNotFound,
    StorageError,
    StorageUnavailable,
)

LOGGER = logging.getLogger("tests.error_boundary")


class SdkTimeout(Exception):
    """What a cloud SDK raises when its service does not answer."""


class SdkMissing(Exception):
    """What a cloud SDK raises for a missing object."""


def translate(exc: Exception) -> StorageError | None:
    if isinstance(exc, SdkTimeout):
        return StorageUnavailable(f"the service did not answer: {exc}")
    if isinstance(exc, SdkMissing):
        return ObjectNotFound("k/a.txt")
    return None


def boundary(key: str = "k/a.txt"):
    return translated_errors(
        translate, backend="cloud", key=key, logger=LOGGER, what="Cloud request"
    )


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.DEBUG, logger=LOGGER.name)
    return caplog


def test_a_known_sdk_error_is_raised_as_the_library_error_with_backend_and_key(logs):
    with pytest.raises(StorageUnavailable) as raised, boundary():
        raise SdkTimeout("https://cloud.example/k?sig=secret")

    assert (raised.value.backend, raised.value.key) == ("cloud", "k/a.txt")
    assert isinstance(raised.value.__cause__, SdkTimeout)
    [record] = logs.records
    assert record.levelno == logging.WARNING
    assert record.getMessage().startswith(
        "Cloud request failed on backend cloud, key k/a.txt: the service did not answer"
    )
    assert "secret" not in record.getMessage()


def test_a_missing_object_is_logged_at_debug_and_a_missing_bucket_at_error(logs):
    with pytest.raises(ObjectNotFound), boundary():
        raise SdkMissing()
    with pytest.raises(BucketNotFound), boundary():
        raise BucketNotFound("media", hint="Create it.")

    assert [r.levelno for r in logs.records] == [logging.DEBUG, logging.ERROR]


def test_a_library_error_raised_inside_keeps_its_own_backend_and_key(logs):
    with pytest.raises(StorageError) as raised, boundary():
        raise StorageError("refused", backend="elsewhere", key="k/other.txt")

    assert (raised.value.backend, raised.value.key) == ("elsewhere", "k/other.txt")
    assert "on backend elsewhere, key k/other.txt" in logs.records[0].getMessage()


def test_an_error_the_backend_does_not_know_passes_unchanged_and_unlogged(logs):
    with pytest.raises(KeyError), boundary():
        raise KeyError("not the SDK's")

    assert logs.records == []


def test_what_may_name_the_operation_from_the_sdk_error(logs):
    with (
        pytest.raises(StorageUnavailable),
        translated_errors(
            translate,
            backend="cloud",
            logger=LOGGER,
            what=lambda exc: f"Cloud {type(exc).__name__ if exc else 'request'}",
        ),
    ):
        raise SdkTimeout("late")

    assert (
        logs.records[0].getMessage().startswith("Cloud SdkTimeout failed on backend cloud, key -")
    )
