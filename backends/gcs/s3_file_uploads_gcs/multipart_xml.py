"""The XML API's multipart documents: what GCS answers and what "complete" sends.

GCS's XML API speaks S3's multipart dialect (S3's namespace, or none); these functions read its
answers and build the one document the server sends. They parse answers of the configured
storage endpoint only, never client input.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from xml.etree import ElementTree

from s3_file_uploads.contract import StoredPart
from s3_file_uploads.errors import StorageError, StorageUnavailable

#: The most parts one XML API "list parts" answer holds.
LIST_PARTS_PAGE_SIZE = 1000
#: XML API error codes that are worth retrying later, whatever the status says.
UNAVAILABLE_XML_CODES = frozenset({"InternalError", "ServiceUnavailable", "SlowDown"})


def initiated_upload_id(body: bytes) -> str | None:
    """The ``UploadId`` of an ``InitiateMultipartUploadResult``."""
    return xml_text(xml_root(body), "UploadId")


def parse_list_parts(body: bytes) -> tuple[list[StoredPart], str | None]:
    """The parts of one ``ListPartsResult`` page, and the marker of the next page (if any)."""
    root = xml_root(body)
    parts = []
    for part in root.iterfind("{*}Part"):
        etag = (xml_text(part, "ETag") or "").strip('"')
        number, size = int(xml_text(part, "PartNumber") or 0), int(xml_text(part, "Size") or 0)
        parts.append(StoredPart(number, size, etag, _md5_of_etag(etag)))
    truncated = (xml_text(root, "IsTruncated") or "").lower() == "true"
    return parts, (xml_text(root, "NextPartNumberMarker") if truncated else None)


def _md5_of_etag(etag: str) -> str:
    """A part's MD5 in base64: a GCS part's ETag is its MD5 in hex; anything else says none."""
    try:
        digest = bytes.fromhex(etag)
    except ValueError:
        return ""
    return base64.b64encode(digest).decode() if len(digest) == 16 else ""


def complete_multipart_body(parts: Sequence[StoredPart]) -> bytes:
    """The ``CompleteMultipartUpload`` document: each part's number and (quoted) ETag."""
    root = ElementTree.Element("CompleteMultipartUpload")
    for part in parts:
        element = ElementTree.SubElement(root, "Part")
        ElementTree.SubElement(element, "PartNumber").text = str(part.part_number)
        ElementTree.SubElement(element, "ETag").text = f'"{part.etag}"'
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def xml_root(body: bytes) -> ElementTree.Element:
    """Parse an answer of the configured storage endpoint (never client input): the bundled
    expat resolves no external entity and refuses runaway entity expansion."""
    try:
        return ElementTree.fromstring(body)  # noqa: S314
    except ElementTree.ParseError as exc:
        raise StorageError(f"GCS answered with a document that is not XML: {body[:200]!r}") from exc


def xml_text(element: ElementTree.Element, name: str) -> str | None:
    """The text of ``element``'s child ``name``, in the S3 namespace GCS uses or in none."""
    child = element.find(f"{{*}}{name}")
    return child.text.strip() if child is not None and child.text else None


def xml_error(body: bytes) -> tuple[str | None, str]:
    """``Code`` and ``Message`` of an XML API ``<Error>`` document (or of whatever came)."""
    try:
        root = xml_root(body)
    except StorageError:
        return None, body[:200].decode("utf-8", "replace")
    return xml_text(root, "Code"), xml_text(root, "Message") or ""


def raise_for_error_document(body: bytes) -> None:
    """Raise the error a "complete" answer of 200 may carry in its body, as S3's does."""
    if not body.strip():
        return
    root = xml_root(body)
    if root.tag.rsplit("}", 1)[-1] != "Error":
        return
    code, message = xml_text(root, "Code"), xml_text(root, "Message") or ""
    if code in UNAVAILABLE_XML_CODES:
        raise StorageUnavailable(f"GCS answered {code}: {message}")
    raise StorageError(f"GCS refused to complete the upload: {code}: {message}")
