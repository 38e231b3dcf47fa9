"""Text that is safe to log or print: no signed URL and no credential survives ``redact``.

SDK messages sometimes quote the URL they called or a connection string; a signed URL's query
(``X-Amz-Signature``, a SAS ``sig``, ``X-Goog-Signature``) grants access until it expires, so
it never reaches a log line.
"""

from __future__ import annotations

import re

_URL_WITH_QUERY = re.compile(r"(https?://[^\s?#'\"<>]+)\?[^\s'\"<>]*")
_SECRET_VALUE = re.compile(
    r"(?i)\b(AccountKey|SharedAccessSignature|sig|signature|x-amz-signature|x-amz-credential"
    r"|x-amz-security-token|x-goog-signature|x-goog-credential|access_token|password|secret)"
    r"=[^\s&;'\"<>]+"
)


def redact(text: object) -> str:
    """``text`` with every URL's query string and every ``secret=value`` pair removed."""
    cleaned = _URL_WITH_QUERY.sub(r"\1?[query removed]", str(text))
    return _SECRET_VALUE.sub(r"\1=[removed]", cleaned)
