"""The hooks a plugin may implement. Plugins load from the ``s3_file_uploads`` entry-point group,
from the modules listed in ``S3_FILE_UPLOADS["PLUGINS"]``, and (for the built-in local backend)
by the core itself, all through the same specs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from .contract import ObjectInfo, StorageBackend
    from .models import UploadedFile
    from .profiles import Profile

PROJECT_NAME = "s3_file_uploads"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def s3_file_uploads_backends() -> Mapping[str, type[StorageBackend]]:
    """Return the backend classes this plugin provides, by name (``{"s3": S3Backend}``).

    Called once, when the registry is first built. A name provided by two plugins is a
    configuration error reported by the system checks.
    """


@hookspec
def s3_file_uploads_before_create(
    request: Any, profile: Profile, name: str, content_type: str, size: int | None
) -> str | None:
    """Called on create, after the request passed validation, before anything is signed or
    stored: ``profile`` is the :class:`~s3_file_uploads.profiles.Profile` asked for, ``name``
    the file's display name, ``content_type`` its declared (or guessed) type, ``size`` its
    declared size or ``None``.

    Return a reason (a string) to refuse: the client gets it in a 403 and nothing is created.
    Return ``None`` to allow. Every implementation is called; the first reason wins. An exception
    propagates as a server error, and nothing is created either.
    """


@hookspec
def s3_file_uploads_upload_created(upload: UploadedFile, request: Any) -> None:
    """Called after an upload row is saved and its instruction signed, before the reply is sent.

    The return value is ignored. An exception propagates to the client as a server error, so a
    hook that may fail should catch its own errors.
    """


@hookspec
def s3_file_uploads_before_complete(upload: UploadedFile, info: ObjectInfo) -> str | None:
    """Called on complete, after storage confirmed the object and the built-in checks passed.

    Return a reason (a string) to refuse the upload: the object is deleted, the row becomes
    ``FAILED`` and the client receives the reason in a 400. Return ``None`` to accept. Every
    implementation is called; the first reason wins.
    """


@hookspec
def s3_file_uploads_upload_completed(upload: UploadedFile) -> None:
    """Called once per upload, after the row became ``COMPLETED``. The return value is ignored."""


@hookspec
def s3_file_uploads_upload_deleted(upload: UploadedFile) -> None:
    """Called after an upload's object and row were deleted. The return value is ignored."""
