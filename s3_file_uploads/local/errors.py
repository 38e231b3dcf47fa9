"""Why a backend that Django serves itself refuses a request; its views turn each into a 4xx."""

from __future__ import annotations

from s3_file_uploads.errors import ObjectExists, StorageError, UploadRefused

__all__ = [
    "ChecksumMismatch",
    "IncompleteUpload",
    "InvalidKey",
    "InvalidPart",
    "KeyDeleted",
    "ObjectExists",
    "UploadTooLarge",
    "WrongPartLength",
]


class KeyDeleted(StorageError):
    """The key's object was deleted after this upload link was signed; the link stores nothing."""


class InvalidKey(StorageError):
    """The key is empty, absolute, or would resolve outside the storage root."""


class UploadTooLarge(UploadRefused):
    """More bytes arrived than the upload was signed for."""


class ChecksumMismatch(UploadRefused):
    """The bytes that arrived do not have the checksum the upload was signed with."""


class IncompleteUpload(StorageError):
    """The body ended before the length the client declared."""


class WrongPartLength(UploadRefused):
    """A part was sent with another length than the one its token binds."""


class InvalidPart(StorageError):
    """A part complete was given is no longer stored at its length (S3's ``InvalidPart``)."""
