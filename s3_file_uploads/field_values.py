"""What a form submits for an upload: a signed record of the upload, its profile and its owner.

A form may have no access to the request, so it cannot ask who is submitting. Instead the
server hands this record only to an upload's owner (in the complete reply), renders a kept-only
one for an upload already attached, and the form field checks it: the signature, its age, and
that the row still has the profile and the owner the record names. Encoded and decoded here only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.core import signing

from .models import UploadedFile

#: The purpose: a value signed for anything else never reads as a field value.
SALT = "s3_file_uploads.field_value"
#: How long a field value stays good after its upload last changed (completed, mostly): an
#: upload made at the top of a long form is still attachable when the form is sent hours later.
#: Dated by the row, not the clock, so the same upload always gets the same value (completing
#: twice answers the same reply).
MAX_AGE = 12 * 3600
#: The owner of an upload made by nobody logged in (a user's owner is the user's pk).
ANONYMOUS = None


class FieldValueInvalid(Exception):
    """The value was not signed here, or was changed after it was."""


@dataclass(frozen=True)
class FieldValue:
    """One upload as a form submits it."""

    upload_id: str
    profile: str
    owner: str | None
    signed_at: float
    #: Rendered for an attached upload: good only for keeping it where it is.
    keeps_only: bool = False

    def expired(self, max_age: int = MAX_AGE) -> bool:
        return time.time() - self.signed_at > max_age

    def owned_by(self, user: Any) -> bool:
        """Whether ``user`` (None or anonymous for nobody logged in) is the owner named."""
        if user is None or not user.is_authenticated:
            return self.owner is ANONYMOUS
        return self.owner == str(user.pk)

    def names_owner_of(self, row: UploadedFile) -> bool:
        """Whether the row still belongs to the owner this value was signed for."""
        if self.owner is ANONYMOUS:
            return row.user_id is None and row.anonymous
        return row.user_id is not None and str(row.user_id) == self.owner


def sign_field_value(upload: UploadedFile) -> str:
    """The value a form submits to attach ``upload``; give it only to the owner (or to whoever
    just posted its file)."""
    return signing.Signer(salt=SALT).sign_object(_record(upload))


def sign_kept_value(upload: UploadedFile) -> str:
    """The value a form renders for ``upload`` already attached: it keeps it, nothing more.
    Whoever sees the form (staff, a co-editor) may send it back to keep that upload, but it
    attaches it nowhere else, since they are not its owner."""
    return signing.Signer(salt=SALT).sign_object({**_record(upload), "keep": True})


def _record(upload: UploadedFile) -> dict[str, Any]:
    owner = ANONYMOUS if upload.user_id is None else str(upload.user_id)
    record = {"id": str(upload.pk), "profile": upload.profile, "owner": owner}
    return {**record, "at": upload.modified.timestamp()}


def read_field_value(value: str) -> FieldValue:
    """The record ``value`` holds, whatever its age (the caller decides whether that matters).

    Raises FieldValueInvalid for anything not signed here as a field value or a kept value.
    """
    try:
        record = signing.Signer(salt=SALT).unsign_object(value)
        return FieldValue(
            upload_id=str(record["id"]),
            profile=str(record["profile"]),
            owner=None if record["owner"] is None else str(record["owner"]),
            signed_at=float(record["at"]),
            keeps_only=record.get("keep", False) is True,
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise FieldValueInvalid(value) from None
