"""What a storage view that Django serves checks in a request, and how it replies.

Shared by the local and memory backends' views. A signed link must carry a genuine, unexpired
grant of the view's kind, for the key in the URL and a configured backend of the view's class;
an upload must come with the signed ``Content-Type`` and a ``Content-Length`` within its
limit. Refusals are JSON ``{"detail": "..."}``, the shape the browser client reads from every
Django reply, and each says what to change.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from django.core import signing
from django.http import HttpRequest, HttpResponse, JsonResponse

from s3_file_uploads.contract import ObjectInfo
from s3_file_uploads.errors import BackendConfigurationError
from s3_file_uploads.registry import get_backend

from .grants import Grant, TokenExpired, UploadGrant
from .links import SignedLinkBackend

G = TypeVar("G", bound=Grant)
B = TypeVar("B", bound=SignedLinkBackend)


class Refused(Exception):
    """A request the view will not serve; ``response`` is the 4xx that says why."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.response = error(status, detail)


def answers_refusals(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let a view raise :class:`Refused` from any check: the refusal's 4xx becomes the reply."""

    @functools.wraps(view)
    def answering(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Refused as refusal:
            return refusal.response

    return answering


def verify_link(
    grant_type: type[G], token: str, key: str, *, backend_type: type[B], renew: str
) -> tuple[G, B]:
    """The grant a link's token carries and the backend it names, or :class:`Refused`.

    ``renew`` ends the refusal of an expired link: what the client does to get a new one.
    """
    link = grant_type.purpose
    try:
        grant = grant_type.load(token, scope=backend_type.link_scope)
    except TokenExpired as exc:
        raise Refused(403, f"This {link} link {exc}; {renew}.") from exc
    except signing.BadSignature as exc:
        raise Refused(403, f"This {link} link is not valid: its signature does not match.") from exc
    if key != grant.key:
        raise Refused(403, f"This {link} link was signed for another object key.")
    try:
        backend = get_backend(grant.backend)
    except BackendConfigurationError:
        backend = None
    if not isinstance(backend, backend_type):
        raise Refused(404, f"The storage this {link} link was signed for is not configured.")
    return grant, backend


def upload_length(request: HttpRequest, grant: UploadGrant) -> int:
    """The length of an upload's body, once its type and length suit the grant; or Refused."""
    sent_type = request.META.get("CONTENT_TYPE", "")
    if _normal_type(sent_type) != _normal_type(grant.content_type):
        raise Refused(
            400,
            f"This upload was signed for Content-Type '{grant.content_type}' but the request "
            f"sent '{sent_type}'. Send the instruction's headers unchanged.",
        )
    length = declared_length(request, "the file")
    if length > grant.max_size:
        raise Refused(413, _too_large(grant.max_size))
    if length < 1:
        raise Refused(400, "The file is empty; an upload needs at least one byte.")
    return length


def declared_length(request: HttpRequest, body: str) -> int:
    """The request's ``Content-Length``; Refused (411 or 400) without one that is a number."""
    declared = request.META.get("CONTENT_LENGTH")
    if not declared:
        raise Refused(411, f"Send {body} with a Content-Length header.")
    try:
        return int(declared)
    except ValueError:
        raise Refused(400, f"Content-Length '{declared}' is not a number.") from None


def stored(info: ObjectInfo) -> HttpResponse:
    """The 201 of an upload stored, with its ETag, as a cloud answers a PUT."""
    response = JsonResponse({"key": info.key, "size": info.size, "etag": info.etag}, status=201)
    response["ETag"] = f'"{info.etag}"'
    return response


def too_large(max_size: int) -> HttpResponse:
    return error(413, _too_large(max_size))


def error(status: int, detail: str) -> HttpResponse:
    return JsonResponse({"detail": detail}, status=status)


def _too_large(max_size: int) -> str:
    return f"The file is larger than the {max_size} bytes this upload allows."


def _normal_type(value: str) -> str:
    return ";".join(part.strip() for part in value.split(";") if part.strip()).lower()
