"""Server-side reads and writes on S3: the kit's file access tests against moto server (which
enforces ``If-None-Match`` on PutObject and CompleteMultipartUpload) and LocalStack, a write of
several parts, what a failed write leaves behind (nothing), flat memory, and a file the server
makes stored through the model."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model

from s3_file_uploads.errors import ObjectExists, UploadRefused
from s3_file_uploads.models import UploadedFile, UploadState
from s3_file_uploads.registry import get_backend
from s3_file_uploads.testing.content import sample_bytes
from s3_file_uploads.testing.file_access import ChunkedReader, FileAccessConformance
from s3_file_uploads.testing.memory import MiB, round_trip_peak
from tests.servers.localstack import localstack_client
from tests.servers.moto import s3_client

#: More than one 8 MiB part of a server-side write.
MULTIPART_SIZE = 8 * MiB + 123


# The kit's file-access tests run on moto with the backend's BackendConformance.


class TestS3FileAccessOnLocalStack(FileAccessConformance):
    """LocalStack enforces ``If-None-Match`` too, and checks every request's signature."""

    @pytest.fixture
    def conformance_backend(self, localstack_bucket):
        return get_backend("s3")


def _unfinished_uploads(server, bucket: str, client=s3_client) -> list:
    return client(server).list_multipart_uploads(Bucket=bucket).get("Uploads", [])


def test_a_write_of_several_parts_is_stored_whole_with_its_type(s3_bucket):
    backend, key = get_backend("s3"), "big/report.csv"
    data = sample_bytes(MULTIPART_SIZE, seed=3)

    info = backend.write(key, ChunkedReader(data), content_type="text/csv")

    assert (info.size, info.content_type) == (MULTIPART_SIZE, "text/csv")
    assert "-" in info.etag  # S3 assembled it from parts
    with backend.open_read(key, start=MULTIPART_SIZE - 200) as stream:
        assert stream.read() == data[-200:]


@pytest.mark.parametrize("size", [5, MULTIPART_SIZE], ids=["one request", "multipart"])
def test_a_write_over_a_stored_object_is_refused_and_leaves_no_upload_behind(
    s3_bucket, moto_server, size
):
    backend = get_backend("s3")
    backend.write("taken.bin", io.BytesIO(b"first"), content_type="text/plain", size=5)

    with pytest.raises(ObjectExists):
        backend.write("taken.bin", ChunkedReader(sample_bytes(size, seed=4)), content_type="x/y")

    with backend.open_read("taken.bin") as stream:
        assert stream.read() == b"first"
    assert _unfinished_uploads(moto_server, s3_bucket) == []


def test_a_multipart_write_over_a_stored_object_is_refused_by_localstack(
    localstack_bucket, localstack_s3
):
    backend = get_backend("s3")
    backend.write("taken.bin", io.BytesIO(b"first"), content_type="text/plain", size=5)

    with pytest.raises(ObjectExists):
        backend.write(
            "taken.bin", ChunkedReader(sample_bytes(MULTIPART_SIZE, seed=4)), content_type="x/y"
        )

    with backend.open_read("taken.bin") as stream:
        assert stream.read() == b"first"
    assert _unfinished_uploads(localstack_s3, localstack_bucket, localstack_client) == []


@pytest.mark.parametrize(
    ("held", "declared"),
    [(MULTIPART_SIZE - 1, MULTIPART_SIZE), (MULTIPART_SIZE + 1, MULTIPART_SIZE), (4, 5)],
    ids=["multipart, one byte short", "multipart, one byte over", "one request, short"],
)
def test_a_stream_that_breaks_its_declared_size_stores_nothing(
    s3_bucket, moto_server, held, declared
):
    backend = get_backend("s3")

    with pytest.raises(UploadRefused, match=f"{declared} bytes declared"):
        backend.write(
            "sized.bin",
            ChunkedReader(sample_bytes(held, seed=5)),
            content_type="x/y",
            size=declared,
        )

    assert s3_client(moto_server).list_objects_v2(Bucket=s3_bucket).get("KeyCount") == 0
    assert _unfinished_uploads(moto_server, s3_bucket) == []


def test_open_read_past_the_end_of_an_empty_object_gives_no_bytes(s3_bucket):
    backend = get_backend("s3")
    backend.write("empty.txt", io.BytesIO(b""), content_type="text/plain", size=0)

    with backend.open_read("empty.txt") as whole, backend.open_read("empty.txt", start=3) as past:
        assert (whole.read(), past.read()) == (b"", b"")


def test_a_64_mib_write_and_read_back_hold_one_part_in_memory_not_the_object(s3_bucket):
    peak = round_trip_peak(get_backend("s3"), "flat/64.bin", 64 * MiB)

    # About 11 MiB: one 8 MiB part (S3's parts but the last are at least 5 MiB) and the read
    # buffers; a write that held the object would take 64 MiB.
    assert peak < 16 * MiB, f"peak {peak / MiB:.1f} MiB"


def test_a_report_the_server_makes_becomes_a_completed_row_read_back_from_s3(s3_bucket, db):
    user = get_user_model().objects.create_user("reporter")
    report = b"month,total\n2026-11,1350\n" * 1000

    row = UploadedFile.objects.create_from_file(io.BytesIO(report), filename="Nov.csv", user=user)

    assert row.file_upload_state == UploadState.COMPLETED
    assert (row.backend, row.size) == ("s3", len(report))
    with row.open(start=12, end=25) as stream:
        assert stream.read() == report[12:26]
