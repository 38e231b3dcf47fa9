"""``Content-Disposition`` values per RFC 6266, with an RFC 5987 ``filename*`` for any name.

The plain ``filename`` is an ASCII fallback with nothing that could end the quoted string or
the header; ``filename*`` carries the real name percent-encoded, so no input breaks the header.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

#: Types a browser would render as a page or run script in: always served as attachments.
ALWAYS_ATTACHMENT = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/xml",
        "application/xml",
        "text/javascript",
        "application/javascript",
    }
)


def content_disposition(filename: str, *, inline: bool = False, content_type: str = "") -> str:
    """The header value for ``filename``; ``inline`` is refused for types that could run script."""
    kind = "inline" if inline and not is_active_content(content_type) else "attachment"
    if not filename:
        return kind
    fallback = ascii_fallback(filename)
    encoded = quote(filename, safe="")
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


def is_active_content(content_type: str) -> bool:
    main = (content_type or "").split(";", 1)[0].strip().lower()
    return main in ALWAYS_ATTACHMENT or main.endswith(("+xml", "/xml"))


def ascii_fallback(filename: str) -> str:
    decomposed = unicodedata.normalize("NFKD", filename)
    ascii_only = decomposed.encode("ascii", "ignore").decode("ascii")
    safe = "".join(ch if 0x20 <= ord(ch) < 0x7F and ch not in '"\\%;' else "_" for ch in ascii_only)
    return safe.strip() or "download"
