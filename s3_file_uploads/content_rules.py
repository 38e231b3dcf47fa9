"""What a file's content may be, for the type it was declared as: the content check's rules.

The complete step names the type of a stored object's first bytes (:mod:`.content_check`);
this module decides, without any I/O, whether that contradicts the declared type. What the
content was identified as is one of five kinds (:func:`kind_of`), and each declared type admits:

- **a program** (an executable, or PostScript or MVG, which print and image tools run): only
  under a program's own type or ``application/octet-stream``;
- **markup** (HTML, XHTML, SVG, XML): anywhere but under an image, audio, video or font type,
  PDF, or another format with a signature;
- **a binary format**: under a format with a signature (PNG, JPEG, GIF, WebP, BMP, TIFF, ICO,
  PDF, ZIP and the documents built on it, gzip, 7z, RAR), only that format; under another image,
  audio, video or font type, any of those; never under a text or markup type;
- **text, or bytes nothing identifies**: anywhere. Neither runs or renders as anything but what
  was declared, and a test's stand-in bytes or a damaged file are left to the file's reader.

A declared image, audio, video or PDF file may also not carry HTML, SVG or PHP in its first bytes
(a polyglot, which one program reads as an image and another as a page or a script).
"""

from __future__ import annotations

from .media_types import DEFAULT_CONTENT_TYPE, essence

_JPEG = frozenset({"image/jpeg"})
_PNG = frozenset({"image/png", "image/apng"})
_BMP = frozenset({"image/bmp", "image/x-ms-bmp"})
_ICO = frozenset({"image/vnd.microsoft.icon", "image/x-icon"})
_GZIP = frozenset({"application/gzip", "application/x-gzip"})
_RAR = frozenset({"application/vnd.rar", "application/x-rar", "application/x-rar-compressed"})
#: Documents that are ZIP archives inside. libmagic names one by the entries near the start of
#: the archive, so one whose first entries are long is named plain ZIP: both are accepted.
_ZIP_BASED = frozenset(
    {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
        "application/epub+zip",
        "application/java-archive",
    }
)
_ZIP = frozenset({"application/zip", *_ZIP_BASED})

#: Formats whose every file starts with a signature libmagic knows: declared as a key, content
#: identified as a format or markup must be one of the key's types.
SIGNED_FORMATS: dict[str, frozenset[str]] = {
    "image/png": _PNG,
    "image/apng": _PNG,
    "image/jpeg": _JPEG,
    "image/jpg": _JPEG,
    "image/pjpeg": _JPEG,
    "image/gif": frozenset({"image/gif"}),
    "image/webp": frozenset({"image/webp"}),
    "image/bmp": _BMP,
    "image/x-ms-bmp": _BMP,
    "image/tiff": frozenset({"image/tiff"}),
    "image/x-icon": _ICO,
    "image/vnd.microsoft.icon": _ICO,
    "application/pdf": frozenset({"application/pdf"}),
    "application/zip": _ZIP,
    "application/x-zip-compressed": _ZIP,
    **{document: frozenset({document, "application/zip"}) for document in _ZIP_BASED},
    "application/gzip": _GZIP,
    "application/x-gzip": _GZIP,
    "application/x-7z-compressed": frozenset({"application/x-7z-compressed"}),
    "application/vnd.rar": _RAR,
    "application/x-rar-compressed": _RAR,
}

#: Other formats libmagic identifies by a strong signature. A name outside these sets (its weak
#: guesses, such as ``image/x-tga`` for arbitrary bytes) counts as "nothing identifies it".
OTHER_FORMATS = frozenset(
    {
        "image/avif",
        "image/heic",
        "image/heif",
        "image/jxl",
        "image/jp2",
        "video/mp4",
        "video/quicktime",
        "video/webm",
        "video/x-matroska",
        "video/ogg",
        "video/x-msvideo",
        "audio/ogg",
        "audio/flac",
        "audio/x-flac",
        "audio/x-wav",
        "audio/wav",
        "audio/x-m4a",
        "audio/mp4",
        "font/woff",
        "font/woff2",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/x-ole-storage",
        "application/x-bzip2",
        "application/x-xz",
        "application/zstd",
        "application/x-tar",
        "application/vnd.sqlite3",
        "application/x-sqlite3",
    }
)
FORMATS = OTHER_FORMATS.union(*SIGNED_FORMATS.values())

#: Markup a browser renders, scripts included, when served as its own type.
MARKUP = frozenset(
    {"text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml"}
)

#: Content that runs: executables, and the languages image and print tools interpret
#: (PostScript for Ghostscript, MVG for ImageMagick).
PROGRAMS = frozenset(
    {
        "application/vnd.microsoft.portable-executable",
        "application/x-dosexec",
        "application/x-msdownload",
        "application/x-msi",
        "application/x-executable",
        "application/x-sharedlib",
        "application/x-pie-executable",
        "application/x-mach-binary",
        "application/x-java-applet",
        "application/x-shockwave-flash",
        "application/postscript",
        "image/x-mvg",
    }
)

#: Declared types that may hold anything: a program's own types, and the honest type of bytes
#: nobody named (the type Python and many browsers give a program).
ANYTHING_GOES = PROGRAMS | {
    DEFAULT_CONTENT_TYPE,
    "application/x-msdos-program",
    "application/x-ms-dos-executable",
    "application/x-elf",
    "application/eps",
    "image/x-eps",
}

#: Text that is not under ``text/`` or ``message/``.
TEXT_APPLICATION_TYPES = frozenset(
    {
        "application/json",
        "application/x-ndjson",
        "application/javascript",
        "application/ecmascript",
        "application/x-javascript",
        "application/yaml",
        "application/x-yaml",
        "application/toml",
        "application/sql",
        "application/csv",
        "application/x-sh",
    }
)

MEDIA_TOP_LEVELS = frozenset({"image", "audio", "video", "font"})

#: What, found in the first bytes of a media or PDF file, makes it a polyglot.
POLYGLOT_MARKERS = (
    b"<!doctype html",
    b"<html",
    b"<head",
    b"<body",
    b"<script",
    b"<iframe",
    b"<object",
    b"<embed",
    b"<svg",
    b"<?php",
)

# What the content was identified as, by kind.
FORMAT, MARKUP_KIND, PROGRAM, TEXT, UNKNOWN = "format", "markup", "program", "text", "unknown"


def refusal(declared: str, detected: str, head: bytes) -> str:
    """Why content identified as ``detected``, starting with ``head``, cannot be the ``declared``
    type: the 400's message, naming both types. Empty when it may be."""
    declared = essence(declared) or DEFAULT_CONTENT_TYPE
    detected = essence(detected) or DEFAULT_CONTENT_TYPE
    if not allowed(declared, detected):
        return (
            f"The file was declared '{declared}', but its content is '{detected}'. Send a file "
            "of the declared type, or declare the file's real type."
        )
    if marker := polyglot_marker(declared, head):
        return (
            f"The file was declared '{declared}' and its content is '{detected}', but its first "
            f"bytes also hold '{marker.decode()}' markup: a file that is two types at once is "
            "refused."
        )
    return ""


def allowed(declared: str, detected: str) -> bool:
    """Whether content identified as ``detected`` may be a file of the ``declared`` type
    (both essences: ``type/subtype`` in lower case)."""
    if declared in ANYTHING_GOES:
        return True
    kind = kind_of(detected)
    if kind in {TEXT, UNKNOWN}:
        return True
    if kind == PROGRAM:
        return False
    if declared in SIGNED_FORMATS:
        return detected in SIGNED_FORMATS[declared]
    if is_markup(declared) or is_text(declared):
        return kind == MARKUP_KIND
    if _top(declared) in MEDIA_TOP_LEVELS:
        return kind == FORMAT and _top(detected) in MEDIA_TOP_LEVELS
    return True


def kind_of(detected: str) -> str:
    """What kind of content a type libmagic named is: a format, markup, a program, text, or
    unknown (its weak guesses included)."""
    if detected in MARKUP:
        return MARKUP_KIND
    if detected in PROGRAMS:
        return PROGRAM
    if detected in FORMATS:
        return FORMAT
    if is_text(detected):
        return TEXT
    return UNKNOWN


def is_markup(media_type: str) -> bool:
    return media_type in MARKUP or media_type.endswith(("/xml", "+xml"))


def is_text(media_type: str) -> bool:
    return (
        _top(media_type) in {"text", "message"}
        or media_type in TEXT_APPLICATION_TYPES
        or media_type.endswith("+json")
    )


def polyglot_marker(declared: str, head: bytes) -> bytes | None:
    """The first marker of markup or PHP in ``head``, for a declared media or PDF file."""
    if is_markup(declared):
        return None
    if _top(declared) not in MEDIA_TOP_LEVELS and declared != "application/pdf":
        return None
    lowered = head.lower()
    return next((marker for marker in POLYGLOT_MARKERS if marker in lowered), None)


def _top(media_type: str) -> str:
    return media_type.partition("/")[0]
