"""Signed links to a backend that Django serves itself, as its presign verbs make them.

The local and memory backends have no cloud in front of them: their storage endpoints are this
app's own views, named ``<link_scope>-<purpose>`` (``local-upload``, ``memory-download``) in the
``s3_file_uploads`` URL namespace, and each link carries a signed grant (:mod:`.grants`) that
the view checks (:func:`.replies.verify_link`) before it reads a byte.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import ClassVar

from django.urls import NoReverseMatch, reverse

from s3_file_uploads.contract import StorageBackend, UploadInstruction, UploadSpec
from s3_file_uploads.errors import BackendConfigurationError

from .grants import DownloadGrant, Grant, UploadGrant

URL_NAMESPACE = "s3_file_uploads"


class SignedLinkBackend(StorageBackend):
    """The presign verbs of a backend whose storage endpoints are this app's views.

    A subclass names ``link_scope`` (its tokens' salt and its views' URL names), sets
    ``base_url`` (prefixed to every link; empty gives root-relative links) and checks keys in
    ``_check_key``; ``max_upload_expiry``, when set, caps the life of an upload link.
    """

    link_scope: ClassVar[str]
    max_upload_expiry: ClassVar[int | None] = None
    base_url: str = ""

    def sign_upload(self, upload: UploadSpec) -> UploadInstruction:
        self._check_key(upload.key)
        self.map_acl(upload.acl)
        expires_in = upload.expires_in
        if self.max_upload_expiry is not None:
            expires_in = min(expires_in, self.max_upload_expiry)
        grant = UploadGrant(
            backend=self.name,
            key=upload.key,
            max_size=upload.max_size,
            content_type=upload.content_type,
            expires_at=int(time.time()) + expires_in,
            checksum=upload.checksum,
            signed_at=time.time_ns(),
        )
        return UploadInstruction(
            method="PUT",
            url=self.link(grant),
            headers={"Content-Type": upload.content_type},
            expires_at=datetime.fromtimestamp(grant.expires_at, UTC),
        )

    def presign_download(
        self, *, key: str, content_disposition: str, content_type: str | None, expires_in: int
    ) -> str:
        self._check_key(key)
        expires_at = int(time.time()) + expires_in
        grant = DownloadGrant(self.name, key, content_disposition, content_type, expires_at)
        return self.link(grant)

    def link(self, grant: Grant) -> str:
        """The URL of the view that honours ``grant``, with the grant signed into it."""
        view = f"{self.link_scope}-{grant.purpose}"
        token = grant.sign(scope=self.link_scope)
        try:
            path = reverse(f"{URL_NAMESPACE}:{view}", args=[token, grant.key])
        except NoReverseMatch as exc:
            raise BackendConfigurationError(
                f"The {self.link_scope} backend's '{view}' URL is not installed.",
                hint='Include the app\'s URLs: path("...", include("s3_file_uploads.urls")).',
            ) from exc
        return self.base_url + path

    def _check_key(self, key: str) -> None:
        """Raise a :class:`~s3_file_uploads.errors.StorageError` for a key this storage refuses."""
        raise NotImplementedError
