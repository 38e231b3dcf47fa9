"""Signed grants: what one storage link allows, as a named record that signs and loads itself.

A backend that Django serves itself (local disk, memory) puts a grant in each URL it signs; its
views trust nothing else. Each kind of grant has its own purpose, and each backend family its own
scope, together the signing salt (``s3_file_uploads.<scope>.<purpose>``), so a part token never
passes as an upload token, nor a memory token as a local one. The short wire keys are spelled once,
beside the field each one carries, and the expiry is checked in one place, :meth:`Grant.load`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Self

from django.core import signing

from s3_file_uploads.contract import Checksum

#: The scope of the local backend's tokens; the memory backend signs under its own.
LOCAL = "local"


class TokenExpired(signing.BadSignature):
    """A genuine token whose time is up; ``expired_at`` says when it ran out."""

    def __init__(self, expired_at: datetime) -> None:
        super().__init__(f"expired at {expired_at.isoformat().replace('+00:00', 'Z')}")
        self.expired_at = expired_at


def _as_is(value: Any) -> Any:
    return value


def _wire(
    key: str, load: Callable[[Any], Any] = _as_is, dump: Callable[[Any], Any] = _as_is
) -> dict[str, Any]:
    """A field's metadata: carried in the token under ``key``, converted by ``load``/``dump``."""
    return {"wire": key, "load": load, "dump": dump}


def _checksum(value: list[str]) -> Checksum:
    algorithm, digest = value
    return Checksum(algorithm, digest)


def _checksum_wire(checksum: Checksum) -> list[str]:
    return [checksum.algorithm, checksum.value]


@dataclass(frozen=True)
class Grant:
    """What every grant names: the backend configuration and the key; and how grants travel.

    A field left at its default stays off the wire, so tokens stay short.
    """

    #: Names the kind of link in the salt and in the views' refusals ("This upload link ...").
    purpose: ClassVar[str]

    backend: str = field(metadata=_wire("b"))
    key: str = field(metadata=_wire("k"))

    @classmethod
    def salt(cls, scope: str) -> str:
        return f"s3_file_uploads.{scope}.{cls.purpose}"

    def sign(self, *, scope: str) -> str:
        """The token that carries this grant, for links of the ``scope`` backend family."""
        data = {
            f.metadata["wire"]: f.metadata["dump"](getattr(self, f.name))
            for f in fields(self)
            if f.default is MISSING or getattr(self, f.name) != f.default
        }
        return signing.dumps(data, salt=self.salt(scope), compress=True)

    @classmethod
    def load(cls, token: str, *, scope: str) -> Self:
        """The grant a token carries; raises ``signing.BadSignature`` (or :class:`TokenExpired`)."""
        data = signing.loads(token, salt=cls.salt(scope))
        if not isinstance(data, dict):
            raise signing.BadSignature("malformed token")
        try:
            grant = cls(
                **{
                    f.name: f.metadata["load"](data[f.metadata["wire"]])
                    for f in fields(cls)
                    if f.metadata["wire"] in data
                }
            )
        except (TypeError, ValueError) as exc:
            raise signing.BadSignature("malformed token") from exc
        if time.time() > grant.expires_at:
            raise TokenExpired(datetime.fromtimestamp(grant.expires_at, UTC))
        return grant

    if TYPE_CHECKING:  # every kind declares it, in its own place among its fields
        expires_at: int


@dataclass(frozen=True)
class UploadGrant(Grant):
    """What one upload token allows: at most ``max_size`` bytes of ``content_type`` to ``key``."""

    purpose: ClassVar[str] = "upload"

    max_size: int = field(metadata=_wire("s", int))
    content_type: str = field(metadata=_wire("t"))
    expires_at: int = field(metadata=_wire("e", int))
    checksum: Checksum | None = field(default=None, metadata=_wire("c", _checksum, _checksum_wire))
    #: When the link was signed, in nanoseconds; a delete after it retires the link.
    signed_at: int = field(default=0, metadata=_wire("i", int))


@dataclass(frozen=True)
class PartGrant(Grant):
    """What one part token allows: exactly ``size`` bytes as part ``part_number`` of an upload."""

    purpose: ClassVar[str] = "part"

    upload_id: str = field(metadata=_wire("u"))
    part_number: int = field(metadata=_wire("n", int))
    size: int = field(metadata=_wire("s", int))
    expires_at: int = field(metadata=_wire("e", int))
    #: The SHA-256 (base64) the part's bytes must have, when the client declared one.
    checksum: str = field(default="", metadata=_wire("c"))


@dataclass(frozen=True)
class DownloadGrant(Grant):
    """What one download token allows: a GET of ``key`` served with these headers."""

    purpose: ClassVar[str] = "download"

    content_disposition: str = field(metadata=_wire("d"))
    content_type: str | None = field(metadata=_wire("t"))
    expires_at: int = field(metadata=_wire("e", int))


def load_upload_grant(token: str) -> UploadGrant:
    """The local upload grant a token carries (see :meth:`Grant.load`)."""
    return UploadGrant.load(token, scope=LOCAL)


def load_part_grant(token: str) -> PartGrant:
    """The local part grant a token carries (see :meth:`Grant.load`)."""
    return PartGrant.load(token, scope=LOCAL)


def load_download_grant(token: str) -> DownloadGrant:
    """The local download grant a token carries (see :meth:`Grant.load`)."""
    return DownloadGrant.load(token, scope=LOCAL)
