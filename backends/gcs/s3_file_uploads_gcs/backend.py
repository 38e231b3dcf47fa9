"""Google Cloud Storage (and fake-gcs-server) through google-cloud-storage."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any, BinaryIO
from urllib.parse import quote, urlencode

import google.auth.credentials
import google.auth.exceptions
import requests
from django.core import checks
from google.api_core import exceptions as api_exceptions
from google.cloud import storage
from google.cloud.storage.retry import DEFAULT_RETRY

from s3_file_uploads.conf import app_setting, options_from_settings
from s3_file_uploads.contract import (
    ACLS,
    MAXIMUM_UPLOAD_PART_SIZE,
    MAXIMUM_UPLOAD_PARTS_COUNT,
    MINIMUM_UPLOAD_PART_SIZE,
    PRIVATE,
    Capabilities,
    Diagnosis,
    NewObject,
    ObjectInfo,
    PartInstruction,
    PartSpec,
    StorageBackend,
    StoredPart,
    UploadInstruction,
    UploadSpec,
    expires_at,
)
from s3_file_uploads.cors import NO_ORIGINS_TO_CHECK, origin_diagnoses
from s3_file_uploads.error_boundary import log_failure, translated_errors
from s3_file_uploads.errors import (
    AclNotSupported,
    BackendConfigurationError,
    BucketNotFound,
    ObjectExists,
    ObjectNotFound,
    StorageError,
    StorageUnavailable,
)
from s3_file_uploads.redaction import redact
from s3_file_uploads.sized_source import sized_source
from s3_file_uploads.streams import from_chunks

from .cors import cors_shortfall, merge_cors_rules, upload_cors_rule
from .credentials import Signer, load_credentials
from .multipart_xml import (
    LIST_PARTS_PAGE_SIZE,
    complete_multipart_body,
    initiated_upload_id,
    parse_list_parts,
    raise_for_error_document,
    xml_error,
)
from .server_io import READ_CHUNK_SIZE, WRITE_CHUNK_SIZE, single_request_size

#: The backend, and names that moved to sibling modules but stay importable from here (the
#: XML API's part rules are S3's: the contract's defaults).
__all__ = [
    "MAXIMUM_UPLOAD_PARTS_COUNT",
    "MAXIMUM_UPLOAD_PART_SIZE",
    "MINIMUM_UPLOAD_PART_SIZE",
    "GCSBackend",
    "complete_multipart_body",
    "cors_shortfall",
    "merge_cors_rules",
    "parse_list_parts",
    "upload_cors_rule",
]

#: The name from when it lived in this module.
_raise_for_error_document = raise_for_error_document

logger = logging.getLogger(__name__)

#: GCS refuses a V4 signature (signed URL or POST policy) valid for longer than this.
MAXIMUM_SIGNED_EXPIRY = 7 * 24 * 3600
#: ``content-length-range`` is inclusive; an empty upload is never what the browser meant.
MINIMUM_UPLOAD_SIZE = 1
#: Status codes worth retrying later, besides every 5xx.
UNAVAILABLE_CODES = frozenset({408, 429})
#: How google-cloud-storage words a signBlob call that IAM answered (not a network failure).
IAM_REFUSAL_PREFIX = "Error calling the IAM"
PUBLIC_ACL_NAMES = frozenset({"public-read", "public-read-write", "publicRead", "publicReadWrite"})
#: Seconds to wait for the answer to "complete": assembling thousands of parts takes a while.
COMPLETE_READ_TIMEOUT = 300
#: Each option's flat Django setting: django-storages' names, and this backend's own (the last
#: two) in the same namespace.
SETTING_NAMES = {
    "bucket_name": "GS_BUCKET_NAME",
    "credentials": "GS_CREDENTIALS",
    "project_id": "GS_PROJECT_ID",
    "api_endpoint": "GS_API_ENDPOINT",
    "iam_sign_blob": "GS_IAM_SIGN_BLOB",
    "sa_email": "GS_SA_EMAIL",
    "default_acl": "GS_DEFAULT_ACL",
    "uniform_bucket_level_access": "GS_UNIFORM_BUCKET_LEVEL_ACCESS",
    "api_endpoint_auth": "GS_API_ENDPOINT_AUTH",
}


class GCSBackend(StorageBackend):
    """Signs create-only V4 PUTs (or V4 POST policies) for uploads and V4 signed GETs for
    downloads. Signing uses the credentials' private key, or the IAM signBlob API when they
    hold none.

    An upload of a declared size is a V4-signed ``PUT`` whose signed headers are the exact
    length (``Content-Length`` and ``x-goog-content-length-range``), the content type, the ACL
    (with fine-grained ACLs), a declared ``Content-MD5`` and ``x-goog-if-generation-match: 0``:
    GCS refuses other bytes, and a second PUT once the object exists (412), so the instruction
    cannot replace what complete checked. Without a size, a POST policy carries
    ``content-length-range``, the key, the type and the ACL; a POST form has no precondition and
    no checksum field (neither ``Content-MD5`` nor ``x-goog-hash``), so complete compares a
    declared MD5 with the one GCS computes itself.
    """

    #: The XML API's part rules are S3's: the contract's defaults.
    capabilities = Capabilities(
        enforces_size_limit=True,
        enforces_content_type=True,
        cors=True,
        acls=frozenset(ACLS),
        checksums=frozenset({"md5"}),
        multipart=True,
        server_side_io=True,
        part_checksum="md5",
    )

    def __init__(
        self,
        *,
        name: str = "",
        bucket_name: str | None = None,
        credentials: google.auth.credentials.Credentials | str | os.PathLike | None = None,
        project_id: str | None = None,
        api_endpoint: str | None = None,
        api_endpoint_auth: bool = True,
        iam_sign_blob: bool = False,
        sa_email: str | None = None,
        default_acl: str | None = None,
        uniform_bucket_level_access: bool = False,
        timeout: float = 10,
        retry_timeout: float = 30,
    ) -> None:
        super().__init__(name=name)
        if not bucket_name:
            raise BackendConfigurationError(
                f"The GCS backend configuration '{name}' has no bucket.",
                hint="Set GS_BUCKET_NAME, or 'bucket_name' in the configuration's OPTIONS.",
            )
        self.bucket_name = bucket_name
        self.default_acl = default_acl
        self.uniform_bucket_level_access = uniform_bucket_level_access
        if uniform_bucket_level_access:
            self.capabilities = dataclasses.replace(self.capabilities, acls=frozenset({PRIVATE}))
        self.timeout = timeout
        self._retry = DEFAULT_RETRY.with_delay(initial=0.1, maximum=2).with_timeout(retry_timeout)

        self._credentials, found_project = load_credentials(credentials, name)
        self._signer = Signer(
            self._credentials, sa_email=sa_email, iam_sign_blob=iam_sign_blob, name=name
        )
        #: True when URLs and policies are signed by the IAM signBlob API, not a local key.
        self.signs_with_iam = self._signer.uses_iam

        self.endpoint = (api_endpoint or "").rstrip("/") or None
        anonymous_api = self.endpoint is not None and not api_endpoint_auth
        self._client = storage.Client(
            project=project_id or found_project,
            credentials=(
                google.auth.credentials.AnonymousCredentials()
                if anonymous_api
                else self._credentials
            ),
            client_options={"api_endpoint": self.endpoint} if self.endpoint else None,
        )
        self._bucket = self._client.bucket(bucket_name)

    @classmethod
    def settings_defaults(cls, django_settings: Any) -> dict[str, Any]:
        return options_from_settings(SETTING_NAMES, settings=django_settings)

    def check(self) -> list[checks.CheckMessage]:
        messages: list[checks.CheckMessage] = []
        for setting in ("UPLOAD_EXPIRY", "DOWNLOAD_EXPIRY"):
            seconds = app_setting(setting)
            if isinstance(seconds, int | float) and seconds > MAXIMUM_SIGNED_EXPIRY:
                messages.append(
                    checks.Warning(
                        f"S3_FILE_UPLOADS['{setting}'] is {seconds} seconds, but a GCS V4 "
                        f"signature lasts at most {MAXIMUM_SIGNED_EXPIRY} seconds (7 days); "
                        f"the '{self.name}' backend signs for 7 days instead.",
                        hint=f"Set S3_FILE_UPLOADS['{setting}'] to {MAXIMUM_SIGNED_EXPIRY} "
                        "or less.",
                        id="s3_file_uploads_gcs.W001",
                    )
                )
        if self.default_acl in PUBLIC_ACL_NAMES:
            messages.append(
                checks.Warning(
                    f"GS_DEFAULT_ACL is '{self.default_acl}', but direct uploads do not use "
                    "it: each upload signs the ACL its request asked for, 'private' by default.",
                    hint="To make uploads public, add 'public-read' to "
                    "S3_FILE_UPLOADS['ALLOWED_ACLS'] and request it per upload.",
                    id="s3_file_uploads_gcs.W002",
                )
            )
        return messages

    def sign_upload(self, upload: UploadSpec) -> UploadInstruction:
        if upload.size is not None:
            return self._signed_put(upload)
        return self._signed_post(upload)

    def _signed_put(self, upload: UploadSpec) -> UploadInstruction:
        """A V4 PUT that only creates, of exactly ``upload.size`` bytes; the browser sends
        ``Content-Length`` (signed too) itself, so it is not among the headers to send."""
        expires_in = _capped(upload.expires_in)
        headers = {
            "Content-Type": upload.content_type,
            "x-goog-if-generation-match": "0",
            "x-goog-content-length-range": f"{upload.size},{upload.size}",
        }
        if gcs_acl := self.map_acl(upload.acl):
            headers["x-goog-acl"] = gcs_acl
        if upload.checksum is not None:  # md5, the one algorithm declared in capabilities
            headers["Content-MD5"] = upload.checksum.value
        url = self._signed_url(
            upload.key,
            "PUT",
            expires_in,
            headers={**headers, "Content-Length": str(upload.size)},
        )
        logger.debug(
            "Signed a PUT if-generation-match 0 of key %s on backend %s", upload.key, self.name
        )
        return UploadInstruction("PUT", url, expires_at(expires_in), headers=headers)

    def _signed_post(self, upload: UploadSpec) -> UploadInstruction:
        """A POST policy: the size range, key, type and ACL are its conditions."""
        expires_in = _capped(upload.expires_in)
        # The SDK adds an exact-match condition for every field, so the type and ACL are signed.
        fields = {"Content-Type": upload.content_type}
        gcs_acl = self.map_acl(upload.acl)
        if gcs_acl:
            fields["acl"] = gcs_acl
        with _translate_errors(self, upload.key):
            policy = self._client.generate_signed_post_policy_v4(
                self.bucket_name,
                upload.key,
                expiration=timedelta(seconds=expires_in),
                conditions=[["content-length-range", MINIMUM_UPLOAD_SIZE, upload.max_size]],
                fields=fields,
                **self._signing_kwargs(),
            )
        return UploadInstruction(
            method="POST",
            url=_form_action(policy["url"]),
            fields=policy["fields"],
            expires_at=expires_at(expires_in),
        )

    def presign_download(
        self, *, key: str, content_disposition: str, content_type: str | None, expires_in: int
    ) -> str:
        return self._signed_url(
            key,
            "GET",
            _capped(expires_in),
            response_disposition=content_disposition,
            response_type=content_type,
        )

    def _signed_url(self, key: str, method: str, expires_in: int, **signed: Any) -> str:
        """A V4-signed URL of ``key`` for ``method``, through the configured endpoint and
        signer; ``signed`` adds what the URL must carry (headers, query, response overrides)."""
        with _translate_errors(self, key):
            return self._bucket.blob(key).generate_signed_url(
                version="v4",
                method=method,
                expiration=timedelta(seconds=expires_in),
                api_access_endpoint=self._client.api_endpoint,
                **signed,
                **self._signing_kwargs(),
            )

    def stat(self, key: str) -> ObjectInfo:
        return _info(key, self._stored_blob(key))

    def delete(self, key: str) -> None:
        try:
            with _translate_errors(self, key):
                self._bucket.delete_blob(key, timeout=self.timeout, retry=self._retry)
        except ObjectNotFound:
            self._raise_if_bucket_missing(key)

    # XML API multipart uploads: the server initiates, lists, completes and aborts through the
    # client's own (authorized) session; the browser PUTs each part to a V4-signed URL.

    def start_multipart(self, *, key: str, content_type: str, acl: str) -> str:
        headers = {"Content-Type": content_type}
        if gcs_acl := self.map_acl(acl):
            headers["x-goog-acl"] = gcs_acl
        response = self._xml_request("POST", key, "uploads", headers=headers)
        upload_id = initiated_upload_id(response.content)
        if not upload_id:
            raise StorageError("GCS answered the multipart initiation without an UploadId")
        return upload_id

    def sign_part(self, part: PartSpec) -> PartInstruction:
        """A V4-signed PUT of one part; ``content-length`` is a signed header, as SigV4 signs it
        for S3, so a body of any other length no longer matches the signature, and so is
        ``Content-MD5`` when the part has a checksum: GCS refuses other bytes (400)."""
        expires_in = _capped(part.expires_in)
        headers = {"Content-MD5": part.checksum.value} if part.checksum else {}
        url = self._signed_url(
            part.key,
            "PUT",
            expires_in,
            query_parameters={"partNumber": str(part.part_number), "uploadId": part.upload_id},
            headers={"Content-Length": str(part.size), **headers},
        )
        until = expires_at(expires_in)
        return PartInstruction(part.part_number, url, part.size, until, headers)

    def list_parts(self, *, key: str, upload_id: str) -> list[StoredPart]:
        parts: list[StoredPart] = []
        query = {"uploadId": upload_id, "max-parts": str(LIST_PARTS_PAGE_SIZE)}
        while True:
            response = self._xml_request("GET", key, urlencode(query))
            page, next_marker = parse_list_parts(response.content)
            parts.extend(page)
            if next_marker is None:
                return parts
            query["part-number-marker"] = next_marker

    def complete_multipart(self, *, key: str, upload_id: str, parts: Sequence[StoredPart]) -> None:
        response = self._xml_request(
            "POST",
            key,
            urlencode({"uploadId": upload_id}),
            data=complete_multipart_body(parts),
            headers={"Content-Type": "application/xml"},
            read_timeout=max(self.timeout, COMPLETE_READ_TIMEOUT),
        )
        # Like S3, the XML API may answer 200 and put the error in the body.
        raise_for_error_document(response.content)

    def abort_multipart(self, *, key: str, upload_id: str) -> None:
        with contextlib.suppress(ObjectNotFound):
            self._xml_request("DELETE", key, urlencode({"uploadId": upload_id}))

    # Server-side access through the JSON API: ranged downloads of one generation, chunk by
    # chunk; writes in one request or a resumable upload in chunks, create-only.

    def open_read(self, key: str, *, start: int = 0, end: int | None = None) -> BinaryIO:
        blob = self._stored_blob(key)
        stop = blob.size if end is None else min(end + 1, blob.size)
        return from_chunks(self._chunks(blob, start, stop))

    def store(self, target: NewObject, stream: BinaryIO) -> ObjectInfo:
        """Store ``stream`` only if no object has the key (``ifGenerationMatch=0``)."""
        key, size = target.key, target.size
        predefined_acl = self.map_acl(target.acl)
        blob = self._bucket.blob(key, chunk_size=WRITE_CHUNK_SIZE)
        try:
            with _translate_errors(self, key):
                try:
                    blob.upload_from_file(
                        sized_source(stream, size),
                        size=single_request_size(size),
                        content_type=target.content_type,
                        predefined_acl=predefined_acl,
                        if_generation_match=0,
                        timeout=self.timeout,
                        retry=self._retry,
                    )
                except api_exceptions.PreconditionFailed as exc:
                    raise ObjectExists(f"an object is already stored under '{key}'") from exc
        except ObjectNotFound:
            self._raise_if_bucket_missing(key)
            raise
        info = _info(key, blob)  # the SDK fills ``blob`` from the upload's reply
        logger.info("Stored %s bytes under key %s on backend %s", info.size, key, self.name)
        return info

    def _stored_blob(self, key: str) -> storage.Blob:
        """The object's current generation, with its size; ObjectNotFound when there is none."""
        with _translate_errors(self, key):
            blob = self._bucket.get_blob(key, timeout=self.timeout, retry=self._retry)
        if blob is None:
            self._raise_if_bucket_missing(key)
            raise ObjectNotFound(key, backend=self.name, key=key)
        return blob

    def _chunks(self, blob: storage.Blob, start: int, stop: int) -> Iterator[bytes]:
        """Bytes ``start`` up to ``stop`` of the blob's generation, one ranged request per chunk,
        as they are read. Reading on after the object was replaced raises: GCS refuses the
        request, and each answer names its generation (fake-gcs-server's too), which must not
        change (the SDK copies it onto ``blob`` after each chunk)."""
        generation = blob.generation
        with _translate_errors(self, blob.name):
            for offset in range(start, stop, READ_CHUNK_SIZE):
                chunk = blob.download_as_bytes(
                    start=offset,
                    end=min(offset + READ_CHUNK_SIZE, stop) - 1,
                    if_generation_match=generation,
                    checksum=None,  # a range has no checksum of its own to compare
                    timeout=self.timeout,
                    retry=self._retry,
                )
                if blob.generation not in (None, generation):
                    raise StorageError(f"the object '{blob.name}' was replaced while being read")
                yield chunk

    def configure_cors(
        self, origins: Sequence[str], *, replace: bool = False
    ) -> list[dict[str, Any]]:
        """Add ``origins`` to the bucket's CORS rules (all of them, with ``replace``)."""
        # A fresh handle, not the shared one: patch() rewrites the handle's properties.
        bucket = self._client.bucket(self.bucket_name)
        with _translate_errors(self, None):
            if not replace:
                bucket.reload(timeout=self.timeout, retry=self._retry)
            current = [] if replace else list(bucket.cors or [])
            rules = merge_cors_rules(current, origins)
            if replace or rules != current:
                bucket.cors = rules
                bucket.patch(timeout=self.timeout, retry=self._retry)
        logger.info(
            "CORS rules of %s on backend %s now admit %s", self.describe(), self.name, origins
        )
        return rules

    def describe(self) -> str:
        return f"GCS bucket '{self.bucket_name}'"

    def diagnose(self, *, origins: Sequence[str]) -> Iterator[Diagnosis]:
        where = self.describe()
        bucket = self._client.bucket(self.bucket_name)
        try:
            with _translate_errors(self, None):
                bucket.reload(timeout=self.timeout, retry=self._retry)
        except BucketNotFound as error:
            yield Diagnosis("credentials", "pass", "GCS accepted them")
            yield Diagnosis("bucket", "fail", f"{where} does not exist", error.hint or "", True)
            return
        except StorageUnavailable as error:
            yield Diagnosis(
                "connection",
                "fail",
                str(error),
                "Check GS_API_ENDPOINT (if set), the network and the credentials' token service.",
                blocking=True,
            )
            return
        except StorageError as error:
            yield Diagnosis(
                "credentials",
                "fail",
                f"GCS refused access to {where}: {error}",
                "Check GS_CREDENTIALS (or Application Default Credentials); the service "
                "account needs storage.buckets.get and the object permissions on the bucket.",
                blocking=True,
            )
            return
        yield Diagnosis("credentials", "pass", "GCS accepted them")
        yield Diagnosis("bucket", "pass", f"{where} exists")
        if not origins:
            yield NO_ORIGINS_TO_CHECK
            return
        rules = bucket.cors or []
        yield from origin_diagnoses(
            self.name, origins, lambda origin: cors_shortfall(rules, origin)
        )

    def map_acl(self, acl: str) -> str | None:
        if self.uniform_bucket_level_access:
            if acl == PRIVATE:
                return None
            raise AclNotSupported(
                f"the '{acl}' ACL cannot be set: bucket '{self.bucket_name}' uses uniform "
                "bucket-level access, which disables object ACLs; grant access with bucket "
                "IAM instead (for public reads, roles/storage.objectViewer for allUsers), "
                "or request 'private'"
            )
        # The XML API's canned ACLs have the same names as the library's.
        return super().map_acl(acl)

    def _bucket_not_found(self, key: str | None) -> BucketNotFound:
        return BucketNotFound(
            self.bucket_name,
            hint=f"Create the bucket '{self.bucket_name}', or correct GS_BUCKET_NAME (or "
            f"'bucket_name' in S3_FILE_UPLOADS['BACKENDS']['{self.name}']['OPTIONS']).",
            backend=self.name,
            key=key or "",
        )

    def _raise_if_bucket_missing(self, key: str) -> None:
        """An object's 404 does not say whether the bucket is there (fake-gcs-server words both
        alike): ask the bucket, and keep "not found" when that cannot be told."""
        try:
            exists = self._client.bucket(self.bucket_name).exists(
                timeout=self.timeout, retry=self._retry
            )
        except (
            api_exceptions.GoogleAPIError,
            google.auth.exceptions.GoogleAuthError,
            requests.RequestException,
        ):
            return
        if not exists:
            error = self._bucket_not_found(key)
            log_failure(logger, error, "GCS request")
            raise error

    def _signing_kwargs(self) -> dict[str, Any]:
        """What the SDK's signing calls need: the key holder, or a token and an email for IAM."""
        return self._signer.kwargs()

    def _xml_request(
        self,
        method: str,
        key: str,
        query: str,
        *,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        read_timeout: float | None = None,
    ) -> requests.Response:
        """One XML API request on ``key``, retried like the SDK's own calls, errors translated.

        It goes through the client's authorized session, as the SDK's own XML multipart code
        (``transfer_manager``) does.
        """
        url = f"{self._client.api_endpoint}/{self.bucket_name}/{quote(key, safe='/~')}?{query}"
        timeout = (self.timeout, read_timeout or self.timeout)

        def send() -> requests.Response:
            response = self._client._http.request(
                method, url, data=data, headers=headers or {}, timeout=timeout
            )
            if response.status_code >= 400:
                code, message = xml_error(response.content)
                if code == "NoSuchBucket":
                    raise self._bucket_not_found(key)
                raise api_exceptions.from_http_status(
                    response.status_code, f"{code or response.reason}: {message}"
                )
            return response

        with _translate_errors(self, key):
            return self._retry(send)()


def _info(key: str, blob: storage.Blob) -> ObjectInfo:
    """What a blob's metadata (a stat's, or an upload's reply) says of the stored object."""
    return ObjectInfo(
        key=key,
        size=blob.size,
        content_type=blob.content_type,
        etag=blob.etag,
        checksums={"md5": blob.md5_hash} if blob.md5_hash else {},
    )


def _capped(expires_in: int) -> int:
    return min(expires_in, MAXIMUM_SIGNED_EXPIRY)


def _form_action(url: str) -> str:
    """The SDK answers ``ENDPOINT/BUCKET/``; GCS documents path-style forms as
    ``storage.googleapis.com/BUCKET``, the one shape fake-gcs-server also accepts."""
    return url.rstrip("/")


def _translate_errors(
    backend: GCSBackend, key: str | None
) -> contextlib.AbstractContextManager[None]:
    """SDK errors become the library's, carrying the backend and key, and are logged once;
    ``key`` None means a bucket-level call."""
    return translated_errors(
        lambda exc: _library_error(exc, backend, key),
        backend=backend.name,
        key=key or "",
        logger=logger,
        what="GCS request",
    )


def _library_error(exc: Exception, backend: GCSBackend, key: str | None) -> StorageError | None:
    """What an SDK exception means, in the library's errors; None for one it does not know."""
    if isinstance(exc, api_exceptions.NotFound):
        return backend._bucket_not_found(None) if key is None else ObjectNotFound(key)
    if isinstance(exc, api_exceptions.RetryError):
        return StorageUnavailable(f"GCS could not be reached in time: {redact(exc.cause)}")
    if isinstance(exc, api_exceptions.GoogleAPICallError):
        if exc.code is not None and (exc.code >= 500 or exc.code in UNAVAILABLE_CODES):
            return StorageUnavailable(f"GCS answered {exc.code} {exc.message}")
        return StorageError(f"GCS refused the request: {exc.code} {exc.message}")
    if isinstance(exc, api_exceptions.GoogleAPIError):
        return StorageError(f"GCS request failed: {redact(exc)}")
    if isinstance(exc, requests.ConnectionError | requests.Timeout):
        return StorageUnavailable(f"GCS could not be reached: {redact(exc)}")
    if isinstance(exc, google.auth.exceptions.RefreshError):
        message = f"Google credentials could not be refreshed: {redact(exc)}"
        retryable = getattr(exc, "retryable", False)
        return StorageUnavailable(message) if retryable else StorageError(message)
    if isinstance(exc, google.auth.exceptions.TransportError):
        if str(exc).startswith(IAM_REFUSAL_PREFIX):
            return StorageError(f"IAM refused to sign: {redact(exc)}")
        return StorageUnavailable(f"Google's auth service could not be reached: {redact(exc)}")
    return None
