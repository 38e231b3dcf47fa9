"""What a cloud backend's server-side write reads from: the caller's stream, read whole and held
to the size the caller declared.

Cloud SDKs read a write's stream in chunks and trust it: a short read looks like the end of the
stream (a part too small, a final chunk sent early), a resumable upload asks ``tell()``, and a
declared length is taken on faith (a stream that runs short leaves a request waiting for bytes,
one that runs long is cut without a word). The wrapper fills every read, counts what was read,
and raises before the object exists when the stream proves longer or shorter than declared.
"""

from __future__ import annotations

import io
from typing import Any, BinaryIO

from .errors import UploadRefused


class SizedSource(io.RawIOBase):
    """Reads of ``stream`` that return as many bytes as asked until its end; ``tell()`` counts.

    With ``size`` set, a stream that ends before ``size`` bytes, or holds a byte more, raises
    :class:`~s3_file_uploads.errors.UploadRefused` from the read that shows it.
    """

    def __init__(self, stream: BinaryIO, size: int | None) -> None:
        self._stream, self._size, self._count = stream, size, 0

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._count

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return self.readall()
        wanted = size if self._size is None else min(size, self._size - self._count)
        pieces, got = [], 0
        while got < wanted and (piece := self._stream.read(wanted - got)):
            pieces.append(piece)
            got += len(piece)
        data = pieces[0] if len(pieces) == 1 else b"".join(pieces)
        self._count += len(data)
        self._check(at_end=got < wanted)
        return data

    def readall(self) -> bytes:
        chunks = []
        while chunk := self.read(io.DEFAULT_BUFFER_SIZE * 64):
            chunks.append(chunk)
        return b"".join(chunks)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _check(self, *, at_end: bool) -> None:
        if self._size is None:
            return
        if self._count == self._size and self._stream.read(1):
            raise UploadRefused(f"the stream holds more than the {self._size} bytes declared")
        if at_end and self._count < self._size:
            raise UploadRefused(
                f"the stream ended after {self._count} of the {self._size} bytes declared"
            )


def sized_source(stream: BinaryIO, size: int | None = None) -> BinaryIO:
    """``stream`` as a write's source: whole reads, a ``tell()``, and ``size`` held to."""
    return SizedSource(stream, size)  # type: ignore[return-value]
