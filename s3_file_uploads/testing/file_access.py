"""Server-side reads and writes: ``open_read`` (whole or a byte range) and ``write``."""

from __future__ import annotations

import hashlib
import io

import pytest

from ..errors import ObjectExists, ObjectNotFound, UploadRefused
from .content import sample_bytes
from .fixtures import ConformanceFixtures

MiB = 1024 * 1024
#: Larger than any buffer the streams use, so a read crosses several chunks.
SIZE = 3 * MiB + 17


class ChunkedReader(io.RawIOBase):
    """A non-seekable stream that hands out at most ``chunk`` bytes a read, like a socket."""

    def __init__(self, data: bytes, chunk: int = 64 * 1024) -> None:
        self._data, self._at, self._chunk = data, 0, chunk

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        taken = self._data[self._at : self._at + min(len(buffer), self._chunk)]
        buffer[: len(taken)] = taken
        self._at += len(taken)
        return len(taken)


class FileAccessConformance(ConformanceFixtures):
    """For backends whose capabilities declare ``server_side_io``; skipped for the others."""

    @pytest.fixture
    def io_backend(self, conformance_backend):
        if not conformance_backend.capabilities.server_side_io:
            pytest.skip(f"the {conformance_backend.name} backend declares no server-side access")
        return conformance_backend

    @pytest.fixture
    def stored(self, io_backend, key) -> bytes:
        data = sample_bytes(SIZE, seed=7)
        info = io_backend.write(key, io.BytesIO(data), content_type="text/csv", size=len(data))
        assert info.size == len(data)
        return data

    def test_write_stores_a_stream_that_stat_and_open_read_see_whole(self, io_backend, key, stored):
        info = io_backend.stat(key)
        with io_backend.open_read(key) as stream:
            digest = hashlib.sha256()
            while chunk := stream.read(256 * 1024):
                digest.update(chunk)

        assert info.size == SIZE
        assert (info.content_type or "").split(";")[0] == "text/csv"
        assert digest.hexdigest() == hashlib.sha256(stored).hexdigest()

    @pytest.mark.parametrize(
        ("start", "end"),
        [
            (0, 0),
            (5, 9),
            (1024 * 1024 - 1, 2 * 1024 * 1024),
            (SIZE - 3, None),
            (SIZE - 1, SIZE - 1),
        ],
    )
    def test_open_read_gives_exactly_a_byte_range(self, io_backend, key, stored, start, end):
        with io_backend.open_read(key, start=start, end=end) as stream:
            got = stream.read()

        assert got == stored[start : None if end is None else end + 1]

    def test_write_takes_a_stream_that_cannot_seek_or_tell_its_size(self, io_backend, key):
        data = sample_bytes(200_000, seed=8)

        info = io_backend.write(key, ChunkedReader(data), content_type="application/octet-stream")

        assert info.size == len(data)
        with io_backend.open_read(key) as stream:
            assert stream.read() == data

    def test_a_stream_that_breaks_its_declared_size_stores_nothing(self, io_backend, key):
        cases = [(4, 5), (6, 5)]
        if boundary := self.several_requests_write_size:
            cases += [(boundary - 1, boundary), (boundary + 1, boundary)]
        for held, declared in cases:
            with pytest.raises(UploadRefused):
                source = ChunkedReader(sample_bytes(held, seed=5))
                io_backend.write(key, source, content_type="x/y", size=declared)
            with pytest.raises(ObjectNotFound):
                io_backend.stat(key)

    def test_open_read_of_a_missing_object_raises_object_not_found(self, io_backend, key):
        with pytest.raises(ObjectNotFound):
            io_backend.open_read(key)

    def test_a_range_that_ends_before_it_starts_gives_no_bytes_of_a_stored_object_only(
        self, io_backend, key
    ):
        io_backend.write(key, io.BytesIO(b"abc"), content_type="text/plain", size=3)

        with io_backend.open_read(key, start=2, end=1) as stream:
            assert stream.read() == b""
        with pytest.raises(ObjectNotFound):
            io_backend.open_read(key + ".missing", start=2, end=1)

    def test_write_never_replaces_an_object_where_the_backend_is_create_only(
        self, io_backend, key, stored
    ):
        with pytest.raises(ObjectExists):
            io_backend.write(key, io.BytesIO(b"other"), content_type="text/plain", size=5)
        with io_backend.open_read(key, start=0, end=4) as stream:
            assert stream.read() == stored[:5]
