"""The in-memory backend's storage endpoints: what a cloud would answer, answered by Django.

Every view trusts nothing but its signed token. The checks, refusals and download headers are
the local backend's (:mod:`s3_file_uploads.local.replies`, ``.serving``); only where the bytes
go differs, and downloads are served whole.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from s3_file_uploads.errors import ObjectNotFound
from s3_file_uploads.local.errors import ChecksumMismatch, ObjectExists, UploadTooLarge
from s3_file_uploads.local.grants import DownloadGrant, UploadGrant
from s3_file_uploads.local.replies import (
    answers_refusals,
    error,
    stored,
    too_large,
    upload_length,
    verify_link,
)
from s3_file_uploads.local.serving import content_type, signed_headers

from .backend import MemoryBackend


@csrf_exempt
@require_http_methods(["PUT"])
@answers_refusals
def upload(request: HttpRequest, token: str, key: str) -> HttpResponse:
    """Store the raw body under the token's key: 201, or a 4xx saying what to change."""
    grant, backend = verify_link(
        UploadGrant, token, key, backend_type=MemoryBackend, renew="ask for a new one"
    )
    length = upload_length(request, grant)
    # read(), not body: the body is bounded by the signed limit, not DATA_UPLOAD_MAX_MEMORY_SIZE.
    data = request.read(length)
    if len(data) != length:
        return error(400, f"The body ended after {len(data)} of {length} bytes.")
    try:
        info = backend.receive(grant, data)
    except ObjectExists:
        return error(409, "This upload was already stored; an upload link stores one file once.")
    except UploadTooLarge:
        return too_large(grant.max_size)
    except ChecksumMismatch as exc:
        return error(400, f"The file was not stored: {exc}. Send the file that was declared.")
    return stored(info)


@require_http_methods(["GET", "HEAD"])
@answers_refusals
def download(request: HttpRequest, token: str, key: str) -> HttpResponse:
    """Serve the token's object with its signed headers."""
    grant, backend = verify_link(
        DownloadGrant,
        token,
        key,
        backend_type=MemoryBackend,
        renew="request the file again for a new one",
    )
    try:
        info = backend.stat(grant.key)
        data = backend.get(grant.key)
    except ObjectNotFound:
        return error(404, "No file is stored under this link any more.")
    return signed_headers(HttpResponse(data, content_type=content_type(grant, info)), grant, info)
