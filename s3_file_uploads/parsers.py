"""Request bodies the API accepts: small, and parsed without any input reaching a server error.

DRF reads a JSON or form body whole, whatever its size, and lets the ``RecursionError`` of a
deeply nested JSON document escape as a 500. Here a body larger than Django's
``DATA_UPLOAD_MAX_MEMORY_SIZE`` is refused (413) before a byte of it is read, and nesting too
deep for the parser is a 400 that says what to send.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "body_too_large"


class LimitedJSONParser(JSONParser):
    """DRF's JSON parser, answering a document nested beyond Python's recursion limit with 400."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(
                "JSON parse error: the document is nested too deeply; send a flat object "
                'such as {"filename": "report.pdf", "size": 1024}.'
            ) from None


def refuse_oversized_body(request: Request) -> None:
    """Raise BodyTooLarge when the declared body exceeds ``DATA_UPLOAD_MAX_MEMORY_SIZE``.

    Every body this API takes is a few fields; the file itself never passes through Django.
    """
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise ParseError("Content-Length is not a number.") from None
    if limit is not None and length > limit:
        raise BodyTooLarge(
            f"The request body is {length} bytes; this API takes at most {limit}. Send only "
            "the upload's fields here: the file itself goes to the upload instruction's URL."
        )
