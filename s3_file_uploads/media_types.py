"""Media types: which ones name a real type, and which ones a browser may render inline.

Both answers come from allow-lists. A type outside them is still stored and served, but only
ever as a download, so a type nobody thought of can never become a page on someone's origin.
"""

from __future__ import annotations

from collections.abc import Iterable

#: The honest type of bytes nobody named: always a download.
DEFAULT_CONTENT_TYPE = "application/octet-stream"

#: The top-level types IANA registers; anything else is not a media type a browser knows.
REGISTERED_TOP_LEVEL_TYPES = frozenset(
    {
        "application",
        "audio",
        "font",
        "haptics",
        "image",
        "message",
        "model",
        "multipart",
        "text",
        "video",
    }
)

#: Types that say "I do not know": the WHATWG MIME Sniffing standard makes a browser guess the
#: real type from the bytes for these, and the guess can be HTML.
SNIFFED_TYPES = frozenset({"unknown/unknown", "application/unknown", "*/*"})

#: Types a browser renders without running anything the file brings: raster images, PDF,
#: plain text, audio and video. SVG, HTML, XML and everything not listed are attachments.
INLINE_SAFE_TYPES = frozenset(
    {
        "image/apng",
        "image/avif",
        "image/bmp",
        "image/gif",
        "image/jpeg",
        "image/png",
        "image/webp",
        "image/x-icon",
        "image/vnd.microsoft.icon",
        "application/pdf",
        "text/plain",
        "audio/aac",
        "audio/flac",
        "audio/mp4",
        "audio/mpeg",
        "audio/ogg",
        "audio/wav",
        "audio/webm",
        "audio/x-wav",
        "video/mp4",
        "video/ogg",
        "video/webm",
    }
)


def essence(content_type: str | None) -> str:
    """``type/subtype`` in lower case, without parameters or surrounding space."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def names_a_real_type(content_type: str) -> bool:
    """Whether the type says what the bytes are, rather than leaving the browser to guess."""
    main = essence(content_type)
    top, _, subtype = main.partition("/")
    return (
        top in REGISTERED_TOP_LEVEL_TYPES
        and bool(subtype)
        and "*" not in main
        and main not in SNIFFED_TYPES
    )


def renders_safely_inline(content_type: str | None, allowed: Iterable[str]) -> bool:
    """Whether ``content_type`` is on the inline allow-list ``allowed`` (exact types only)."""
    main = essence(content_type)
    return bool(main) and main in {essence(t) for t in allowed}
