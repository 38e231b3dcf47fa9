"""Server-side reads and writes on Azure: the kit's file access tests against Azurite, a write in
blocks, what a failed write leaves behind (no blob), a read that outlives its blob, and flat
memory."""

from __future__ import annotations

import io

import pytest
from s3_file_uploads_azure.server_io import READ_CHUNK_SIZE, WRITE_BLOCK_SIZE

from s3_file_uploads.errors import ObjectExists, StorageError
from s3_file_uploads.registry import get_backend
from s3_file_uploads.testing.content import sample_bytes
from s3_file_uploads.testing.file_access import ChunkedReader
from s3_file_uploads.testing.memory import MiB, round_trip_peak

#: More than two blocks of a write and chunks of a read.
BLOCKS_SIZE = 2 * max(WRITE_BLOCK_SIZE, READ_CHUNK_SIZE) + 1000


# The kit's file-access tests run on the emulator with the backend's BackendConformance.


@pytest.mark.parametrize("size", [None, BLOCKS_SIZE], ids=["unknown size", "declared size"])
def test_a_write_in_blocks_is_stored_whole_and_read_back_across_chunks(azure_container, size):
    backend = get_backend("azure")
    data = sample_bytes(BLOCKS_SIZE, seed=3)

    info = backend.write("big.csv", ChunkedReader(data), content_type="text/csv", size=size)

    assert (info.size, info.content_type) == (BLOCKS_SIZE, "text/csv")
    start, end = READ_CHUNK_SIZE - 10, BLOCKS_SIZE - 5
    with backend.open_read("big.csv", start=start, end=end) as stream:
        assert stream.read() == data[start : end + 1]


def test_a_write_in_blocks_over_a_stored_blob_is_refused_at_commit(azure_container):
    backend = get_backend("azure")
    backend.write("taken.bin", io.BytesIO(b"first"), content_type="text/plain", size=5)

    with pytest.raises(ObjectExists):
        backend.write(
            "taken.bin", ChunkedReader(sample_bytes(BLOCKS_SIZE, seed=4)), content_type="x/y"
        )

    with backend.open_read("taken.bin") as stream:
        assert stream.read() == b"first"


def test_a_read_of_a_blob_replaced_meanwhile_fails_instead_of_mixing_two(azure_container):
    backend = get_backend("azure")
    backend.write("moving.bin", io.BytesIO(sample_bytes(BLOCKS_SIZE, seed=7)), content_type="a/b")
    stream = backend.open_read("moving.bin")
    stream.read(1)

    backend.delete("moving.bin")
    backend.write("moving.bin", io.BytesIO(sample_bytes(BLOCKS_SIZE, seed=8)), content_type="a/b")

    with pytest.raises(StorageError), stream:
        stream.read()


def test_a_64_mib_write_and_read_back_hold_a_block_in_memory_not_the_blob(azure_container):
    peak = round_trip_peak(get_backend("azure"), "flat/64.bin", 64 * MiB)

    # About 12 MiB: a read's 1 MiB chunk, which the SDK briefly holds about nine times over (a
    # write's 4 MiB block takes about as much); a write that held the blob would take 64 MiB.
    assert peak < 16 * MiB, f"peak {peak / MiB:.1f} MiB"
