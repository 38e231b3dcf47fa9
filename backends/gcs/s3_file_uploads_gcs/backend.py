"""Google Cloud Storage (and fake-gcs-server) through google-cloud-storage."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlencode
from xml.etree import ElementTree

import google.auth
import google.auth.credentials
import google.auth.exceptions
import google.auth.transport.requests
import requests
from django.core import checks
from google.api_core import exceptions as api_exceptions
from google.cloud import storage
from google.cloud.storage.retry import DEFAULT_RETRY
from google.oauth2 import service_account

from s3_file_uploads.conf import app_setting
from s3_file_uploads.contract import (
    ACLS,
    PRIVATE,
    Capabilities,
    Checksum,
    Diagnosis,
    ObjectInfo,
    PartInstruction,
    StorageBackend,
    StoredPart,
    UploadInstruction,
    expires_at,
    origin_allowed,
)
from s3_file_uploads.errors import (
    AclNotSupported,
    BackendConfigurationError,
    BucketNotFound,
    ObjectNotFound,
    StorageError,
    StorageUnavailable,
)
from s3_file_uploads.redaction import redact

logger = logging.getLogger(__name__)

#: GCS refuses a V4 signature (signed URL or POST policy) valid for longer than this.
MAXIMUM_SIGNED_EXPIRY = 7 * 24 * 3600
#: ``content-length-range`` is inclusive; an empty upload is never what the browser meant.
MINIMUM_UPLOAD_SIZE = 1
#: The IAM signBlob API wants a token with this scope; it covers every storage call as well.
CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
#: Status codes worth retrying later, besides every 5xx.
UNAVAILABLE_CODES = frozenset({408, 429})
#: How google-cloud-storage words a signBlob call that IAM answered (not a network failure).
IAM_REFUSAL_PREFIX = "Error calling the IAM"
CORS_METHODS = ("POST", "PUT", "GET", "HEAD")
#: GCS documents no wildcard for ``responseHeader``, so the ``x-goog-*`` headers are named.
CORS_RESPONSE_HEADERS = (
    "Content-Type",
    "ETag",
    "x-goog-resumable",
    "x-goog-content-length-range",
    "x-goog-hash",
    "x-goog-generation",
)
CORS_MAX_AGE = 3600
#: What browser uploads need from a rule: POST forms, PUT parts, and the part ETags readable.
CORS_UPLOAD_METHODS = frozenset({"POST", "PUT"})
CORS_EXPOSED_HEADERS = ("ETag",)
PUBLIC_ACL_NAMES = frozenset({"public-read", "public-read-write", "publicRead", "publicReadWrite"})
#: XML API multipart upload limits (the same as S3's).
MINIMUM_UPLOAD_PART_SIZE = 5 * 1024 * 1024
MAXIMUM_UPLOAD_PART_SIZE = 5 * 1024 * 1024 * 1024
MAXIMUM_UPLOAD_PARTS_COUNT = 10_000
#: The most parts one XML API "list parts" answer holds.
LIST_PARTS_PAGE_SIZE = 1000
#: Seconds to wait for the answer to "complete": assembling thousands of parts takes a while.
COMPLETE_READ_TIMEOUT = 300
#: XML API error codes that are worth retrying later, whatever the status says.
UNAVAILABLE_XML_CODES = frozenset({"InternalError", "ServiceUnavailable", "SlowDown"})


class GCSBackend(StorageBackend):
    """Signs V4 POST policies for uploads and V4 signed GETs for downloads.

    The POST policy carries ``content-length-range``, the key, the content type and (when the
    bucket uses fine-grained ACLs) the ACL, so GCS itself refuses an upload that breaks them.
    Signing uses the credentials' private key, or the IAM signBlob API when they hold none.

    A declared MD5 is verified on complete against the MD5 GCS computes itself; a POST form
    has no checksum field (neither ``Content-MD5`` nor ``x-goog-hash``), so nothing is signed.
    """

    capabilities = Capabilities(
        enforces_size_limit=True,
        enforces_content_type=True,
        cors=True,
        acls=frozenset(ACLS),
        checksums=frozenset({"md5"}),
        multipart=True,
        min_part_size=MINIMUM_UPLOAD_PART_SIZE,
        max_part_size=MAXIMUM_UPLOAD_PART_SIZE,
        max_parts=MAXIMUM_UPLOAD_PARTS_COUNT,
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

        self._credentials, found_project = _load_credentials(credentials, name)
        self._sa_email = sa_email
        #: True when URLs and policies are signed by the IAM signBlob API, not a local key.
        self.signs_with_iam = bool(iam_sign_blob) or not isinstance(
            self._credentials, google.auth.credentials.Signing
        )
        if self.signs_with_iam and not (
            sa_email or getattr(self._credentials, "service_account_email", None)
        ):
            raise BackendConfigurationError(
                f"The GCS backend configuration '{name}' must sign through the IAM signBlob "
                f"API ({type(self._credentials).__name__} holds no private key) but knows no "
                "service account to sign as.",
                hint="Set GS_SA_EMAIL (or 'sa_email' in OPTIONS) to the service account's "
                "email, or set GS_CREDENTIALS to a service-account key file.",
            )
        self._refresh_lock = threading.Lock()

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
        names = {
            "bucket_name": "GS_BUCKET_NAME",
            "credentials": "GS_CREDENTIALS",
            "project_id": "GS_PROJECT_ID",
            "api_endpoint": "GS_API_ENDPOINT",
            "iam_sign_blob": "GS_IAM_SIGN_BLOB",
            "sa_email": "GS_SA_EMAIL",
            "default_acl": "GS_DEFAULT_ACL",
            # Not django-storages settings: this backend's own, in the same namespace.
            "uniform_bucket_level_access": "GS_UNIFORM_BUCKET_LEVEL_ACCESS",
            "api_endpoint_auth": "GS_API_ENDPOINT_AUTH",
        }
        defaults = {option: getattr(django_settings, name, None) for option, name in names.items()}
        return {option: value for option, value in defaults.items() if value is not None}

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

    def presign_upload(
        self,
        *,
        key: str,
        max_size: int,
        content_type: str,
        acl: str,
        expires_in: int,
        checksum: Checksum | None = None,
    ) -> UploadInstruction:
        # ``checksum`` (md5) is not signed: see the class docstring; complete compares it.
        expires_in = _capped(expires_in)
        # The SDK adds an exact-match condition for every field, so the type and ACL are signed.
        fields = {"Content-Type": content_type}
        gcs_acl = self.map_acl(acl)
        if gcs_acl:
            fields["acl"] = gcs_acl
        with _translate_errors(self, key):
            policy = self._client.generate_signed_post_policy_v4(
                self.bucket_name,
                key,
                expiration=timedelta(seconds=expires_in),
                conditions=[["content-length-range", MINIMUM_UPLOAD_SIZE, max_size]],
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
        with _translate_errors(self, key):
            return self._bucket.blob(key).generate_signed_url(
                version="v4",
                method="GET",
                expiration=timedelta(seconds=_capped(expires_in)),
                api_access_endpoint=self._client.api_endpoint,
                response_disposition=content_disposition,
                response_type=content_type,
                **self._signing_kwargs(),
            )

    def stat(self, key: str) -> ObjectInfo:
        with _translate_errors(self, key):
            blob = self._bucket.get_blob(key, timeout=self.timeout, retry=self._retry)
        if blob is None:
            self._raise_if_bucket_missing(key)
            raise ObjectNotFound(key, backend=self.name, key=key)
        return ObjectInfo(
            key=key,
            size=blob.size,
            content_type=blob.content_type,
            etag=blob.etag,
            checksums={"md5": blob.md5_hash} if blob.md5_hash else {},
        )

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
        upload_id = _xml_text(_xml_root(response.content), "UploadId")
        if not upload_id:
            raise StorageError("GCS answered the multipart initiation without an UploadId")
        return upload_id

    def presign_part(
        self, *, key: str, upload_id: str, part_number: int, size: int, expires_in: int
    ) -> PartInstruction:
        """A V4-signed PUT of one part; ``content-length`` is a signed header, as SigV4 signs it
        for S3, so a body of any other length no longer matches the signature."""
        expires_in = _capped(expires_in)
        with _translate_errors(self, key):
            url = self._bucket.blob(key).generate_signed_url(
                version="v4",
                method="PUT",
                expiration=timedelta(seconds=expires_in),
                api_access_endpoint=self._client.api_endpoint,
                query_parameters={"partNumber": str(part_number), "uploadId": upload_id},
                headers={"Content-Length": str(size)},
                **self._signing_kwargs(),
            )
        return PartInstruction(part_number, url, size, expires_at=expires_at(expires_in))

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
        _raise_for_error_document(response.content)

    def abort_multipart(self, *, key: str, upload_id: str) -> None:
        with contextlib.suppress(ObjectNotFound):
            self._xml_request("DELETE", key, urlencode({"uploadId": upload_id}))

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
            yield Diagnosis(
                "CORS",
                "skip",
                "no origins to check",
                "Set S3_FILE_UPLOADS['CORS_ORIGINS'] to the origins your pages are served from "
                "(or pass --origin).",
            )
            return
        for origin in origins:
            if shortfall := cors_shortfall(bucket.cors or [], origin):
                fix = (
                    f"Run: python manage.py configure_cors --backend {self.name} --origin {origin}"
                )
                yield Diagnosis(f"CORS for {origin}", "fail", shortfall, fix)
            else:
                yield Diagnosis(f"CORS for {origin}", "pass", "browser uploads are allowed")

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
            _log_failure(error)
            raise error

    def _signing_kwargs(self) -> dict[str, Any]:
        """What the SDK's signing calls need: the key holder, or a token and an email for IAM."""
        if not self.signs_with_iam:
            return {"credentials": self._credentials}
        with self._refresh_lock:
            if not self._credentials.valid:
                self._credentials.refresh(google.auth.transport.requests.Request())
            token = self._credentials.token
        email = self._sa_email or self._credentials.service_account_email
        return {"service_account_email": email, "access_token": token}

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
                code, message = _xml_error(response.content)
                if code == "NoSuchBucket":
                    raise self._bucket_not_found(key)
                raise api_exceptions.from_http_status(
                    response.status_code, f"{code or response.reason}: {message}"
                )
            return response

        with _translate_errors(self, key):
            return self._retry(send)()


def parse_list_parts(body: bytes) -> tuple[list[StoredPart], str | None]:
    """The parts of one ``ListPartsResult`` page, and the marker of the next page (if any)."""
    root = _xml_root(body)
    parts = [
        StoredPart(
            int(_xml_text(part, "PartNumber") or 0),
            int(_xml_text(part, "Size") or 0),
            (_xml_text(part, "ETag") or "").strip('"'),
        )
        for part in root.iterfind("{*}Part")
    ]
    truncated = (_xml_text(root, "IsTruncated") or "").lower() == "true"
    return parts, (_xml_text(root, "NextPartNumberMarker") if truncated else None)


def complete_multipart_body(parts: Sequence[StoredPart]) -> bytes:
    """The ``CompleteMultipartUpload`` document: each part's number and (quoted) ETag."""
    root = ElementTree.Element("CompleteMultipartUpload")
    for part in parts:
        element = ElementTree.SubElement(root, "Part")
        ElementTree.SubElement(element, "PartNumber").text = str(part.part_number)
        ElementTree.SubElement(element, "ETag").text = f'"{part.etag}"'
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def _xml_root(body: bytes) -> ElementTree.Element:
    """Parse an answer of the configured storage endpoint (never client input): the bundled
    expat resolves no external entity and refuses runaway entity expansion."""
    try:
        return ElementTree.fromstring(body)  # noqa: S314
    except ElementTree.ParseError as exc:
        raise StorageError(f"GCS answered with a document that is not XML: {body[:200]!r}") from exc


def _xml_text(element: ElementTree.Element, name: str) -> str | None:
    """The text of ``element``'s child ``name``, in the S3 namespace GCS uses or in none."""
    child = element.find(f"{{*}}{name}")
    return child.text.strip() if child is not None and child.text else None


def _xml_error(body: bytes) -> tuple[str | None, str]:
    """``Code`` and ``Message`` of an XML API ``<Error>`` document (or of whatever came)."""
    try:
        root = _xml_root(body)
    except StorageError:
        return None, body[:200].decode("utf-8", "replace")
    return _xml_text(root, "Code"), _xml_text(root, "Message") or ""


def _raise_for_error_document(body: bytes) -> None:
    if not body.strip():
        return
    root = _xml_root(body)
    if root.tag.rsplit("}", 1)[-1] != "Error":
        return
    code, message = _xml_text(root, "Code"), _xml_text(root, "Message") or ""
    if code in UNAVAILABLE_XML_CODES:
        raise StorageUnavailable(f"GCS answered {code}: {message}")
    raise StorageError(f"GCS refused to complete the upload: {code}: {message}")


def _capped(expires_in: int) -> int:
    return min(expires_in, MAXIMUM_SIGNED_EXPIRY)


def _form_action(url: str) -> str:
    """The SDK answers ``ENDPOINT/BUCKET/``; GCS documents path-style forms as
    ``storage.googleapis.com/BUCKET``, the one shape fake-gcs-server also accepts."""
    return url.rstrip("/")


def upload_cors_rule(origins: Sequence[str]) -> dict[str, Any]:
    """The rule ``configure_cors`` adds: browser uploads (single and multipart) from ``origins``."""
    return {
        "origin": list(origins),
        "method": list(CORS_METHODS),
        "responseHeader": list(CORS_RESPONSE_HEADERS),
        "maxAgeSeconds": CORS_MAX_AGE,
    }


def cors_shortfall(rules: Sequence[dict[str, Any]], origin: str) -> str:
    """What the rules lack for browser uploads from ``origin``; empty when nothing."""
    admitting = [r for r in rules if origin_allowed(origin, r.get("origin", []))]
    if not admitting:
        return f"no CORS rule admits {origin}"
    gaps = []
    for rule in admitting:
        methods = {m.upper() for m in rule.get("method", [])}
        exposed = {h.lower() for h in rule.get("responseHeader", [])}
        missing = sorted(CORS_UPLOAD_METHODS - methods)
        missing += [h for h in CORS_EXPOSED_HEADERS if not exposed & {h.lower(), "*"}]
        if not missing:
            return ""
        gaps.append(", ".join(missing))
    return f"the rules admitting {origin} lack {' / '.join(gaps)}"


def merge_cors_rules(current: Sequence[dict[str, Any]], origins: Sequence[str]) -> list[dict]:
    """``current`` plus browser uploads from ``origins``: an origin a rule already serves is
    left alone; the others join this backend's upload rule, or a new one."""
    rules = [dict(rule) for rule in current]
    missing = [o for o in origins if cors_shortfall(rules, o)]
    if not missing:
        return rules
    shape = {k: v for k, v in upload_cors_rule([]).items() if k != "origin"}
    for rule in rules:
        if {k: v for k, v in rule.items() if k != "origin"} == shape:
            rule["origin"] = [*rule.get("origin", []), *missing]
            return rules
    return [*rules, upload_cors_rule(missing)]


def _load_credentials(
    credentials: google.auth.credentials.Credentials | str | os.PathLike | None, name: str
) -> tuple[google.auth.credentials.Credentials, str | None]:
    """The credentials object and the project it names, from the option or the environment."""
    if credentials is None:
        try:
            return google.auth.default(scopes=[CLOUD_PLATFORM_SCOPE])
        except google.auth.exceptions.DefaultCredentialsError as exc:
            raise BackendConfigurationError(
                f"The GCS backend configuration '{name}' found no Google credentials: {exc}",
                hint="Set GS_CREDENTIALS to a service-account key file or a google.auth "
                "Credentials object, or run where Application Default Credentials exist "
                "(GOOGLE_APPLICATION_CREDENTIALS, a GCE/Cloud Run/GKE service account).",
            ) from exc
    if isinstance(credentials, str | os.PathLike):
        try:
            loaded = service_account.Credentials.from_service_account_file(
                os.fspath(credentials), scopes=[CLOUD_PLATFORM_SCOPE]
            )
        except (OSError, ValueError) as exc:
            raise BackendConfigurationError(
                f"The GCS backend configuration '{name}' could not load the service-account "
                f"key file {os.fspath(credentials)!r}: {exc}",
                hint="Point GS_CREDENTIALS at a service-account JSON key file, or set it to a "
                "google.auth Credentials object.",
            ) from exc
        return loaded, loaded.project_id
    if not isinstance(credentials, google.auth.credentials.Credentials):
        raise BackendConfigurationError(
            f"The GCS backend configuration '{name}' has credentials of type "
            f"{type(credentials).__name__}.",
            hint="Set GS_CREDENTIALS to a google.auth Credentials object or to the path of a "
            "service-account JSON key file.",
        )
    scoped = google.auth.credentials.with_scopes_if_required(credentials, [CLOUD_PLATFORM_SCOPE])
    return scoped, getattr(credentials, "project_id", None)


@contextlib.contextmanager
def _translate_errors(backend: GCSBackend, key: str | None) -> Iterator[None]:
    """SDK errors become the library's, carrying the backend and key, and are logged once;
    ``key`` None means a bucket-level call."""
    context = {"backend": backend.name, "key": key or ""}
    try:
        try:
            yield
        except api_exceptions.NotFound as exc:
            if key is None:
                raise backend._bucket_not_found(None) from exc
            raise ObjectNotFound(key, **context) from exc
        except api_exceptions.RetryError as exc:
            raise StorageUnavailable(
                f"GCS could not be reached in time: {redact(exc.cause)}", **context
            ) from exc
        except api_exceptions.GoogleAPICallError as exc:
            if exc.code is not None and (exc.code >= 500 or exc.code in UNAVAILABLE_CODES):
                raise StorageUnavailable(
                    f"GCS answered {exc.code} {exc.message}", **context
                ) from exc
            raise StorageError(
                f"GCS refused the request: {exc.code} {exc.message}", **context
            ) from exc
        except api_exceptions.GoogleAPIError as exc:
            raise StorageError(f"GCS request failed: {redact(exc)}", **context) from exc
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise StorageUnavailable(f"GCS could not be reached: {redact(exc)}", **context) from exc
        except google.auth.exceptions.RefreshError as exc:
            message = f"Google credentials could not be refreshed: {redact(exc)}"
            if getattr(exc, "retryable", False):
                raise StorageUnavailable(message, **context) from exc
            raise StorageError(message, **context) from exc
        except google.auth.exceptions.TransportError as exc:
            if str(exc).startswith(IAM_REFUSAL_PREFIX):
                raise StorageError(f"IAM refused to sign: {redact(exc)}", **context) from exc
            raise StorageUnavailable(
                f"Google's auth service could not be reached: {redact(exc)}", **context
            ) from exc
    except StorageError as error:
        error.backend, error.key = error.backend or backend.name, error.key or key or ""
        _log_failure(error)
        raise


def _log_failure(error: StorageError) -> None:
    """One line per storage failure: backend, key and what GCS said; never a signed URL."""
    level = logging.DEBUG if isinstance(error, ObjectNotFound) else logging.WARNING
    if isinstance(error, BucketNotFound | BackendConfigurationError):
        level = logging.ERROR
    logger.log(
        level,
        "GCS request failed on backend %s, key %s: %s",
        error.backend,
        error.key or "-",
        redact(error),
    )
