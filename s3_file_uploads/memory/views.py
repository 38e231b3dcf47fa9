"""The in-memory backend's storage endpoints: what a cloud would answer, answered by Django.

Every view trusts nothing but its signed token. Errors are JSON ``{"detail": "..."}``, the shape
the browser client reads from every Django reply.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core import signing
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from s3_file_uploads.errors import BackendConfigurationError, ObjectNotFound
from s3_file_uploads.registry import get_backend

from .backend import (
    ChecksumMismatch,
    MemoryBackend,
    ObjectExists,
    TokenExpired,
    UploadTooLarge,
    load_download_grant,
    load_upload_grant,
)


@csrf_exempt
@require_http_methods(["PUT"])
def upload(request: HttpRequest, token: str, key: str) -> HttpResponse:
    """Store the raw body under the token's key: 201, or a 4xx saying what to change."""
    try:
        grant, backend = _verify(load_upload_grant, token, key, "upload", "ask for a new one")
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
    # read(), not body: the body is bounded by the signed limit, not DATA_UPLOAD_MAX_MEMORY_SIZE.
    data = request.read(length)
    if len(data) != length:
        return _error(400, f"The body ended after {len(data)} of {length} bytes.")
    try:
        info = backend.receive(grant, data)
    except ObjectExists:
        return _error(409, "This upload was already stored; an upload link stores one file once.")
    except UploadTooLarge:
        return _too_large(grant.max_size)
    except ChecksumMismatch as exc:
        return _error(400, f"The file was not stored: {exc}. Send the file that was declared.")
    response = JsonResponse({"key": info.key, "size": info.size, "etag": info.etag}, status=201)
    response["ETag"] = f'"{info.etag}"'
    return response


@require_http_methods(["GET", "HEAD"])
def download(request: HttpRequest, token: str, key: str) -> HttpResponse:
    """Serve the token's object with its signed headers."""
    try:
        grant, backend = _verify(
            load_download_grant, token, key, "download", "request the file again for a new one"
        )
    except LinkRefused as refusal:
        return refusal.response
    try:
        info = backend.stat(grant.key)
        data = backend.get(grant.key)
    except ObjectNotFound:
        return _error(404, "No file is stored under this link any more.")
    response = HttpResponse(
        data, content_type=grant.content_type or info.content_type or "application/octet-stream"
    )
    response["Content-Disposition"] = grant.content_disposition
    response["ETag"] = f'"{info.etag}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private"
    return response


class LinkRefused(Exception):
    """A signed link that does not authorise this request; ``response`` says why."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.response = _error(status, detail)


def _verify(
    load: Callable[[str], Any], token: str, key: str, link: str, renew: str
) -> tuple[Any, MemoryBackend]:
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
    try:
        backend = get_backend(grant.backend)
    except BackendConfigurationError:
        backend = None
    if not isinstance(backend, MemoryBackend):
        raise LinkRefused(404, f"The storage this {link} link was signed for is not configured.")
    return grant, backend


def _normal_type(value: str) -> str:
    return ";".join(part.strip() for part in value.split(";") if part.strip()).lower()


def _too_large(max_size: int) -> HttpResponse:
    return _error(413, f"The file is larger than the {max_size} bytes this upload allows.")


def _error(status: int, detail: str) -> HttpResponse:
    return JsonResponse({"detail": detail}, status=status)
