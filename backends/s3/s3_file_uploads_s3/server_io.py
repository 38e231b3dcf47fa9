"""The S3 backend's server-side reads and writes: the ranged GET, the create-only client and the
managed transfer's settings.

boto3's managed transfer (``upload_fileobj``) sends a large stream as a multipart upload, one
part in memory at a time, but it does not pass ``IfNoneMatch`` through ``ExtraArgs`` (s3transfer
0.19 refuses the argument: boto/boto3#4366). The writing client therefore adds
``If-None-Match: *`` to every PutObject and CompleteMultipartUpload it sends, through botocore's
documented event hooks, so S3 answers 412 instead of replacing an object.
"""

from __future__ import annotations

import math
from typing import Any

from boto3.s3.transfer import TransferConfig

from s3_file_uploads.contract import MAXIMUM_UPLOAD_PARTS_COUNT

#: One part of a server-side write: what a write holds in memory (S3's smallest is 5 MiB).
WRITE_PART_SIZE = 8 * 1024 * 1024
#: What a server-side read asks the response body for at a time.
READ_CHUNK_SIZE = 1024 * 1024
#: The calls that create an object, and so carry ``If-None-Match: *`` from the writing client.
CREATING_OPERATIONS = ("PutObject", "CompleteMultipartUpload")


def _only_if_absent(params: dict[str, Any], **_: Any) -> None:
    params.setdefault("IfNoneMatch", "*")


def create_only(client: Any) -> Any:
    """``client``, changed so that every object it creates must not exist yet."""
    for operation in CREATING_OPERATIONS:
        client.meta.events.register(f"before-parameter-build.s3.{operation}", _only_if_absent)
    return client


def transfer_config(size: int | None) -> TransferConfig:
    """One part at a time on the calling thread, parts large enough for ``size`` bytes in
    10,000 (a stream of unknown size may hold up to 10,000 parts of ``WRITE_PART_SIZE``)."""
    part_size = WRITE_PART_SIZE
    if size is not None:
        part_size = max(part_size, math.ceil(size / MAXIMUM_UPLOAD_PARTS_COUNT))
    return TransferConfig(
        multipart_threshold=part_size, multipart_chunksize=part_size, use_threads=False
    )


def range_header(start: int, end: int | None) -> str | None:
    """The ``Range`` of bytes ``start``..``end``; None for the whole object (an empty object
    has no byte 0, so ``bytes=0-`` would be refused)."""
    if start == 0 and end is None:
        return None
    return f"bytes={start}-{'' if end is None else end}"
