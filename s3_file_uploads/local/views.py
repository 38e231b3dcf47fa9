"""The local backend's storage endpoints: what S3 would answer, answered by Django.

Every view trusts nothing but its signed token. Errors are JSON ``{"detail": "..."}``, the
shape the browser client reads from every Django reply.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any, BinaryIO

from django.core import signing
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from s3_file_uploads.errors import BackendConfigurationError, ObjectNotFound
from s3_file_uploads.registry import get_backend

from .backend import (
    CHUNK_SIZE,
    ChecksumMismatch,
    IncompleteUpload,
    InvalidKey,
    KeyDeleted,
    LocalBackend,
    ObjectExists,
    TokenExpired,
    UploadTooLarge,
    WrongPartLength,
    load_download_grant,
    load_part_grant,
    load_upload_grant,
)

logger = logging.getLogger(__name__)

RANGE_RE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


@csrf_exempt
@require_http_methods(["PUT"])
def upload(request: HttpRequest, token: str, key: str) -> HttpResponse:
    """Store the raw body under the token's key: 201, or a 4xx saying what to change."""
    try:
        grant, backend = _verify(
            load_upload_grant, token, key, "upload", "ask the server for a new one"
        )
    except LinkRefused as refusal:
        return refusal.response

    sent_type = request.META.get("CONTENT_TYPE", "")
    if _normal_type(sent_type) != _normal_type(grant.content_type):
        return _error(
            400,
            f"This upload was signed for Content-Type '{grant.content_type}' but the request "
            f"sent '{sent_type}'. Send the instruction's headers unchanged.",
        )
    declared = request.META.get("CONTENT_LENGTH")
    if not declared:
        return _error(411, "Send the file with a Content-Length header.")
    try:
        length = int(declared)
    except ValueError:
        return _error(400, f"Content-Length '{declared}' is not a number.")
    if length > grant.max_size:
        return _too_large(grant.max_size)
    if length < 1:
        return _error(400, "The file is empty; an upload needs at least one byte.")

    try:
        info = backend.receive(
            grant.key,
            request,
            max_size=grant.max_size,
            content_type=grant.content_type,
            length=length,
            checksum=grant.checksum,
            signed_at=grant.signed_at,
        )
    except (KeyDeleted, InvalidKey, ObjectExists, UploadTooLarge, IncompleteUpload) as exc:
        logger.info("Local backend %s refused an upload to %s: %s", backend.name, grant.key, exc)
        if isinstance(exc, KeyDeleted):
            return _error(410, "This upload was deleted; its link stores nothing any more.")
        if isinstance(exc, InvalidKey):
            return _error(400, f"Refused: {exc}.")
        if isinstance(exc, ObjectExists):
            return _error(
                409, "This upload was already stored; an upload link stores one file once."
            )
        if isinstance(exc, UploadTooLarge):
            return _too_large(grant.max_size)
        return _error(400, f"The upload was incomplete: {exc}. Send the whole file again.")
    except ChecksumMismatch as exc:
        logger.warning("Local backend %s refused an upload to %s: %s", backend.name, grant.key, exc)
        return _error(400, f"The file was not stored: {exc}. Send the file that was declared.")
    response = JsonResponse({"key": info.key, "size": info.size, "etag": info.etag}, status=201)
    response["ETag"] = f'"{info.etag}"'
    return response


@csrf_exempt
@require_http_methods(["PUT"])
def upload_part(request: HttpRequest, token: str, key: str) -> HttpResponse:
    """Stage one part of a multipart upload: 200 with its ETag, or a 4xx saying what to change.

    The token binds the key, the upload id, the part number and the part's exact length; a
    body of any other length is refused before a byte is stored.
    """
    try:
        grant, backend = _verify(
            load_part_grant, token, key, "part", "ask the server to sign the part again"
        )
    except LinkRefused as refusal:
        return refusal.response
    if request.GET.get("uploadId", grant.upload_id) != grant.upload_id or request.GET.get(
        "partNumber", str(grant.part_number)
    ) != str(grant.part_number):
        return _error(403, "This part link was signed for another upload or part number.")
    declared = request.META.get("CONTENT_LENGTH")
    if not declared:
        return _error(411, "Send the part with a Content-Length header.")
    try:
        length = int(declared)
    except ValueError:
        return _error(400, f"Content-Length '{declared}' is not a number.")
    try:
        part = backend.receive_part(grant, request, length=length)
    except WrongPartLength as exc:
        return _error(400, f"Refused: {exc}. Send exactly the bytes of this part.")
    except ObjectNotFound:
        return _error(404, "This multipart upload is no longer open: it was completed or aborted.")
    except IncompleteUpload as exc:
        return _error(400, f"The part was incomplete: {exc}. Send the part again.")
    response = JsonResponse(
        {"part_number": part.part_number, "size": part.size, "etag": part.etag}, status=200
    )
    response["ETag"] = f'"{part.etag}"'
    return response


@require_http_methods(["GET", "HEAD"])
def download(request: HttpRequest, token: str, key: str) -> HttpResponse:
    """Serve the token's object with its signed headers; honours one ``Range: bytes=a-b``."""
    try:
        grant, backend = _verify(
            load_download_grant, token, key, "download", "request the file again for a new one"
        )
    except LinkRefused as refusal:
        return refusal.response
    try:
        path = backend.path(grant.key)
        file = path.open("rb")
    except (InvalidKey, FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return _error(404, "No file is stored under this link any more.")

    try:
        info = backend.stat(grant.key)
    except ObjectNotFound:
        file.close()
        return _error(404, "No file is stored under this link any more.")
    etag = f'"{info.etag}"'
    content_type = grant.content_type or info.content_type or "application/octet-stream"
    byte_range = _requested_range(request, info.size, etag)
    if byte_range == "unsatisfiable":
        file.close()
        response = _error(416, f"The requested range is outside the file's {info.size} bytes.")
        response["Content-Range"] = f"bytes */{info.size}"
    elif byte_range is None:
        response = FileResponse(file, content_type=content_type)
    else:
        start, end = byte_range
        response = FileResponse(_Slice(file, start, end - start + 1), content_type=content_type)
        response.status_code = 206
        response["Content-Length"] = str(end - start + 1)
        response["Content-Range"] = f"bytes {start}-{end}/{info.size}"
    if response.status_code != 416:
        response["Content-Disposition"] = grant.content_disposition
        response["ETag"] = etag
    response["Accept-Ranges"] = "bytes"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private"
    return response


class _Slice:
    """``length`` bytes of an open file from ``start``: what FileResponse streams for a range.

    It has no ``name``, ``tell`` or ``seek``, so FileResponse neither guesses headers from the
    path nor measures the whole file.
    """

    def __init__(self, file: BinaryIO, start: int, length: int) -> None:
        file.seek(start)
        self._file, self._left = file, length

    def read(self, size: int = CHUNK_SIZE) -> bytes:
        if self._left <= 0:
            return b""
        chunk = self._file.read(min(size if size > 0 else CHUNK_SIZE, self._left))
        self._left -= len(chunk)
        return chunk

    def close(self) -> None:
        self._file.close()


def _requested_range(request: HttpRequest, size: int, etag: str) -> tuple[int, int] | str | None:
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


class LinkRefused(Exception):
    """A signed link that does not authorise this request; ``response`` says why."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.response = _error(status, detail)


def _verify(
    load: Callable[[str], Any], token: str, key: str, link: str, renew: str
) -> tuple[Any, LocalBackend]:
    """The grant of a signed ``link`` for ``key`` and the backend it names, or LinkRefused."""
    try:
        grant = load(token)
    except TokenExpired as exc:
        raise LinkRefused(403, f"This {link} link {exc}; {renew}.") from exc
    except signing.BadSignature as exc:
        raise LinkRefused(
            403, f"This {link} link is not valid: its signature does not match."
        ) from exc
    if key != grant.key:
        raise LinkRefused(403, f"This {link} link was signed for another object key.")
    backend = _local_backend(grant.backend)
    if backend is None:
        raise LinkRefused(404, f"The storage this {link} link was signed for is not configured.")
    return grant, backend


def _local_backend(name: str) -> LocalBackend | None:
    try:
        backend = get_backend(name)
    except BackendConfigurationError:
        return None
    return backend if isinstance(backend, LocalBackend) else None


def _normal_type(value: str) -> str:
    return ";".join(part.strip() for part in value.split(";") if part.strip()).lower()


def _too_large(max_size: int) -> HttpResponse:
    return _error(413, f"The file is larger than the {max_size} bytes this upload allows.")


def _error(status: int, detail: str) -> HttpResponse:
    return JsonResponse({"detail": detail}, status=status)
