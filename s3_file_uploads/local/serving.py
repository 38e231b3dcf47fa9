"""Serving a stored object under a download grant: its signed headers, and one byte range.

Shared by the local and memory backends' download views. Every reply carries the signed
``Content-Disposition``, the object's ETag, ``nosniff`` and ``Cache-Control: private``; a file
served from disk also honours a single ``Range: bytes=a-b`` (206, or 416 when unsatisfiable).
"""

from __future__ import annotations

import re
from typing import BinaryIO, Literal

from django.http import FileResponse, HttpRequest, HttpResponse

from s3_file_uploads import streams
from s3_file_uploads.contract import ObjectInfo

from .grants import DownloadGrant
from .replies import error

RANGE_RE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


def content_type(grant: DownloadGrant, info: ObjectInfo) -> str:
    """The signed type, else the stored one, else the type that means "just bytes"."""
    return grant.content_type or info.content_type or "application/octet-stream"


def signed_headers(response: HttpResponse, grant: DownloadGrant, info: ObjectInfo) -> HttpResponse:
    """Add what every download reply carries: the signed disposition and the object's ETag."""
    response["Content-Disposition"] = grant.content_disposition
    response["ETag"] = f'"{info.etag}"'
    return _private(response)


def serve_file(
    request: HttpRequest, file: BinaryIO, grant: DownloadGrant, info: ObjectInfo
) -> HttpResponse:
    """Stream an open file, the whole of it or the one range asked for; the reply closes it."""
    byte_range = requested_range(request, info.size, f'"{info.etag}"')
    if byte_range == "unsatisfiable":
        file.close()
        response = error(416, f"The requested range is outside the file's {info.size} bytes.")
        response["Content-Range"] = f"bytes */{info.size}"
        response["Accept-Ranges"] = "bytes"
        return _private(response)
    if byte_range is None:
        response = FileResponse(file, content_type=content_type(grant, info))
    else:
        start, end = byte_range
        # A stream without a name that cannot seek: FileResponse guesses no headers from the
        # path and does not measure the whole file.
        response = FileResponse(
            streams.byte_range(file, start, end), content_type=content_type(grant, info)
        )
        response.status_code = 206
        response["Content-Length"] = str(end - start + 1)
        response["Content-Range"] = f"bytes {start}-{end}/{info.size}"
    response["Accept-Ranges"] = "bytes"
    return signed_headers(response, grant, info)


def requested_range(
    request: HttpRequest, size: int, etag: str
) -> tuple[int, int] | Literal["unsatisfiable"] | None:
    """``(start, end)`` inclusive, ``"unsatisfiable"``, or ``None`` to serve the whole file.

    Several ranges, a malformed header, or an ``If-Range`` that no longer matches all mean
    "ignore the header", which RFC 9110 allows.
    """
    header = request.headers.get("Range")
    if not header:
        return None
    if_range = request.headers.get("If-Range")
    if if_range and if_range.strip() != etag:
        return None
    match = RANGE_RE.match(header)
    if not match or match.group(1) == match.group(2) == "":
        return None
    first, last = match.groups()
    if first == "":
        suffix = int(last)
        if suffix == 0 or size == 0:
            return "unsatisfiable"
        return max(size - suffix, 0), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if end < start:
        return None
    if start >= size:
        return "unsatisfiable"
    return start, min(end, size - 1)


def _private(response: HttpResponse) -> HttpResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private"
    return response
