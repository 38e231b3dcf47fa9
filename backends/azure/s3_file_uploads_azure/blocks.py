"""How a multipart upload maps onto Azure blocks: Put Block limits, upload ids, block ids.

A multipart upload stages one block per part on a staging blob of its own. Its upload id names
that blob and carries the content type complete sets; each block id is the part number in six
digits, one length for every block of a blob, as Azure requires.
"""

from __future__ import annotations

import base64
import re
import secrets
from urllib.parse import quote

from s3_file_uploads.errors import ObjectNotFound

#: Put Block limits: the largest block and the most blocks one blob commits.
MAXIMUM_UPLOAD_PART_SIZE = 4000 * 1024 * 1024
MAXIMUM_UPLOAD_PARTS_COUNT = 50_000
#: Azure has no smallest block; this floor keeps a big file from becoming 50,000 tiny requests.
MINIMUM_UPLOAD_PART_SIZE = 1024 * 1024
#: Block ids are the part number in six digits (base64 on the wire): one length for every
#: block of a blob, as Azure requires, and room for MAXIMUM_UPLOAD_PARTS_COUNT.
BLOCK_ID_DIGITS = 6
_UPLOAD_TOKEN = re.compile(r"[0-9a-f]{32}")
_BLOCK_ID = re.compile(rf"[0-9]{{{BLOCK_ID_DIGITS}}}")


def new_upload_id(content_type: str) -> str:
    """``TOKEN:CONTENT_TYPE``: a random token that names the staging blob, and the type."""
    return f"{secrets.token_hex(16)}:{content_type}"


def parse_upload_id(upload_id: str) -> tuple[str, str]:
    """``TOKEN:CONTENT_TYPE`` as start_multipart made it; anything else is no upload of ours."""
    token, _, content_type = upload_id.partition(":")
    if not _UPLOAD_TOKEN.fullmatch(token):
        raise ObjectNotFound(f"no multipart upload has the id {upload_id!r}")
    return token, content_type


def block_id(part_number: int) -> str:
    """The id of the block that holds part ``part_number``."""
    return f"{part_number:0{BLOCK_ID_DIGITS}d}"


def block_id_parameter(part_number: int) -> str:
    """The ``blockid`` of a Put Block URL: the block id in base64, quoted for a query string."""
    encoded = base64.b64encode(block_id(part_number).encode("ascii")).decode("ascii")
    return quote(encoded, safe="")


def part_number(block: str) -> int | None:
    """The part a staged block holds, or None for a block this backend did not name."""
    if not _BLOCK_ID.fullmatch(block or ""):
        return None
    number = int(block)
    return number if 1 <= number <= MAXIMUM_UPLOAD_PARTS_COUNT else None
