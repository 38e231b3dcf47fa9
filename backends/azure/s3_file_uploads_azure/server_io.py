"""Sizes of the Azure backend's server-side reads and writes, set on its one service client.

azure-storage-blob's own defaults suit a process that moves whole blobs: a blob of up to 64 MiB
is sent in one Put Blob read whole into memory, and a download's first request fetches 32 MiB.
These keep a server-side write to one block in memory and a read to one chunk (which the SDK
briefly holds about nine times over while it answers: it sizes a list of the response's pieces
by the chunk's byte count, eight bytes a slot).
"""

from __future__ import annotations

from typing import Any

#: A write of at most this many bytes of known size goes in one Put Blob; a larger one, or one
#: of unknown size, in blocks of this size, one in memory at a time, committed at the end.
WRITE_BLOCK_SIZE = 4 * 1024 * 1024
#: Bytes each request of a read fetches.
READ_CHUNK_SIZE = 1024 * 1024

#: The service client's keyword arguments that set them (``client_options`` may override).
TRANSFER_OPTIONS: dict[str, Any] = {
    "max_single_put_size": WRITE_BLOCK_SIZE,
    "max_block_size": WRITE_BLOCK_SIZE,
    "max_single_get_size": READ_CHUNK_SIZE,
    "max_chunk_get_size": READ_CHUNK_SIZE,
}


def download_range(start: int, end: int | None) -> dict[str, int]:
    """``download_blob``'s offset and length for bytes ``start``..``end``; nothing for the whole
    blob, which the SDK then reads even when it is empty (a range of an empty blob is refused)."""
    if start == 0 and end is None:
        return {}
    if end is None:
        return {"offset": start}
    return {"offset": start, "length": max(end - start + 1, 0)}
