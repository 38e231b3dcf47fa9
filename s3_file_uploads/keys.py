"""Object keys are the server's: a random, unguessable part under a prefix, then a safe name.

Client input (``file_key`` or ``filename``) only ever becomes the last path segment, cleaned, so
it can neither climb out of the prefix nor land on another upload's key.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

MAX_NAME_LENGTH = 100
#: The name segment's cap in UTF-8 bytes. The tightest limit of any backend is a file system's
#: 255 bytes per path segment (the local backend adds ``.json`` for its sidecar); the clouds
#: cap whole keys at 1024 bytes (S3, GCS) or characters (Azure), which ``KEY_PREFIX``'s system
#: check keeps room for.
MAX_NAME_BYTES = 200
#: Longest ``KEY_PREFIX`` in UTF-8 bytes: with the random part and the name, a key stays within
#: every cloud's 1024.
MAX_PREFIX_BYTES = 512
FALLBACK_NAME = "file"
#: Unicode categories dropped from names: controls, format characters (bidi overrides, zero
#: widths), surrogates, and line and paragraph separators (U+2028, U+2029), which end a line.
LINE_BREAKING_OR_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_UNSAFE = re.compile(r"[^\w.\- ]+")
_RUNS = re.compile(r"[_ ]{2,}")


def generate_key(prefix: str, name: str) -> str:
    """``prefix`` + 32 random hex characters + ``/`` + the sanitised ``name``."""
    return f"{prefix}{secrets.token_hex(16)}/{safe_name(name)}"


def safe_name(name: str) -> str:
    """One path segment of letters, digits, ``.-_`` and spaces, keeping the extension."""
    name = unicodedata.normalize("NFKC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] not in "CZ" or ch == " ")
    name = _RUNS.sub("_", _UNSAFE.sub("_", name)).strip(" ._")
    if len(name) > MAX_NAME_LENGTH or len(name.encode()) > MAX_NAME_BYTES:
        stem, dot, ext = name.rpartition(".")
        ext = f".{_cut(ext, 16, 16)}" if dot and stem else ""
        stem = stem if dot and stem else name
        room = MAX_NAME_LENGTH - len(ext), MAX_NAME_BYTES - len(ext.encode())
        name = _cut(stem, *room).rstrip(" ._") + ext
    return name or FALLBACK_NAME


def _cut(text: str, max_characters: int, max_bytes: int) -> str:
    """The longest start of ``text`` within both caps, never splitting a character."""
    text = text[:max_characters]
    while len(text.encode()) > max_bytes:
        text = text[: -max(1, (len(text.encode()) - max_bytes) // 4)]
    return text


def clean_display_name(name: str, max_length: int = 255) -> str:
    """The filename shown to people: any text, minus controls, bidi overrides and line breaks."""
    name = unicodedata.normalize("NFC", name or "")
    cleaned = "".join(
        ch for ch in name if unicodedata.category(ch) not in LINE_BREAKING_OR_INVISIBLE
    )
    return cleaned.strip()[:max_length]
