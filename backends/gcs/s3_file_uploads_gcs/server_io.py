"""Sizes of the GCS backend's server-side reads and writes: each request carries one chunk,
so neither holds more than a chunk or two of an object in memory."""

from __future__ import annotations

#: A server-side write of more than this goes as a resumable upload in chunks of this size (a
#: multiple of GCS's 256 KiB); a smaller one of known size in one request.
WRITE_CHUNK_SIZE = 4 * 1024 * 1024
#: Bytes a server-side read fetches per ranged request (the SDK holds a chunk about three times
#: over while it answers: in the response, its buffer and the bytes it returns).
READ_CHUNK_SIZE = 2 * 1024 * 1024


def single_request_size(size: int | None) -> int | None:
    """The size to give the SDK: only a small one, so that it sends the bytes in one request.

    Given a larger size, google-cloud-storage sends up to 8 MiB in one request (held whole, and
    copied into the request body); without one it uploads in ``WRITE_CHUNK_SIZE`` chunks.
    """
    return size if size is not None and size <= WRITE_CHUNK_SIZE else None
