"""``Content-Disposition`` values per RFC 6266, with an RFC 5987 ``filename*`` for any name.

The plain ``filename`` is an ASCII fallback with nothing that could end the quoted string or
the header; ``filename*`` carries the real name percent-encoded, so no input breaks the header.
Inline is an allow-list (:data:`~s3_file_uploads.media_types.INLINE_SAFE_TYPES` by default).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from urllib.parse import quote

from .media_types import INLINE_SAFE_TYPES, renders_safely_inline


def content_disposition(
    filename: str,
    *,
    inline: bool = False,
    content_type: str = "",
    inline_types: Iterable[str] = INLINE_SAFE_TYPES,
) -> str:
    """The header value for ``filename``; ``inline`` holds only for a type on ``inline_types``.

    Every other type, including a missing one, is served as an attachment, whatever was asked.
    """
    kind = (
        "inline" if inline and renders_safely_inline(content_type, inline_types) else "attachment"
    )
    if not filename:
        return kind
    fallback = ascii_fallback(filename)
    encoded = quote(filename, safe="")
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


def ascii_fallback(filename: str) -> str:
    decomposed = unicodedata.normalize("NFKD", filename)
    ascii_only = decomposed.encode("ascii", "ignore").decode("ascii")
    safe = "".join(ch if 0x20 <= ord(ch) < 0x7F and ch not in '"\\%;' else "_" for ch in ascii_only)
    return safe.strip() or "download"
