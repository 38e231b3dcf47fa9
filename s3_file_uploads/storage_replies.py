"""What a request answers when storage fails, and the log line each failure leaves.

The views catch no storage error themselves: ``UploadView.handle_exception`` hands each one
here. A settings problem (a missing bucket, a backend that cannot be built) is the server's,
so it is a 500 that says so, never "Storage refused the request", which sends people to debug
their client.
"""

from __future__ import annotations

import logging
from typing import Any

from rest_framework import status
from rest_framework.response import Response

from .errors import (
    AclNotSupported,
    BackendConfigurationError,
    BucketNotFound,
    StorageError,
    StorageUnavailable,
)
from .redaction import redact

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


def storage_error_reply(exc: Exception, *, upload_id: Any = None) -> Response | None:
    """The reply to a library storage error (logged with backend, key and upload id), or
    ``None`` for anything else, which DRF then handles as usual."""
    if not isinstance(exc, StorageError) or isinstance(exc, AclNotSupported):
        return None
    where = (exc.backend or "-", exc.key or "-", upload_id or "-")
    if isinstance(exc, StorageUnavailable):
        logger.warning(
            "503: storage unavailable (backend %s, key %s, upload %s): %s", *where, redact(exc)
        )
        return Response(
            {"detail": "Storage could not be reached; nothing was changed. Try again shortly."},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, BucketNotFound):
        logger.error(
            "500: the %s '%s' does not exist (backend %s, key %s, upload %s). %s",
            exc.kind,
            exc.bucket,
            *where,
            exc.hint or "",
        )
        return Response(
            {
                "detail": f"The storage {exc.kind} '{exc.bucket}' this site is configured with "
                "does not exist, so no file can be stored or found there; nothing was changed. "
                f"This is the server's configuration, not the upload: {exc.hint or ''}".strip(),
                "bucket": exc.bucket,
                "backend": exc.backend,
            },
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if isinstance(exc, BackendConfigurationError):
        logger.error(
            "500: storage settings problem (backend %s, key %s, upload %s): %s %s",
            *where,
            redact(exc),
            exc.hint or "",
        )
        return Response(
            {
                "detail": "The server's storage settings are incomplete or wrong, so this "
                "request could not be served; nothing was changed. The site's operators see "
                "the fix in the server log and with `python manage.py check_storage`.",
                "backend": exc.backend,
            },
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    logger.warning(
        "502: storage refused the request (backend %s, key %s, upload %s): %s",
        *where,
        redact(exc),
    )
    return Response(
        {"detail": f"Storage refused the request: {redact(exc)}"},
        status=status.HTTP_502_BAD_GATEWAY,
    )
