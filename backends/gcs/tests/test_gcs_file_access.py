"""Server-side reads and writes on GCS: the kit's file access tests against fake-gcs-server, a
resumable write in chunks, what a failed write leaves behind (nothing), flat memory, and the one
rule the emulator does not enforce."""

from __future__ import annotations

import io

import pytest
from s3_file_uploads_gcs.server_io import READ_CHUNK_SIZE, WRITE_CHUNK_SIZE

from s3_file_uploads.errors import ObjectExists, StorageError
from s3_file_uploads.registry import get_backend
from s3_file_uploads.testing.content import sample_bytes
from s3_file_uploads.testing.file_access import ChunkedReader
from s3_file_uploads.testing.memory import MiB, round_trip_peak

#: More than two chunks of a resumable write, and of a read.
RESUMABLE_SIZE = 2 * max(WRITE_CHUNK_SIZE, READ_CHUNK_SIZE) + 1000


# The kit's file-access tests run on the emulator with the backend's BackendConformance.


def test_a_resumable_write_in_chunks_is_stored_whole_and_read_back_across_chunks(gcs_bucket):
    backend = get_backend("gcs")
    data = sample_bytes(RESUMABLE_SIZE, seed=3)

    info = backend.write("big.csv", ChunkedReader(data), content_type="text/csv")

    assert (info.size, info.content_type) == (RESUMABLE_SIZE, "text/csv")
    start, end = READ_CHUNK_SIZE - 10, 2 * READ_CHUNK_SIZE + 10
    with backend.open_read("big.csv", start=start, end=end) as stream:
        assert stream.read() == data[start : end + 1]


def test_a_write_over_a_stored_object_is_refused_in_one_request(gcs_bucket):
    backend = get_backend("gcs")
    backend.write("taken.txt", io.BytesIO(b"first"), content_type="text/plain", size=5)

    with pytest.raises(ObjectExists):
        backend.write("taken.txt", io.BytesIO(b"second"), content_type="text/plain", size=6)

    with backend.open_read("taken.txt") as stream:
        assert stream.read() == b"first"


def test_fake_gcs_server_still_ignores_if_generation_match_on_resumable_uploads(gcs_bucket):
    """GCS refuses a resumable upload under ``ifGenerationMatch=0`` when the object exists;
    fake-gcs-server stores it. When this fails the emulator learned the rule: assert
    ObjectExists here instead, as the one-request test does."""
    backend = get_backend("gcs")
    backend.write("taken.bin", io.BytesIO(b"first"), content_type="text/plain", size=5)

    data = sample_bytes(WRITE_CHUNK_SIZE + 1, seed=6)
    backend.write("taken.bin", ChunkedReader(data), content_type="application/octet-stream")

    assert backend.stat("taken.bin").size == len(data)


def test_a_read_of_an_object_replaced_meanwhile_fails_instead_of_mixing_two(gcs_bucket):
    backend = get_backend("gcs")
    backend.write(
        "moving.bin", io.BytesIO(sample_bytes(RESUMABLE_SIZE, seed=7)), content_type="x/y"
    )
    stream = backend.open_read("moving.bin")
    stream.read(1)  # the first chunk is fetched

    backend.delete("moving.bin")
    backend.write(
        "moving.bin", io.BytesIO(sample_bytes(RESUMABLE_SIZE, seed=8)), content_type="x/y"
    )

    with pytest.raises(StorageError), stream:
        stream.read()


def test_a_write_to_a_missing_bucket_says_the_bucket_is_missing(gcs_bucket, settings):
    settings.GS_BUCKET_NAME = "no-such-bucket"

    with pytest.raises(StorageError, match="no bucket named 'no-such-bucket'"):
        get_backend("gcs").write("k.txt", io.BytesIO(b"x"), content_type="text/plain", size=1)


def test_a_64_mib_write_and_read_back_hold_a_chunk_or_two_in_memory_not_the_object(gcs_bucket):
    peak = round_trip_peak(get_backend("gcs"), "flat/64.bin", 64 * MiB)

    # About 9 MiB: a 4 MiB chunk and its request body; a write that held the object: 64 MiB.
    assert peak < 16 * MiB, f"peak {peak / MiB:.1f} MiB"
