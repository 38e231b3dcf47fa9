"""Object keys are the server's: a random, unguessable part under a prefix, then a safe name.

Client input (``file_key`` or ``filename``) only ever becomes the last path segment, cleaned, so
it can neither climb out of the prefix nor land on another upload's key.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

MAX_NAME_LENGTH = 100
FALLBACK_NAME = "file"
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
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        ext = ext[:16] if dot and stem else ""
        name = name[: MAX_NAME_LENGTH - len(ext) - 1].rstrip(" ._") + (f".{ext}" if ext else "")
    return name or FALLBACK_NAME


def clean_display_name(name: str, max_length: int = 255) -> str:
    """The filename shown to people: any text, minus control and bidi-override characters."""
    name = unicodedata.normalize("NFC", name or "")
    cleaned = "".join(ch for ch in name if unicodedata.category(ch) not in {"Cc", "Cf", "Cs"})
    return cleaned.strip()[:max_length]
