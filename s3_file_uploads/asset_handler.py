"""0.1.0's asset handler (``UploadedFile.asset_handler``), on the backend contract.

0.1.0 code called a boto3 client through ``S3AssetHandler``; the same methods now sign through
whichever backend holds the object. ``open_content`` and ``upload_data`` read and write the
bytes on the server through the contract's streaming ``open_read`` and ``write``.
"""

from __future__ import annotations

import shutil
from io import BytesIO
from typing import Any

from .conf import app_setting, max_upload_size
from .contract import PRIVATE, StorageBackend
from .disposition import content_disposition
from .media_types import DEFAULT_CONTENT_TYPE
from .registry import get_backend

#: How much of an object open_content copies at a time.
COPY_CHUNK_SIZE = 1024 * 1024


class AssetHandler:
    """Signs for one object key on one backend configuration (the default one when ``None``).

    ``content_type`` and ``max_size`` are what :meth:`get_upload_form` signs: an upload row's own
    (see :attr:`UploadedFile.asset_handler`), or ``application/octet-stream`` and
    ``MAX_FILE_UPLOAD_SIZE`` for a bare key.
    """

    def __init__(
        self,
        id: str,  # 0.1.0's name for the key
        backend: str | None = None,
        *,
        content_type: str = "",
        max_size: int | None = None,
    ) -> None:
        self.id = str(id)  # 0.1.0 accepted a UUID as well
        self.backend = backend or None
        self.content_type = content_type
        self.max_size = max_size

    @property
    def storage(self) -> StorageBackend:
        return get_backend(self.backend)

    def get_upload_form(self, acl_type: str = PRIVATE, expiry: int | None = None) -> dict[str, Any]:
        """A signed upload instruction for this key, changing no upload row.

        Has 0.1.0's ``url`` and ``fields``, plus the instruction's ``method``, ``headers`` and
        ``expires_at`` (a ``PUT`` backend's form has no fields: send the body with the headers).
        """
        instruction = self.storage.presign_upload(
            key=self.id,
            max_size=self.max_size or max_upload_size(),
            content_type=self.content_type or DEFAULT_CONTENT_TYPE,
            acl=acl_type,
            expires_in=expiry or app_setting("UPLOAD_EXPIRY"),
        )
        return instruction.as_dict()

    def get_view_url(self, filename: str, duration: int | None = None) -> str:
        """A short-lived URL that shows the file in the browser where that is safe."""
        return self._signed_url(filename, inline=True, duration=duration)

    def get_download_url(self, filename: str, duration: int | None = None) -> str:
        """A short-lived URL that downloads the file under ``filename``."""
        return self._signed_url(filename, inline=False, duration=duration)

    def open_content(self) -> BytesIO:
        """The whole object in memory, as 0.1.0 gave it; for large files stream with
        ``UploadedFile.open()`` instead, which never holds more than a chunk."""
        data = BytesIO()
        with self.storage.open_read(self.id) as stream:
            shutil.copyfileobj(stream, data, COPY_CHUNK_SIZE)
        data.seek(0)
        return data

    def upload_data(self, content: bytes) -> None:
        """Store ``content`` under this key. Unlike 0.1.0, an existing object is not replaced
        where the backend can refuse it (``ObjectExists``): delete it first."""
        self.storage.write(
            self.id,
            BytesIO(content),
            content_type=self.content_type or DEFAULT_CONTENT_TYPE,
            size=len(content),
        )

    def _signed_url(self, filename: str, *, inline: bool, duration: int | None) -> str:
        return self.storage.presign_download(
            key=self.id,
            content_disposition=content_disposition(
                filename,
                inline=inline,
                content_type=self.content_type,
                inline_types=app_setting("INLINE_CONTENT_TYPES"),
            ),
            content_type=self.content_type or None,
            expires_in=duration or app_setting("DOWNLOAD_EXPIRY"),
        )
