"""sized_source: what a cloud backend's server-side write reads from."""

from __future__ import annotations

import io

import pytest

from s3_file_uploads.errors import UploadRefused
from s3_file_uploads.sized_source import sized_source
from s3_file_uploads.testing.file_access import ChunkedReader

DATA = bytes(range(256)) * 40  # 10,240 bytes


def test_every_read_is_filled_from_a_stream_of_short_reads_and_tell_counts():
    source = sized_source(ChunkedReader(DATA, chunk=100))

    first = source.read(1000)

    assert (len(first), source.tell()) == (1000, 1000)
    assert first + source.read() == DATA
    assert source.read(10) == b""


def test_a_stream_of_the_declared_size_is_read_whole():
    source = sized_source(ChunkedReader(DATA, chunk=100), len(DATA))

    assert source.read(0) == b""
    assert source.read(len(DATA) + 50) == DATA
    assert source.read(50) == b""


def test_a_stream_that_ends_early_is_refused_at_its_end():
    source = sized_source(io.BytesIO(DATA), len(DATA) + 1)
    source.read(len(DATA) // 2)

    with pytest.raises(UploadRefused, match=f"ended after {len(DATA)} of the {len(DATA) + 1}"):
        source.read(len(DATA))


def test_a_stream_longer_than_declared_is_refused_when_the_declared_bytes_are_read():
    source = sized_source(io.BytesIO(DATA), len(DATA) - 1)

    with pytest.raises(UploadRefused, match=f"more than the {len(DATA) - 1} bytes declared"):
        source.read(len(DATA) - 1)  # a reader trusting the size would stop here


def test_an_empty_stream_declared_empty_reads_as_empty():
    assert sized_source(io.BytesIO(b""), 0).read() == b""
