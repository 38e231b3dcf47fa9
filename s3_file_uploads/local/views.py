"""The local backend's storage endpoints: what S3 would answer, answered by Django.

Every view trusts nothing but its signed token, checked by :mod:`.replies` (a failed check
raises :class:`~.replies.Refused`, which ``answers_refusals`` turns into the reply). Errors are
JSON ``{"detail": "..."}``, the shape the browser client reads from every Django reply.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from s3_file_uploads.errors import ObjectNotFound

from .backend import LocalBackend
from .errors import (
    ChecksumMismatch,
    IncompleteUpload,
    InvalidKey,
    KeyDeleted,
    ObjectExists,
    UploadTooLarge,
    WrongPartLength,
)
from .grants import DownloadGrant, PartGrant, UploadGrant
from .replies import (
    answers_refusals,
    declared_length,
    error,
    stored,
    too_large,
    upload_length,
    verify_link,
)
from .serving import serve_file

logger = logging.getLogger(__name__)


@csrf_exempt
@require_http_methods(["PUT"])
@answers_refusals
def upload(request: HttpRequest, token: str, key: str) -> HttpResponse:
    """Store the raw body under the token's key: 201, or a 4xx saying what to change."""
    grant, backend = verify_link(
        UploadGrant, token, key, backend_type=LocalBackend, renew="ask the server for a new one"
    )
    length = upload_length(request, grant)
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
    except KeyDeleted as exc:
        detail = "This upload was deleted; its link stores nothing any more."
        return _refused(backend, grant, exc, 410, detail)
    except InvalidKey as exc:
        return _refused(backend, grant, exc, 400, f"Refused: {exc}.")
    except ObjectExists as exc:
        detail = "This upload was already stored; an upload link stores one file once."
        return _refused(backend, grant, exc, 409, detail)
    except UploadTooLarge as exc:
        _log_refusal(backend, grant, exc)
        return too_large(grant.max_size)
    except IncompleteUpload as exc:
        detail = f"The upload was incomplete: {exc}. Send the whole file again."
        return _refused(backend, grant, exc, 400, detail)
    except ChecksumMismatch as exc:
        detail = f"The file was not stored: {exc}. Send the file that was declared."
        return _refused(backend, grant, exc, 400, detail, level=logging.WARNING)
    return stored(info)


@csrf_exempt
@require_http_methods(["PUT"])
@answers_refusals
def upload_part(request: HttpRequest, token: str, key: str) -> HttpResponse:
    """Stage one part of a multipart upload: 200 with its ETag, or a 4xx saying what to change.

    The token binds the key, the upload id, the part number, the part's exact length and its
    declared SHA-256: a body of any other length is refused before a byte is stored, one of
    other bytes before the part is kept.
    """
    grant, backend = verify_link(
        PartGrant,
        token,
        key,
        backend_type=LocalBackend,
        renew="ask the server to sign the part again",
    )
    if request.GET.get("uploadId", grant.upload_id) != grant.upload_id or request.GET.get(
        "partNumber", str(grant.part_number)
    ) != str(grant.part_number):
        return error(403, "This part link was signed for another upload or part number.")
    length = declared_length(request, "the part")
    try:
        part = backend.receive_part(grant, request, length=length)
    except WrongPartLength as exc:
        return error(400, f"Refused: {exc}. Send exactly the bytes of this part.")
    except ChecksumMismatch as exc:
        return error(
            400,
            f"Refused: {exc}. Send the bytes whose checksum was signed, or sign the part again.",
        )
    except ObjectNotFound:
        return error(404, "This multipart upload is no longer open: it was completed or aborted.")
    except IncompleteUpload as exc:
        return error(400, f"The part was incomplete: {exc}. Send the part again.")
    response = JsonResponse(
        {"part_number": part.part_number, "size": part.size, "etag": part.etag}, status=200
    )
    response["ETag"] = f'"{part.etag}"'
    return response


@require_http_methods(["GET", "HEAD"])
@answers_refusals
def download(request: HttpRequest, token: str, key: str) -> HttpResponse:
    """Serve the token's object with its signed headers; honours one ``Range: bytes=a-b``."""
    grant, backend = verify_link(
        DownloadGrant,
        token,
        key,
        backend_type=LocalBackend,
        renew="request the file again for a new one",
    )
    try:
        file = backend.path(grant.key).open("rb")
    except (InvalidKey, FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return error(404, "No file is stored under this link any more.")
    try:
        info = backend.stat(grant.key)
    except ObjectNotFound:
        file.close()
        return error(404, "No file is stored under this link any more.")
    return serve_file(request, file, grant, info)


def _refused(
    backend: LocalBackend,
    grant: UploadGrant,
    exc: Exception,
    status: int,
    detail: str,
    *,
    level: int = logging.INFO,
) -> HttpResponse:
    """Log a refused upload once, then answer ``status`` with ``detail``."""
    _log_refusal(backend, grant, exc, level)
    return error(status, detail)


def _log_refusal(
    backend: LocalBackend, grant: UploadGrant, exc: Exception, level: int = logging.INFO
) -> None:
    logger.log(level, "Local backend %s refused an upload to %s: %s", backend.name, grant.key, exc)
