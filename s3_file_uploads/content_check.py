"""The type from the content: on complete, the stored object's first bytes are read (one ranged
read of at most :data:`HEAD_BYTES`, never the whole object), libmagic names their type, and
:mod:`.content_rules` decides whether that may be what the client declared.

libmagic (through python-magic) was chosen over the pure-Python identifiers because it is the
only one that tells plain text, CSV, HTML, SVG and XML apart and names PE executables, Office
documents and the scripts image tools run (MVG, PostScript); see docs/security.md.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import closing
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from .content_rules import refusal
from .contract import ObjectInfo, StorageBackend
from .errors import UploadRefused
from .media_types import DEFAULT_CONTENT_TYPE, essence
from .models import UploadedFile
from .profiles import get_profile

logger = logging.getLogger(__name__)

#: Bytes read from the start of every object: libmagic finds every signature the rules use in
#: them, and a ZIP-based document's member names in most (see content_rules._ZIP_BASED).
HEAD_BYTES = 4096
INSTALL_HINT = (
    "Install libmagic (Debian and Ubuntu: apt-get install libmagic1; macOS: brew install "
    "libmagic) and python-magic, or set 'CHECK_CONTENT': False in S3_FILE_UPLOADS or the profile."
)

_detector: Any = None
_detector_lock = threading.Lock()
_unreadable_backends: set[str] = set()


def inspect_content(upload: UploadedFile, info: ObjectInfo) -> str:
    """The type identified from the stored object's first bytes, for the row's ``detected_type``.

    Empty when the upload's profile does not check content, or its backend cannot read objects
    back (``capabilities.server_side_io``; logged once per backend). Raises UploadRefused, with
    a message naming both types, when the content contradicts the declared type, and
    ObjectNotFound when the object went away after it was stat'ed.
    """
    profile = get_profile(upload.profile) or get_profile(None)
    if profile is None or not profile.check_content:
        return ""
    storage = upload.storage
    if not storage.capabilities.server_side_io:
        _warn_unreadable(upload.backend or storage.name)
        return ""
    started = time.perf_counter()
    key = upload.get_file_key()
    head = read_head(storage, key, info.size)
    detected = identify(head)
    declared = upload.content_type or info.content_type or DEFAULT_CONTENT_TYPE
    logger.debug(
        "Content of upload %s (backend %s, key %s): declared %s, identified %s in %.1f ms",
        upload.pk,
        upload.backend,
        key,
        declared,
        detected,
        (time.perf_counter() - started) * 1000,
    )
    if reason := refusal(declared, detected, head):
        raise UploadRefused(reason)
    return detected


def read_head(storage: StorageBackend, key: str, size: int) -> bytes:
    """At most :data:`HEAD_BYTES` from the start of the object, in one ranged read."""
    wanted = min(HEAD_BYTES, size)
    chunks: list[bytes] = []
    if wanted < 1:
        return b""
    with closing(storage.open_read(key, start=0, end=wanted - 1)) as stream:
        while wanted > 0 and (chunk := stream.read(wanted)):
            chunks.append(chunk)
            wanted -= len(chunk)
    return b"".join(chunks)


def identify(head: bytes) -> str:
    """The media type libmagic names for ``head``; ``application/octet-stream`` when it names
    none. Raises ImproperlyConfigured when libmagic cannot be loaded."""
    detector = _libmagic()
    try:
        detected = essence(detector.from_buffer(head))
    except Exception as error:  # python-magic's MagicException: libmagic gave up on the bytes
        logger.warning("libmagic could not identify %d bytes: %s", len(head), error)
        return DEFAULT_CONTENT_TYPE
    # libmagic's rule for DOS .COM programs matches about one random file in a hundred; only a
    # head that starts like a DOS or Windows program ("MZ") is one.
    if detected == "application/x-dosexec" and not head.startswith(b"MZ"):
        return DEFAULT_CONTENT_TYPE
    return detected or DEFAULT_CONTENT_TYPE


def libmagic_problem() -> str:
    """Why libmagic cannot be used here, or "" when it can (for the system check)."""
    try:
        _libmagic()
    except ImproperlyConfigured as error:
        return str(error)
    return ""


def _libmagic() -> Any:
    global _detector
    if _detector is None:
        with _detector_lock:
            if _detector is None:
                _detector = _load_libmagic()
    return _detector


def _load_libmagic() -> Any:
    try:
        import magic
    except ImportError as error:  # python-magic raises ImportError when libmagic is missing
        raise ImproperlyConfigured(
            f"The content check needs libmagic, which cannot be loaded ({error}). {INSTALL_HINT}"
        ) from error
    if not hasattr(magic, "Magic"):
        raise ImproperlyConfigured(
            "The module 'magic' is not python-magic (file-magic shares its name); the content "
            f"check needs python-magic. {INSTALL_HINT}"
        )
    return magic.Magic(mime=True)


def _warn_unreadable(backend: str) -> None:
    if backend not in _unreadable_backends:
        _unreadable_backends.add(backend)
        logger.warning(
            "The '%s' backend cannot read objects back (capabilities.server_side_io is false): "
            "the content of its uploads is not checked, and their detected_type stays empty.",
            backend,
        )
