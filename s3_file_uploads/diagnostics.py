"""The probes behind ``manage.py check_storage``: a backend's own checks, then a round trip.

A backend's :meth:`~s3_file_uploads.contract.StorageBackend.diagnose` checks what only it can
ask its cloud (credentials, the bucket, the CORS rules). The round trip here works the same for
every backend, through the contract alone: it signs an upload with ``presign_upload``, sends a
small object the way a browser does (a form ``POST`` or a ``PUT``), stats it, fetches it through
``presign_download`` and deletes it.

Instructions with absolute URLs go over HTTP (the standard library's client, so the core needs
no HTTP package). Root-relative URLs, which the local backend signs because Django itself serves
them, go through this site's own URL routing in-process (``django.test.Client``), or over HTTP
to ``base_url`` when one is given, to check the running site as a browser reaches it.
"""

from __future__ import annotations

import re
import secrets
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.conf import settings

from .conf import app_setting
from .contract import PRIVATE, Diagnosis, StorageBackend, UploadInstruction
from .disposition import content_disposition
from .errors import ObjectNotFound, StorageError
from .keys import generate_key
from .redaction import redact

PROBE_NAME = "check_storage.txt"
PROBE_BODY = b"Written by manage.py check_storage, and deleted by it; safe to delete.\n"
PROBE_TYPE = "text/plain"
#: Seconds the probe's signed URLs stay valid: long enough for one slow round trip.
PROBE_EXPIRY = 120
HTTP_TIMEOUT = 30
#: The part of a storage error answer worth printing (S3/GCS XML, Azure XML, JSON).
_ERROR_CODE = re.compile(rb"<Code>([^<]{1,100})</Code>|\"message\"\s*:\s*\"([^\"]{1,200})\"")


@dataclass(frozen=True)
class Answer:
    """What storage answered a request: its status and the start of its body."""

    status: int
    body: bytes


def diagnose(
    storage: StorageBackend,
    *,
    origins: Sequence[str],
    round_trip: bool = True,
    base_url: str | None = None,
) -> Iterator[Diagnosis]:
    """Every check of one backend, in order; the round trip is skipped after a blocking failure."""
    blocked = False
    try:
        for diagnosis in storage.diagnose(origins=origins):
            blocked = blocked or (diagnosis.failed and diagnosis.blocking)
            yield diagnosis
    except Exception as exc:  # a probe that raises is itself the finding
        yield Diagnosis(
            "backend probes",
            "fail",
            f"{type(exc).__name__}: {redact(exc)}",
            f"{type(storage).__name__}.diagnose() must not raise; report it to its maintainers.",
        )
    if not round_trip:
        yield Diagnosis("upload round trip", "skip", "--no-round-trip was given")
    elif blocked:
        yield Diagnosis("upload round trip", "skip", "fix the failures above first")
    else:
        yield from upload_round_trip(storage, base_url=base_url)


def upload_round_trip(
    storage: StorageBackend, *, base_url: str | None = None
) -> Iterator[Diagnosis]:
    """Sign, send, stat, download and delete one small object, one Diagnosis per step."""
    key = generate_key(app_setting("KEY_PREFIX"), PROBE_NAME)
    transport = _Transport(base_url)
    try:
        instruction = storage.presign_upload(
            key=key,
            max_size=len(PROBE_BODY),
            content_type=PROBE_TYPE,
            acl=PRIVATE,
            expires_in=PROBE_EXPIRY,
            size=len(PROBE_BODY),  # as the browser client declares it: the same instruction
        )
    except StorageError as error:
        yield Diagnosis(
            "sign an upload",
            "fail",
            _one_line(error),
            _hint(error, "Check the backend's settings."),
        )
        return
    try:
        answer = transport.send(instruction, PROBE_BODY)
    except OSError as exc:
        yield Diagnosis(
            "upload",
            "fail",
            f"{instruction.method} to {_origin_of(instruction.url)} failed: {_reason(exc)}",
            "Browsers send files to this address, so it must be reachable: check the "
            "backend's endpoint setting (and --base-url for a site-relative URL).",
        )
        return
    if answer.status >= 300:
        yield Diagnosis(
            "upload",
            "fail",
            f"storage answered {answer.status}{_error_code(answer.body)} to the signed "
            f"{instruction.method}",
            _upload_fix(answer.status),
        )
        _delete_quietly(storage, key)
        return
    yield Diagnosis(
        "upload", "pass", f"a signed {instruction.method} stored {len(PROBE_BODY)} bytes"
    )
    try:
        yield from _stat_download_delete(storage, key, transport)
    finally:
        _delete_quietly(storage, key)


def _stat_download_delete(
    storage: StorageBackend, key: str, transport: _Transport
) -> Iterator[Diagnosis]:
    try:
        info = storage.stat(key)
    except ObjectNotFound:
        yield Diagnosis(
            "stat",
            "fail",
            "storage accepted the upload but holds nothing under its key",
            "The upload URL and the backend's own calls reach different places: check that "
            "the endpoint and bucket settings agree.",
        )
        return
    except StorageError as error:
        yield Diagnosis(
            "stat",
            "fail",
            _one_line(error),
            _hint(error, "Check the credentials' read permission."),
        )
        return
    if info.size != len(PROBE_BODY):
        yield Diagnosis("stat", "fail", f"storage reports {info.size} bytes, not {len(PROBE_BODY)}")
        return
    yield Diagnosis("stat", "pass", f"{info.size} bytes of {info.content_type or 'no type'}")

    try:
        url = storage.presign_download(
            key=key,
            content_disposition=content_disposition(PROBE_NAME),
            content_type=PROBE_TYPE,
            expires_in=PROBE_EXPIRY,
        )
        answer = transport.get(url)
    except StorageError as error:
        yield Diagnosis(
            "download", "fail", _one_line(error), _hint(error, "Check the backend's settings.")
        )
    except OSError as exc:
        yield Diagnosis(
            "download",
            "fail",
            f"GET from {_origin_of(url)} failed: {_reason(exc)}",
            "Browsers fetch files from this address, so it must be reachable.",
        )
    else:
        if answer.status >= 300:
            yield Diagnosis(
                "download",
                "fail",
                f"storage answered {answer.status}{_error_code(answer.body)} to the signed GET",
                _upload_fix(answer.status),
            )
        elif answer.body != PROBE_BODY:
            yield Diagnosis(
                "download", "fail", "the signed GET answered other bytes than were sent"
            )
        else:
            yield Diagnosis("download", "pass", "the signed GET answered the same bytes")

    try:
        storage.delete(key)
        storage.stat(key)
    except ObjectNotFound:
        yield Diagnosis("delete", "pass", "the object is gone")
    except StorageError as error:
        yield Diagnosis(
            "delete",
            "fail",
            _one_line(error),
            _hint(error, "Check the credentials' delete permission."),
        )
    else:
        yield Diagnosis("delete", "fail", "the object is still stored after delete")


class _Transport:
    """Sends requests as a browser would: over HTTP, or through Django for site paths."""

    def __init__(self, base_url: str | None) -> None:
        self.base_url = base_url

    def send(self, instruction: UploadInstruction, body: bytes) -> Answer:
        headers = dict(instruction.headers)
        if instruction.method == "POST":
            data, content_type = _form(instruction.fields, body)
            headers["Content-Type"] = content_type
        else:
            data = body
        return self._request(instruction.method, instruction.url, data, headers)

    def get(self, url: str) -> Answer:
        return self._request("GET", url, None, {})

    def _request(
        self, method: str, url: str, data: bytes | None, headers: Mapping[str, str]
    ) -> Answer:
        if not urlsplit(url).scheme:
            if self.base_url:
                url = urljoin(self.base_url, url)
            else:
                return _through_django(method, url, data, headers)
        if urlsplit(url).scheme not in {"http", "https"}:
            raise OSError(f"not an http(s) URL: {urlsplit(url).scheme}://")
        request = urllib.request.Request(url, data=data, headers=dict(headers), method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:  # noqa: S310
                return Answer(response.status, response.read())
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, exc.read()[:4096])


def _through_django(
    method: str, path: str, data: bytes | None, headers: Mapping[str, str]
) -> Answer:
    """One request through this site's URL routing and middleware, in-process."""
    from django.test import Client

    host = next(
        (h.lstrip(".") for h in settings.ALLOWED_HOSTS if h.lstrip(".") not in {"", "*"}),
        "localhost",
    )
    client = Client(raise_request_exception=False, HTTP_HOST=host)
    extra = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    response = client.generic(
        method,
        path,
        data=data or b"",
        content_type=content_type or "application/octet-stream",
        secure=bool(getattr(settings, "SECURE_SSL_REDIRECT", False)),
        headers=extra,
    )
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return Answer(response.status_code, body)


def _form(fields: Mapping[str, str], body: bytes) -> tuple[bytes, str]:
    """A multipart form as a browser builds it: the fields first, the file last."""
    boundary = f"check-storage-{secrets.token_hex(12)}"
    chunks = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    chunks.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{PROBE_NAME}"'
        f"\r\nContent-Type: {PROBE_TYPE}\r\n\r\n".encode()
        + body
        + b"\r\n"
    )
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def _delete_quietly(storage: StorageBackend, key: str) -> None:
    try:
        storage.delete(key)
    except StorageError:
        pass  # already reported, or nothing was stored


def _error_code(body: bytes) -> str:
    match = _ERROR_CODE.search(body or b"")
    if not match:
        return ""
    return f" ({redact((match[1] or match[2]).decode('utf-8', 'replace'))})"


def _upload_fix(status: int) -> str:
    if status in {401, 403}:
        return (
            "Storage refused what the backend signed: check the credentials and that they may "
            "write to the bucket, the region, and this machine's clock."
        )
    if status == 404:
        return (
            "The signed URL names a bucket or container that does not exist there: check its "
            "name and the endpoint."
        )
    return "See the storage's answer above, and the backend's page in the docs."


def _one_line(error: StorageError) -> str:
    return " ".join(str(error).split())


def _hint(error: StorageError, default: str) -> str:
    return getattr(error, "hint", None) or default


def _origin_of(url: str) -> str:
    """Scheme and host of a URL, or the site path's first segment: never a signed query."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else "this site"


def _reason(exc: OSError) -> str:
    reason = getattr(exc, "reason", None) or exc
    return redact(reason)
