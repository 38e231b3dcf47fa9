"""XML API multipart uploads on GCS, tested without a GCS emulator that speaks them.

fake-gcs-server has no XML multipart API (the last test here shows it), so:

- the part URLs are decoded and their V4 signature verified with the public half of the test's
  own key: method, path, ``partNumber``/``uploadId`` and the signed ``content-length``;
- the XML documents are built and parsed in the shapes the XML API reference gives them;
- the requests the server side sends (initiate, list, complete, abort) are captured by a real
  HTTP server on loopback, which answers with those documents and with XML API errors;
- the whole flow runs against moto's S3, since GCS documents its XML multipart API as
  compatible with S3's. moto checks no signature and ignores ``x-goog-*`` headers, so that proves
  the protocol, not GCS's enforcement.
"""

from __future__ import annotations

import http.server
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import pytest
import requests
from cryptography.exceptions import InvalidSignature
from gcs_signatures import verify_v4
from s3_file_uploads_gcs import GCSBackend
from s3_file_uploads_gcs.backend import (
    MAXIMUM_SIGNED_EXPIRY,
    MAXIMUM_UPLOAD_PART_SIZE,
    MAXIMUM_UPLOAD_PARTS_COUNT,
    MINIMUM_UPLOAD_PART_SIZE,
    _raise_for_error_document,
    complete_multipart_body,
    parse_list_parts,
)

from s3_file_uploads.contract import StoredPart
from s3_file_uploads.errors import ObjectNotFound, StorageError, StorageUnavailable
from tests.servers.fake_gcs import CLIENT_EMAIL
from tests.servers.moto import s3_client

KEY = "uploads/ab c/big.bin"
UPLOAD_ID = "VXBsb2FkIElEIGZvciBlbHZpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA"
S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"

# XML API documents, in the shapes of the reference pages' examples (single-quoted prolog,
# the S3 namespace, quoted ETags).
INITIATE_RESULT = f"""<?xml version='1.0' encoding='UTF-8'?>
<InitiateMultipartUploadResult xmlns='{S3_NS}'>
  <Bucket>travel-maps</Bucket>
  <Key>paris.jpg</Key>
  <UploadId>{UPLOAD_ID}</UploadId>
</InitiateMultipartUploadResult>"""

LIST_PARTS_TRUNCATED = f"""<?xml version='1.0' encoding='UTF-8'?>
<ListPartsResult xmlns='{S3_NS}'>
  <Bucket>travel-maps</Bucket>
  <Key>paris.jpg</Key>
  <UploadId>{UPLOAD_ID}</UploadId>
  <StorageClass>STANDARD</StorageClass>
  <PartNumberMarker>1</PartNumberMarker>
  <NextPartNumberMarker>3</NextPartNumberMarker>
  <MaxParts>2</MaxParts>
  <IsTruncated>true</IsTruncated>
  <Part>
    <PartNumber>2</PartNumber>
    <LastModified>2021-11-10T20:48:34.000Z</LastModified>
    <ETag>"7778aef83f66abc1fa1e8477f296d394"</ETag>
    <Size>10485760</Size>
  </Part>
  <Part>
    <PartNumber>3</PartNumber>
    <LastModified>2021-11-10T20:48:33.000Z</LastModified>
    <ETag>"aaaa18db4cc2f85cedef654fccc4a4x8"</ETag>
    <Size>10485760</Size>
  </Part>
</ListPartsResult>"""

LIST_PARTS_LAST_PAGE = f"""<?xml version='1.0' encoding='UTF-8'?>
<ListPartsResult xmlns='{S3_NS}'>
  <Bucket>travel-maps</Bucket>
  <Key>paris.jpg</Key>
  <UploadId>{UPLOAD_ID}</UploadId>
  <StorageClass>STANDARD</StorageClass>
  <PartNumberMarker>3</PartNumberMarker>
  <NextPartNumberMarker>4</NextPartNumberMarker>
  <MaxParts>1000</MaxParts>
  <IsTruncated>false</IsTruncated>
  <Part>
    <PartNumber>4</PartNumber>
    <LastModified>2021-11-10T20:48:35.000Z</LastModified>
    <ETag>"e9b3390206d8dfc5ffc9b09284c0bbde"</ETag>
    <Size>1234</Size>
  </Part>
</ListPartsResult>"""

COMPLETE_RESULT = f"""<?xml version='1.0' encoding='UTF-8'?>
<CompleteMultipartUploadResult xmlns='{S3_NS}'>
  <Location>http://travel-maps.storage.googleapis.com/paris.jpg</Location>
  <Bucket>travel-maps</Bucket>
  <Key>paris.jpg</Key>
  <ETag>"7fc8e9ba1a0fdba7e4de7ccd11d9ed8d-13"</ETag>
</CompleteMultipartUploadResult>"""


def error_document(code: str, message: str = "") -> str:
    return (
        "<?xml version='1.0' encoding='UTF-8'?>"
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    )


def make_backend(settings, **options) -> GCSBackend:
    return GCSBackend(name="gcs", **{**GCSBackend.settings_defaults(settings), **options})


# --- what is declared ----------------------------------------------------------------------------


def test_capabilities_declare_the_xml_multipart_limits():
    caps = GCSBackend.capabilities

    assert caps.multipart is True
    assert caps.min_part_size == MINIMUM_UPLOAD_PART_SIZE == 5 * 1024 * 1024
    assert caps.max_part_size == MAXIMUM_UPLOAD_PART_SIZE == 5 * 1024**3
    assert caps.max_parts == MAXIMUM_UPLOAD_PARTS_COUNT == 10_000


def test_uniform_bucket_level_access_keeps_multipart_and_drops_only_the_acls(gcs_bucket, settings):
    backend = make_backend(settings, uniform_bucket_level_access=True)

    assert backend.capabilities.multipart is True
    assert backend.capabilities.acls == frozenset({"private"})
    assert backend.capabilities.checksums == GCSBackend.capabilities.checksums


# --- the part URL --------------------------------------------------------------------------------


def canonical_part_request(url: str, content_length: int) -> str:
    """The V4 canonical request of a PUT of ``content_length`` bytes to ``url``."""
    parts = urlsplit(url)
    canonical_query = parts.query.rpartition("&X-Goog-Signature=")[0]
    return "\n".join(
        [
            "PUT",
            parts.path,
            canonical_query,
            f"content-length:{content_length}\nhost:{parts.netloc}\n",
            "content-length;host",
            "UNSIGNED-PAYLOAD",
        ]
    )


def test_a_part_url_signs_the_put_the_part_and_its_exact_length(
    gcs_bucket, fake_gcs, gcs_service_account_file, settings
):
    backend = make_backend(settings)
    size = MINIMUM_UPLOAD_PART_SIZE + 3
    before = datetime.now(UTC).replace(microsecond=0)

    part = backend.presign_part(
        key=KEY, upload_id=UPLOAD_ID, part_number=7, size=size, expires_in=600
    )

    parts = urlsplit(part.url)
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}" == fake_gcs.url
    assert parts.path == f"/{gcs_bucket}/uploads/ab%20c/big.bin"
    assert query["partNumber"] == ["7"]
    assert query["uploadId"] == [UPLOAD_ID]
    assert query["X-Goog-Algorithm"] == ["GOOG4-RSA-SHA256"]
    assert query["X-Goog-Credential"][0].startswith(f"{CLIENT_EMAIL}/")
    assert query["X-Goog-SignedHeaders"] == ["content-length;host"]
    assert query["X-Goog-Expires"] == ["600"]
    assert before + timedelta(seconds=600) <= part.expires_at <= before + timedelta(seconds=602)
    # The browser sends Content-Length itself (it may not set it): no header to pass on.
    assert (part.part_number, part.size, dict(part.headers)) == (7, size, {})
    # The method, the part, the upload and the length are what the test's key signed...
    verify_v4(part.url, canonical_part_request(part.url, size), gcs_service_account_file)
    # ...so a body of any other length does not match the signature GCS checks.
    with pytest.raises(InvalidSignature):
        verify_v4(part.url, canonical_part_request(part.url, size + 1), gcs_service_account_file)


def test_a_part_url_lasts_at_most_seven_days(gcs_bucket, settings):
    part = make_backend(settings).presign_part(
        key=KEY, upload_id=UPLOAD_ID, part_number=1, size=10, expires_in=30 * 86400
    )

    assert parse_qs(urlsplit(part.url).query)["X-Goog-Expires"] == [str(MAXIMUM_SIGNED_EXPIRY)]


def test_a_part_url_points_at_real_gcs_without_an_api_endpoint(gcs_bucket, settings):
    part = make_backend(settings, api_endpoint=None).presign_part(
        key=KEY, upload_id=UPLOAD_ID, part_number=1, size=10, expires_in=60
    )

    parts = urlsplit(part.url)
    assert (parts.scheme, parts.netloc) == ("https", "storage.googleapis.com")
    assert parts.path == f"/{gcs_bucket}/uploads/ab%20c/big.bin"


# --- the XML documents ---------------------------------------------------------------------------


def test_a_truncated_list_parts_page_gives_its_parts_and_the_next_marker():
    parts, next_marker = parse_list_parts(LIST_PARTS_TRUNCATED.encode())

    assert parts == [
        # A part's ETag is its MD5 in hex: its checksum; an ETag that is not one gives none.
        StoredPart(2, 10485760, "7778aef83f66abc1fa1e8477f296d394", "d3iu+D9mq8H6HoR38pbTlA=="),
        StoredPart(3, 10485760, "aaaa18db4cc2f85cedef654fccc4a4x8", ""),
    ]
    assert next_marker == "3"


def test_the_last_list_parts_page_has_no_next_marker():
    parts, next_marker = parse_list_parts(LIST_PARTS_LAST_PAGE.encode())

    md5 = "6bM5AgbY38X/ybCShMC73g=="
    assert parts == [StoredPart(4, 1234, "e9b3390206d8dfc5ffc9b09284c0bbde", md5)]
    assert next_marker is None


def test_a_list_without_parts_is_empty():
    body = f"<ListPartsResult xmlns='{S3_NS}'><IsTruncated>false</IsTruncated></ListPartsResult>"

    assert parse_list_parts(body.encode()) == ([], None)


def test_the_complete_document_lists_every_part_with_its_quoted_etag_in_order():
    body = complete_multipart_body([StoredPart(1, 5, "aaa"), StoredPart(2, 5, "bbb")])

    assert body.startswith(b"<?xml")
    root = ElementTree.fromstring(body)  # noqa: S314 (our own document)
    assert root.tag == "CompleteMultipartUpload"
    assert [
        (part.findtext("PartNumber"), part.findtext("ETag")) for part in root.findall("Part")
    ] == [("1", '"aaa"'), ("2", '"bbb"')]


def test_an_error_document_in_a_200_answer_is_an_error():
    _raise_for_error_document(COMPLETE_RESULT.encode())
    _raise_for_error_document(b"")

    with pytest.raises(StorageError, match="InvalidPart") as refused:
        _raise_for_error_document(error_document("InvalidPart", "One part is gone").encode())
    assert not isinstance(refused.value, StorageUnavailable)
    with pytest.raises(StorageUnavailable, match="InternalError"):
        _raise_for_error_document(error_document("InternalError", "Try again").encode())


# --- the requests, as a real HTTP server on loopback receives them -------------------------------


@dataclass
class XmlApi:
    """A loopback HTTP server that records each request and plays back scripted answers."""

    answers: list[tuple[int, str]] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)
    port: int = 0


@pytest.fixture
def xml_api() -> Iterator[XmlApi]:
    api = XmlApi()

    class Handler(http.server.BaseHTTPRequestHandler):
        def answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            parts = urlsplit(self.path)
            api.requests.append(
                {
                    "method": self.command,
                    "path": parts.path,
                    "query": parts.query,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": self.rfile.read(length) if length else b"",
                }
            )
            status, body = api.answers.pop(0) if api.answers else (500, "")
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/xml; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = answer

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    api.port = server.server_port
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield api
    server.shutdown()
    server.server_close()


def xml_backend(xml_api: XmlApi, gcs_service_account_file, **options) -> GCSBackend:
    return GCSBackend(
        bucket_name="travel-maps",
        credentials=str(gcs_service_account_file),
        api_endpoint=f"http://127.0.0.1:{xml_api.port}",
        api_endpoint_auth=False,
        retry_timeout=1,
        **options,
    )


def test_initiate_posts_uploads_with_the_type_and_the_acl(xml_api, gcs_service_account_file):
    xml_api.answers = [(200, INITIATE_RESULT), (200, INITIATE_RESULT)]
    backend = xml_backend(xml_api, gcs_service_account_file)

    upload_id = backend.start_multipart(key=KEY, content_type="image/jpeg", acl="private")
    backend.start_multipart(key=KEY, content_type="image/jpeg", acl="public-read")

    assert upload_id == UPLOAD_ID
    first, second = xml_api.requests
    assert (first["method"], first["path"], first["query"]) == (
        "POST",
        "/travel-maps/uploads/ab%20c/big.bin",
        "uploads",
    )
    assert first["headers"]["content-type"] == "image/jpeg"
    assert first["headers"]["x-goog-acl"] == "private"
    assert second["headers"]["x-goog-acl"] == "public-read"


def test_initiate_on_a_uniform_access_bucket_sends_no_acl(xml_api, gcs_service_account_file):
    xml_api.answers = [(200, INITIATE_RESULT)]
    backend = xml_backend(xml_api, gcs_service_account_file, uniform_bucket_level_access=True)

    backend.start_multipart(key=KEY, content_type="image/jpeg", acl="private")

    assert "x-goog-acl" not in xml_api.requests[0]["headers"]


def test_an_initiate_answer_without_an_upload_id_is_an_error(xml_api, gcs_service_account_file):
    xml_api.answers = [(200, f"<InitiateMultipartUploadResult xmlns='{S3_NS}'/>")]

    with pytest.raises(StorageError, match="UploadId"):
        xml_backend(xml_api, gcs_service_account_file).start_multipart(
            key=KEY, content_type="image/jpeg", acl="private"
        )


def test_list_parts_follows_the_next_part_number_marker(xml_api, gcs_service_account_file):
    xml_api.answers = [(200, LIST_PARTS_TRUNCATED), (200, LIST_PARTS_LAST_PAGE)]

    parts = xml_backend(xml_api, gcs_service_account_file).list_parts(key=KEY, upload_id=UPLOAD_ID)

    assert [p.part_number for p in parts] == [2, 3, 4]
    first, second = (parse_qs(r["query"]) for r in xml_api.requests)
    assert {r["method"] for r in xml_api.requests} == {"GET"}
    assert first == {"uploadId": [UPLOAD_ID], "max-parts": ["1000"]}
    assert second == {"uploadId": [UPLOAD_ID], "max-parts": ["1000"], "part-number-marker": ["3"]}


def test_complete_posts_the_parts_document_to_the_upload(xml_api, gcs_service_account_file):
    xml_api.answers = [(200, COMPLETE_RESULT)]
    parts = [StoredPart(1, 5, "aaa"), StoredPart(2, 5, "bbb")]

    xml_backend(xml_api, gcs_service_account_file).complete_multipart(
        key=KEY, upload_id=UPLOAD_ID, parts=parts
    )

    sent = xml_api.requests[0]
    assert (sent["method"], sent["path"]) == ("POST", "/travel-maps/uploads/ab%20c/big.bin")
    assert parse_qs(sent["query"]) == {"uploadId": [UPLOAD_ID]}
    assert sent["headers"]["content-type"] == "application/xml"
    assert sent["body"] == complete_multipart_body(parts)


def test_complete_answered_200_with_an_error_document_raises(xml_api, gcs_service_account_file):
    xml_api.answers = [(200, error_document("InvalidPart", "One or more parts are missing"))]

    with pytest.raises(StorageError, match="InvalidPart"):
        xml_backend(xml_api, gcs_service_account_file).complete_multipart(
            key=KEY, upload_id=UPLOAD_ID, parts=[StoredPart(1, 5, "aaa")]
        )


def test_abort_deletes_the_upload_and_a_gone_upload_is_fine(xml_api, gcs_service_account_file):
    xml_api.answers = [(204, ""), (404, error_document("NoSuchUpload", "gone"))]
    backend = xml_backend(xml_api, gcs_service_account_file)

    backend.abort_multipart(key=KEY, upload_id=UPLOAD_ID)
    backend.abort_multipart(key=KEY, upload_id=UPLOAD_ID)

    assert [(r["method"], parse_qs(r["query"])) for r in xml_api.requests] == [
        ("DELETE", {"uploadId": [UPLOAD_ID]}),
        ("DELETE", {"uploadId": [UPLOAD_ID]}),
    ]


def test_a_gone_upload_is_object_not_found_and_a_gone_bucket_is_not(
    xml_api, gcs_service_account_file
):
    xml_api.answers = [
        (404, error_document("NoSuchUpload", "The requested upload was not found.")),
        (404, error_document("NoSuchBucket", "The specified bucket does not exist.")),
    ]
    backend = xml_backend(xml_api, gcs_service_account_file)

    with pytest.raises(ObjectNotFound):
        backend.list_parts(key=KEY, upload_id=UPLOAD_ID)
    with pytest.raises(StorageError, match="no bucket") as caught:
        backend.list_parts(key=KEY, upload_id=UPLOAD_ID)
    assert not isinstance(caught.value, ObjectNotFound)


def test_server_errors_are_retried_then_storage_unavailable(xml_api, gcs_service_account_file):
    xml_api.answers = [(503, error_document("ServiceUnavailable", "busy"))] * 50

    with pytest.raises(StorageUnavailable):
        xml_backend(xml_api, gcs_service_account_file).list_parts(key=KEY, upload_id=UPLOAD_ID)

    assert len(xml_api.requests) > 1, "a 503 is retried"


def test_a_refusal_is_a_storage_error_with_the_xml_code(xml_api, gcs_service_account_file):
    xml_api.answers = [(400, error_document("EntityTooSmall", "Your proposed upload is small"))]

    with pytest.raises(StorageError, match="EntityTooSmall") as caught:
        xml_backend(xml_api, gcs_service_account_file).complete_multipart(
            key=KEY, upload_id=UPLOAD_ID, parts=[StoredPart(1, 5, "aaa")]
        )
    assert not isinstance(caught.value, ObjectNotFound | StorageUnavailable)
    assert len(xml_api.requests) == 1, "a refusal is not retried"


# --- the whole flow against an S3-compatible server (moto) ---------------------------------------


@pytest.fixture
def s3_compatible(moto_server, gcs_service_account_file) -> Iterator[tuple[GCSBackend, object]]:
    """The GCS backend pointed at moto, and a boto3 client to look at what moto stored."""
    bucket = f"xml-{uuid.uuid4().hex[:12]}"
    client = s3_client(moto_server)
    client.create_bucket(Bucket=bucket)
    backend = GCSBackend(
        bucket_name=bucket,
        credentials=str(gcs_service_account_file),
        api_endpoint=moto_server.url,
        api_endpoint_auth=False,
        retry_timeout=2,
    )
    yield backend, client


BIG = {
    1: b"1" * MINIMUM_UPLOAD_PART_SIZE,
    2: b"2" * MINIMUM_UPLOAD_PART_SIZE,
    3: b"tail of the file",
}


def put_parts(backend: GCSBackend, upload_id: str, numbers) -> None:
    for number in numbers:
        part = backend.presign_part(
            key=KEY, upload_id=upload_id, part_number=number, size=len(BIG[number]), expires_in=60
        )
        sent = requests.put(part.url, data=BIG[number], headers=dict(part.headers), timeout=30)
        assert sent.status_code == 200, sent.text


def test_the_flow_runs_on_an_s3_compatible_xml_api(s3_compatible):
    backend, client = s3_compatible
    upload_id = backend.start_multipart(key=KEY, content_type="video/mp4", acl="private")

    put_parts(backend, upload_id, (1, 3))
    assert [p.part_number for p in backend.list_parts(key=KEY, upload_id=upload_id)] == [1, 3]
    put_parts(backend, upload_id, (2,))
    parts = backend.list_parts(key=KEY, upload_id=upload_id)
    assert [(p.part_number, p.size) for p in parts] == [(n, len(BIG[n])) for n in (1, 2, 3)]
    assert all(p.etag and not p.etag.startswith('"') for p in parts)

    backend.complete_multipart(key=KEY, upload_id=upload_id, parts=parts)

    stored = client.get_object(Bucket=backend.bucket_name, Key=KEY)
    assert stored["ContentType"] == "video/mp4"
    assert stored["Body"].read() == b"".join(BIG[n] for n in (1, 2, 3))
    with pytest.raises(ObjectNotFound):
        backend.list_parts(key=KEY, upload_id=upload_id)


def test_abort_on_an_s3_compatible_xml_api_discards_the_upload(s3_compatible):
    backend, client = s3_compatible
    upload_id = backend.start_multipart(key=KEY, content_type="video/mp4", acl="private")
    put_parts(backend, upload_id, (1,))

    backend.abort_multipart(key=KEY, upload_id=upload_id)
    backend.abort_multipart(key=KEY, upload_id=upload_id)

    with pytest.raises(ObjectNotFound):
        backend.list_parts(key=KEY, upload_id=upload_id)
    assert client.list_objects_v2(Bucket=backend.bucket_name).get("KeyCount") == 0


def test_a_small_part_but_the_last_is_refused_on_complete(s3_compatible):
    backend, _ = s3_compatible
    upload_id = backend.start_multipart(key=KEY, content_type="video/mp4", acl="private")
    for number, data in ((1, BIG[3]), (2, BIG[2])):
        part = backend.presign_part(
            key=KEY, upload_id=upload_id, part_number=number, size=len(data), expires_in=60
        )
        requests.put(part.url, data=data, timeout=30).raise_for_status()

    with pytest.raises(StorageError, match="EntityTooSmall"):
        backend.complete_multipart(
            key=KEY, upload_id=upload_id, parts=backend.list_parts(key=KEY, upload_id=upload_id)
        )


# --- what fake-gcs-server cannot do --------------------------------------------------------------


def test_fake_gcs_server_still_has_no_xml_multipart_api(gcs_bucket, settings):
    """When this fails, fake-gcs-server learned XML multipart uploads: drop the skip in
    test_gcs_conformance.py and let the conformance kit's multipart tests run."""
    with pytest.raises(StorageError, match="invalid uploadType"):
        make_backend(settings).start_multipart(key=KEY, content_type="video/mp4", acl="private")
