"""The local backend's file-system steps: temporary files, atomic publish, concatenation, pruning.

Each step leaves the disk in the old state or the new one, never half a file: bytes go to a
temporary file beside their target, are flushed, and only then linked or renamed into place.
Nothing here knows keys, grants or HTTP.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from .errors import InvalidPart

#: How much of a request body is read (and held in memory) at a time.
CHUNK_SIZE = 64 * 1024
#: How much of a part is read (and held in memory) at a time.
PART_CHUNK_SIZE = 1024 * 1024
#: Suffix of every temporary file (an upload, a part, an assembly, a sidecar), beside its target.
TEMP_SUFFIX = ".s3fu-part"


def temporary_file(directory: Path) -> Path:
    """A new empty file in ``directory`` (created if missing), named to stay out of listings."""
    # A concurrent delete may prune the directory between mkdir and mkstemp: try again.
    for attempt in range(3):
        directory.mkdir(parents=True, exist_ok=True)
        try:
            path, file = open_temporary(directory)
        except FileNotFoundError:
            if attempt == 2:
                raise
            continue
        file.close()
        return path
    raise AssertionError("unreachable")


def open_temporary(directory: Path) -> tuple[Path, BinaryIO]:
    """A new file in ``directory``, which must exist, open for writing; the caller removes it."""
    fd, name = tempfile.mkstemp(dir=directory, prefix=".", suffix=TEMP_SUFFIX)
    return Path(name), os.fdopen(fd, "wb")


def read_json(path: Path) -> dict[str, Any]:
    """The JSON object stored at ``path``, or ``{}`` when it is missing, unreadable or not one."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Replace ``path`` with ``data`` at once: readers see the old object or the new one."""
    staged = _flushed_json(path.parent, data)
    try:
        os.replace(staged, path)
    finally:
        staged.unlink(missing_ok=True)


def publish(content: Path, target: Path, *, sidecar: Path, meta: dict[str, Any]) -> bool:
    """Link the flushed ``content`` file to ``target``, create-only, then store ``meta`` beside.

    Returns ``False``, publishing nothing, when something already exists at ``target``. The
    sidecar is written and flushed before the link, so it follows within a rename. ``content``
    stays where it was: the caller removes it once it is linked or refused.
    """
    staged = _flushed_json(sidecar.parent, meta)
    try:
        try:
            os.link(content, target)
        except FileExistsError:
            return False
        os.replace(staged, sidecar)
    finally:
        staged.unlink(missing_ok=True)
    fsync_directory(target.parent)
    return True


def concatenate(sources: Sequence[tuple[Path, int]], target: Path) -> int:
    """Append each source file, which must hold exactly its size, to ``target``; flushed to disk.

    Streams (``copy_file_range`` where the OS has it, else ``PART_CHUNK_SIZE`` at a time), so no
    source is ever held in memory whole. Returns the bytes written; raises :class:`InvalidPart`
    for a source that is gone or has another size.
    """
    total = 0
    with target.open("wb", buffering=0) as out:
        for source, size in sources:
            try:
                src = source.open("rb", buffering=0)
            except FileNotFoundError:
                raise InvalidPart(f"part {source.name} is no longer stored") from None
            with src:
                if os.fstat(src.fileno()).st_size != size:
                    raise InvalidPart(f"part {source.name} is not {size} bytes any more")
                _copy(src, out, size)
            total += size
        os.fsync(out.fileno())
    return total


def fsync_directory(directory: Path) -> None:
    """Flush a directory's entries, so a file linked into it survives a crash; best effort."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def prune_empty(directory: Path, *, root: Path, keep: Collection[Path] = ()) -> None:
    """Remove empty directories from ``directory`` up to ``root``, stopping at any of ``keep``."""
    while directory != root and directory not in keep and directory.is_relative_to(root):
        try:
            directory.rmdir()
        except OSError:
            return
        directory = directory.parent


def discard(folder: Path) -> None:
    """Remove a folder and its files: renamed away first, so nothing writes into it meanwhile."""
    trash = folder.with_name(f".trash-{secrets.token_hex(8)}")
    try:
        os.rename(folder, trash)
    except FileNotFoundError:
        return
    shutil.rmtree(trash, ignore_errors=True)


def _flushed_json(directory: Path, data: dict[str, Any]) -> Path:
    staged = temporary_file(directory)
    try:
        with staged.open("w") as out:
            json.dump(data, out)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return staged


def _copy(src: BinaryIO, out: BinaryIO, size: int) -> None:
    left = size
    if hasattr(os, "copy_file_range"):
        try:
            while left:
                copied = os.copy_file_range(src.fileno(), out.fileno(), left)
                if not copied:
                    break
                left -= copied
        except OSError as exc:
            if exc.errno not in {errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP}:
                raise
    buffer = memoryview(bytearray(min(PART_CHUNK_SIZE, left))) if left else None
    while left:
        read = src.readinto(buffer[: min(len(buffer), left)])
        if not read:
            raise InvalidPart(f"a part ended {left} bytes early")
        view = buffer[:read]
        while view:
            view = view[os.write(out.fileno(), view) :]
        left -= read
