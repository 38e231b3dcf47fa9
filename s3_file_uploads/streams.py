"""Readable streams the backends hand out for server-side reads: a window on a seekable file,
or the chunks an SDK yields, each read as the caller reads and never held whole."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any, BinaryIO

#: What a buffered reader over these streams fetches at a time.
BUFFER_SIZE = 1024 * 1024


class _Window(io.RawIOBase):
    """At most ``length`` bytes (all, when ``None``) of ``source``, from where it stands."""

    def __init__(self, source: Any, length: int | None) -> None:
        self._source, self._left = source, length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        want = len(buffer) if self._left is None else min(len(buffer), self._left)
        if want <= 0:
            return 0
        chunk = self._source.read(want)
        buffer[: len(chunk)] = chunk
        if self._left is not None:
            self._left -= len(chunk)
        return len(chunk)

    def close(self) -> None:
        if not self.closed:
            self._source.close()
        super().close()


class _Chunks(io.RawIOBase):
    """The bytes of an iterator of chunks, as a stream; ``on_close`` releases what feeds it."""

    def __init__(self, chunks: Iterator[bytes], on_close: Callable[[], Any] | None) -> None:
        self._chunks, self._pending, self._on_close = chunks, b"", on_close

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        taken = self._pending[: len(buffer)]
        buffer[: len(taken)] = taken
        self._pending = self._pending[len(taken) :]
        return len(taken)

    def close(self) -> None:
        if not self.closed and self._on_close is not None:
            self._on_close()
        super().close()


def window(source: Any, length: int | None = None) -> BinaryIO:
    """A buffered stream of the next ``length`` bytes of ``source`` (a readable); closing it
    closes ``source``."""
    return io.BufferedReader(_Window(source, length), BUFFER_SIZE)


def byte_range(file: Any, start: int = 0, end: int | None = None) -> BinaryIO:
    """Bytes ``start`` to ``end`` (inclusive; to the end when ``None``) of a seekable file."""
    file.seek(start)
    return window(file, None if end is None else max(end - start + 1, 0))


def from_chunks(
    chunks: Iterator[bytes],
    on_close: Callable[[], Any] | None = None,
    *,
    guard: Callable[[], AbstractContextManager[Any]] | None = None,
) -> BinaryIO:
    """A buffered stream over an iterator of byte chunks (an SDK's download iterator).

    ``guard`` (a backend's error boundary) is entered around the iteration, so a failure while
    the caller reads is translated like one on the first request.
    """
    if guard is not None:
        chunks = _guarded(chunks, guard)
    return io.BufferedReader(_Chunks(iter(chunks), on_close), BUFFER_SIZE)


def _guarded(
    chunks: Iterator[bytes], guard: Callable[[], AbstractContextManager[Any]]
) -> Iterator[bytes]:
    with guard():
        yield from chunks
