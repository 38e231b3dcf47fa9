"""Tombstones: when each deleted key was deleted, so an upload link signed before stores nothing.

Without them a link handed out before a delete could still store an object that no row tracks.
A tombstone is a small file named by the key's SHA-256 that holds the delete's time in
nanoseconds; it is kept as long as any upload link can live, then swept.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from pathlib import Path

from .errors import KeyDeleted

#: Least time between two sweeps of expired tombstones by one process.
TOMBSTONE_SWEEP_INTERVAL = 3600


class Tombstones:
    """The tombstones in ``folder``, each kept ``keep_for`` seconds (the longest link life)."""

    def __init__(self, folder: Path, *, keep_for: int) -> None:
        self.folder = folder
        self.keep_for = keep_for
        self._last_sweep = 0.0

    def bury(self, key: str) -> None:
        """Record that ``key`` is deleted now."""
        tombstone = self._path(key)
        tombstone.parent.mkdir(parents=True, exist_ok=True)
        tombstone.write_text(str(time.time_ns()))

    def refuse_if_deleted_since(self, key: str, signed_at: int) -> None:
        """Raise :class:`KeyDeleted` when ``key`` was deleted at or after ``signed_at`` (in ns)."""
        try:
            deleted_at = int(self._path(key).read_text() or 0)
        except (FileNotFoundError, ValueError):
            return
        if signed_at <= deleted_at:
            raise KeyDeleted(f"'{key}' was deleted after this link was signed")

    def sweep(self) -> None:
        """Remove tombstones older than any upload link can live; at most once an interval."""
        now = time.time()
        if now - self._last_sweep < TOMBSTONE_SWEEP_INTERVAL:
            return
        self._last_sweep = now
        cutoff = now - self.keep_for
        with contextlib.suppress(FileNotFoundError), os.scandir(self.folder) as entries:
            for entry in entries:
                with contextlib.suppress(FileNotFoundError):
                    if entry.stat().st_mtime < cutoff:
                        os.unlink(entry.path)

    def _path(self, key: str) -> Path:
        return self.folder / hashlib.sha256(key.encode()).hexdigest()
