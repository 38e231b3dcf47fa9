"""Amazon S3 and S3-compatible stores (MinIO, R2, moto, LocalStack) through boto3."""

from __future__ import annotations

import base64
import binascii
import contextlib
import dataclasses
import logging
from collections.abc import Iterator, Sequence
from typing import Any, BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
    ReadTimeoutError,
)

from s3_file_uploads.conf import options_from_settings
from s3_file_uploads.contract import (
    ACLS,
    PRIVATE,
    Capabilities,
    Checksum,
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
    UploadRefused,
)
from s3_file_uploads.redaction import redact
from s3_file_uploads.sized_source import sized_source
from s3_file_uploads.streams import from_chunks

from .cors import cors_shortfall, merge_cors_rules, upload_cors_rule
from .server_io import READ_CHUNK_SIZE, create_only, range_header, transfer_config

#: The backend, and names that moved to sibling modules but stay importable from here.
__all__ = ["S3Backend", "cors_shortfall", "merge_cors_rules", "upload_cors_rule"]

logger = logging.getLogger(__name__)

#: S3 refuses a presigned URL valid for longer than this.
MAXIMUM_PRESIGN_EXPIRY = 7 * 24 * 3600
GONE_UPLOAD_CODES = frozenset({"NoSuchUpload", "404"})
NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
NO_BUCKET_CODES = frozenset({"NoSuchBucket"})
#: Error codes worth retrying later, whatever the status says.
UNAVAILABLE_CODES = frozenset({"SlowDown", "ServiceUnavailable", "RequestTimeout"})
#: Error codes that mean the credentials themselves were refused (not a missing permission).
BAD_CREDENTIALS_CODES = frozenset(
    {"InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken"}
)
MISSING_CREDENTIALS = (NoCredentialsError, PartialCredentialsError)
CREDENTIALS_HINT = (
    "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or 'access_key'/'secret_key' in the "
    "configuration's OPTIONS), or run where an IAM role or AWS profile provides credentials."
)
#: Server-side encryption under which the ETag of a single-part object is still its MD5.
ETAG_IS_MD5_ENCRYPTION = frozenset({None, "AES256"})
UNREACHABLE_ERRORS = (
    EndpointConnectionError,
    ConnectionClosedError,
    ConnectTimeoutError,
    ReadTimeoutError,
    HTTPClientError,
)
#: Each option's flat Django settings: the seed's names first, then django-storages'.
SETTING_NAMES = {
    "bucket_name": ("AWS_BUCKET_NAME", "AWS_STORAGE_BUCKET_NAME"),
    "access_key": ("AWS_ACCESS_KEY_ID", "AWS_S3_ACCESS_KEY_ID"),
    "secret_key": ("AWS_SECRET_ACCESS_KEY", "AWS_S3_SECRET_ACCESS_KEY"),
    "session_token": ("AWS_SESSION_TOKEN", "AWS_S3_SESSION_TOKEN"),
    "endpoint_url": "AWS_S3_ENDPOINT_URL",
    "region_name": "AWS_S3_REGION_NAME",
    "addressing_style": "AWS_S3_ADDRESSING_STYLE",
    "signature_version": "AWS_S3_SIGNATURE_VERSION",
    "object_acls": "AWS_S3_OBJECT_ACLS",
    "upload_method": "AWS_S3_UPLOAD_METHOD",
}
#: How single uploads are signed: a create-only PUT when the client declared the size (else a
#: POST policy), always a PUT (stores with no POST uploads, such as Cloudflare R2), or always a
#: POST policy (stores that ignore ``If-None-Match`` on PUT).
AUTO, PUT, POST = "auto", "put", "post"
UPLOAD_METHODS = (AUTO, PUT, POST)


class S3Backend(StorageBackend):
    """Signs create-only PUTs (or POST policies) for uploads and presigned GETs for downloads.

    An upload of a declared size is a presigned ``PutObject`` that signs the exact length, the
    content type, the ACL (when the bucket uses ACLs), the declared checksum and
    ``If-None-Match: *``: S3 refuses other bytes, and a second PUT to the key once an object is
    there (412), so the instruction cannot replace what complete checked. Without a size, a POST
    policy carries ``content-length-range`` and the same type, ACL and checksum conditions; S3
    has no create-only POST, so only a declared checksum binds such an instruction to its bytes.
    """

    #: S3's part rules are the contract's defaults.
    capabilities = Capabilities(
        enforces_size_limit=True,
        enforces_content_type=True,
        multipart=True,
        cors=True,
        acls=frozenset(ACLS),
        checksums=frozenset({"md5", "sha256"}),
        server_side_io=True,
        part_checksum="sha256",
    )

    def __init__(
        self,
        *,
        name: str = "",
        bucket_name: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        session_token: str | None = None,
        endpoint_url: str | None = None,
        region_name: str | None = None,
        addressing_style: str | None = None,
        signature_version: str | None = "s3v4",
        object_acls: bool = True,
        upload_method: str = AUTO,
        timeout: float = 10,
        assemble_timeout: float = 300,
        part_checksums: bool = True,
    ) -> None:
        super().__init__(name=name)
        if not bucket_name:
            raise BackendConfigurationError(
                f"The S3 backend configuration '{name}' has no bucket.",
                hint="Set AWS_BUCKET_NAME (or AWS_STORAGE_BUCKET_NAME), or 'bucket_name' in "
                "the configuration's OPTIONS.",
            )
        self.bucket_name = bucket_name
        self.object_acls = object_acls
        self.upload_method = _checked_upload_method(upload_method, name)
        if not object_acls:
            self.capabilities = dataclasses.replace(self.capabilities, acls=frozenset({PRIVATE}))
        if not part_checksums:  # for clients that cannot hash parts: S3 then asks for none
            self.capabilities = dataclasses.replace(self.capabilities, part_checksum="")
        session = boto3.session.Session(
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            aws_session_token=session_token,
            region_name=region_name,
        )
        config = Config(
            signature_version=signature_version,
            s3={"addressing_style": addressing_style} if addressing_style else None,
            connect_timeout=timeout,
            read_timeout=timeout,
            retries={"max_attempts": 2, "mode": "standard"},
        )
        self._client = session.client("s3", endpoint_url=endpoint_url, config=config)
        # CompleteMultipartUpload may take minutes for a large object: its own read timeout.
        assembling_config = config.merge(Config(read_timeout=max(timeout, assemble_timeout)))
        self._assembling_client = session.client(
            "s3", endpoint_url=endpoint_url, config=assembling_config
        )
        # Server-side writes: a client whose PutObject and CompleteMultipartUpload never
        # replace an object (If-None-Match: *), with the assembling client's read timeout.
        self._writing_client = create_only(
            session.client("s3", endpoint_url=endpoint_url, config=assembling_config)
        )

    @classmethod
    def settings_defaults(cls, django_settings: Any) -> dict[str, Any]:
        return options_from_settings(SETTING_NAMES, settings=django_settings)

    def sign_upload(self, upload: UploadSpec) -> UploadInstruction:
        if self._signs_put(upload):
            return self._signed_put(upload)
        return self._signed_post(upload)

    def presign_download(
        self, *, key: str, content_disposition: str, content_type: str | None, expires_in: int
    ) -> str:
        params = {
            "Bucket": self.bucket_name,
            "Key": key,
            "ResponseContentDisposition": content_disposition,
        }
        if content_type:
            params["ResponseContentType"] = content_type
        with _translate_errors(self, key):
            return self._client.generate_presigned_url(
                "get_object", Params=params, ExpiresIn=min(expires_in, MAXIMUM_PRESIGN_EXPIRY)
            )

    def stat(self, key: str) -> ObjectInfo:
        try:
            with _translate_errors(self, key):
                head = self._client.head_object(
                    Bucket=self.bucket_name, Key=key, ChecksumMode="ENABLED"
                )
        except ObjectNotFound:
            self._raise_if_bucket_missing(key)
            raise
        etag = head.get("ETag", "").strip('"')
        checksums = {}
        if md5 := _md5_from_etag(etag, head):
            checksums["md5"] = md5
        if sha256 := _full_object_checksum(head, "ChecksumSHA256"):
            checksums["sha256"] = sha256
        return ObjectInfo(
            key=key,
            size=head["ContentLength"],
            content_type=head.get("ContentType"),
            etag=etag or None,
            checksums=checksums,
        )

    def delete(self, key: str) -> None:
        with _translate_errors(self, key):
            self._client.delete_object(Bucket=self.bucket_name, Key=key)

    def start_multipart(self, *, key: str, content_type: str, acl: str) -> str:
        """Unless the ``part_checksums`` option is off, parts carry SHA-256 checksums, which S3
        checks each part against, lists, and checks again on complete; the object gets their
        composite checksum."""
        params = {
            "Bucket": self.bucket_name,
            "Key": key,
            "ContentType": content_type,
        }
        if self.capabilities.part_checksum:
            params["ChecksumAlgorithm"] = "SHA256"
        if s3_acl := self.map_acl(acl):
            params["ACL"] = s3_acl
        with _translate_errors(self, key):
            return self._client.create_multipart_upload(**params)["UploadId"]

    def sign_part(self, part: PartSpec) -> PartInstruction:
        """SigV4 signs ``content-length``, so the URL uploads exactly ``part.size`` bytes, and
        ``x-amz-checksum-sha256``, so S3 refuses other bytes (400 BadDigest)."""
        params = {
            "Bucket": self.bucket_name,
            "Key": part.key,
            "UploadId": part.upload_id,
            "PartNumber": part.part_number,
            "ContentLength": part.size,
        }
        headers = {}
        if part.checksum is not None:
            params["ChecksumSHA256"] = headers["x-amz-checksum-sha256"] = part.checksum.value
        elif self.capabilities.part_checksum:
            raise UploadRefused(
                f"Part {part.part_number} needs its checksum: on this S3 storage every part "
                "carries its SHA-256. Name it in 'parts' as {part_number, checksum (base64)}."
            )
        expiry = min(part.expires_in, MAXIMUM_PRESIGN_EXPIRY)
        with _translate_errors(self, part.key):
            url = self._client.generate_presigned_url(
                "upload_part", Params=params, ExpiresIn=expiry
            )
        signed_until = expires_at(part.expires_in)
        return PartInstruction(part.part_number, url, part.size, signed_until, headers)

    def list_parts(self, *, key: str, upload_id: str) -> list[StoredPart]:
        parts: list[StoredPart] = []
        paginator = self._client.get_paginator("list_parts")
        with _translate_errors(self, key):
            pages = paginator.paginate(Bucket=self.bucket_name, Key=key, UploadId=upload_id)
            for page in pages:
                parts.extend(
                    StoredPart(
                        p["PartNumber"],
                        p["Size"],
                        p["ETag"].strip('"'),
                        p.get("ChecksumSHA256", ""),
                    )
                    for p in page.get("Parts", [])
                )
        return parts

    def complete_multipart(self, *, key: str, upload_id: str, parts: Sequence[StoredPart]) -> None:
        with _translate_errors(self, key):
            self._assembling_client.complete_multipart_upload(
                Bucket=self.bucket_name,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": [_completed_part(p) for p in parts]},
            )

    def abort_multipart(self, *, key: str, upload_id: str) -> None:
        try:
            with _translate_errors(self, key):
                self._client.abort_multipart_upload(
                    Bucket=self.bucket_name, Key=key, UploadId=upload_id
                )
        except ObjectNotFound:
            pass

    # Server-side access: a ranged GET streamed as read; writes through boto3's managed
    # transfer (one part in memory at a time), create-only.

    def open_read(self, key: str, *, start: int = 0, end: int | None = None) -> BinaryIO:
        if end is not None and end < start:  # S3 would ignore such a Range and send it all
            self.stat(key)  # no bytes, but a missing object is still missing
            return from_chunks(iter(()))
        params = {"Bucket": self.bucket_name, "Key": key}
        if byte_range := range_header(start, end):
            params["Range"] = byte_range
        with _translate_errors(self, key):
            try:
                body = self._client.get_object(**params)["Body"]
            except ClientError as exc:
                if _code(exc) != "InvalidRange":
                    raise
                return from_chunks(iter(()))  # the range starts past the end: no bytes
        return from_chunks(
            body.iter_chunks(READ_CHUNK_SIZE),
            body.close,
            guard=lambda: _translate_errors(self, key),
        )

    def store(self, target: NewObject, stream: BinaryIO) -> ObjectInfo:
        """Store ``stream`` in one PutObject, or a multipart upload of 8 MiB parts (larger
        when the size needs them) that is aborted if the write fails; both create-only."""
        key, size = target.key, target.size
        extra_args = {"ContentType": target.content_type}
        if s3_acl := self.map_acl(target.acl):
            extra_args["ACL"] = s3_acl
        with _translate_errors(self, key):
            try:
                self._writing_client.upload_fileobj(
                    sized_source(stream, size),
                    self.bucket_name,
                    key,
                    ExtraArgs=extra_args,
                    Config=transfer_config(size),
                )
            except ClientError as exc:
                if _code(exc) == "PreconditionFailed":
                    raise ObjectExists(f"an object is already stored under '{key}'") from exc
                raise
        info = self.stat(key)
        logger.info("Stored %s bytes under key %s on backend %s", info.size, key, self.name)
        return info

    def configure_cors(
        self, origins: Sequence[str], *, replace: bool = False
    ) -> list[dict[str, Any]]:
        """Add ``origins`` to the bucket's CORS rules (all of them, with ``replace``)."""
        with _translate_errors(self):
            current = [] if replace else self._cors_rules()
            rules = merge_cors_rules(current, origins)
            if rules != current or replace:
                self._client.put_bucket_cors(
                    Bucket=self.bucket_name, CORSConfiguration={"CORSRules": rules}
                )
        logger.info(
            "CORS rules of %s on backend %s now admit %s", self.describe(), self.name, origins
        )
        return rules

    def describe(self) -> str:
        return f"S3 bucket '{self.bucket_name}'"

    def diagnose(self, *, origins: Sequence[str]) -> Iterator[Diagnosis]:
        where = self.describe()
        try:
            self._client.head_bucket(Bucket=self.bucket_name)
        except MISSING_CREDENTIALS as exc:
            yield Diagnosis("credentials", "fail", str(exc), CREDENTIALS_HINT, blocking=True)
            return
        except ClientError as exc:
            yield from self._diagnose_bucket_refusal(exc)
            return
        except BotoCoreError as exc:
            yield Diagnosis(
                "connection",
                "fail",
                f"S3 could not be reached: {redact(exc)}",
                "Check AWS_S3_ENDPOINT_URL (or 'endpoint_url') and the network.",
                blocking=True,
            )
            return
        yield Diagnosis("credentials", "pass", "S3 accepted them")
        yield Diagnosis("bucket", "pass", f"{where} exists")
        yield from self._diagnose_cors(origins)

    def map_acl(self, acl: str) -> str | None:
        if not self.object_acls:
            if acl == PRIVATE:
                return None
            raise AclNotSupported(
                f"the '{acl}' ACL cannot be set: this bucket has object ACLs disabled "
                "(Object Ownership 'bucket owner enforced'); grant access with a bucket "
                "policy instead, or request 'private'"
            )
        return super().map_acl(acl)

    def _signs_put(self, upload: UploadSpec) -> bool:
        """Whether ``upload`` gets a PUT; refuses, with what to send, a PUT of unknown size."""
        if self.upload_method == POST:
            return False
        if upload.size is not None:
            return True
        if self.upload_method == PUT:
            raise UploadRefused(
                f"The '{self.name}' storage takes uploads only as a PUT of a declared size "
                "(it accepts no POST form): send the file's size in bytes as 'size'.",
                backend=self.name,
                key=upload.key,
            )
        return False

    def _signed_put(self, upload: UploadSpec) -> UploadInstruction:
        """A presigned PutObject of exactly ``upload.size`` bytes that only creates: SigV4 signs
        every header below and ``Content-Length``, which the browser sets to the body's length
        itself (so it is not among the headers to send)."""
        headers = {"Content-Type": upload.content_type, "If-None-Match": "*"}
        params: dict[str, Any] = {
            "Bucket": self.bucket_name,
            "Key": upload.key,
            "ContentType": upload.content_type,
            "ContentLength": upload.size,
            "IfNoneMatch": "*",
        }
        if s3_acl := self.map_acl(upload.acl):
            params["ACL"] = headers["x-amz-acl"] = s3_acl
        if upload.checksum is not None:
            param, header = PUT_CHECKSUMS[upload.checksum.algorithm]
            params[param] = headers[header] = upload.checksum.value
        expires_in = min(upload.expires_in, MAXIMUM_PRESIGN_EXPIRY)
        with _translate_errors(self, upload.key):
            url = self._client.generate_presigned_url(
                "put_object", Params=params, ExpiresIn=expires_in
            )
        logger.debug("Signed a PUT if-none-match * of key %s on backend %s", upload.key, self.name)
        return UploadInstruction("PUT", url, expires_at(expires_in), headers=headers)

    def _signed_post(self, upload: UploadSpec) -> UploadInstruction:
        """A POST policy: the size range, key, type, ACL and checksum are its conditions."""
        fields = {"Content-Type": upload.content_type}
        conditions: list[Any] = [
            {"Content-Type": upload.content_type},
            ["content-length-range", 1, upload.max_size],
        ]
        if s3_acl := self.map_acl(upload.acl):
            fields["acl"] = s3_acl
            conditions.append({"acl": s3_acl})
        # Every form field must match the policy, so a client can neither drop nor change these.
        for name, value in _checksum_fields(upload.checksum).items():
            fields[name] = value
            conditions.append({name: value})
        with _translate_errors(self, upload.key):
            post = self._client.generate_presigned_post(
                self.bucket_name,
                upload.key,
                Fields=fields,
                Conditions=conditions,
                ExpiresIn=upload.expires_in,
            )
        return UploadInstruction(
            method="POST",
            url=post["url"],
            fields=post["fields"],
            expires_at=expires_at(upload.expires_in),
        )

    def _bucket_hint(self) -> str:
        return (
            f"Create the bucket '{self.bucket_name}', or correct AWS_BUCKET_NAME (or "
            f"'bucket_name' in S3_FILE_UPLOADS['BACKENDS']['{self.name}']['OPTIONS'])."
        )

    def _bucket_not_found(self, key: str) -> BucketNotFound:
        return BucketNotFound(
            self.bucket_name, hint=self._bucket_hint(), backend=self.name, key=key
        )

    def _raise_if_bucket_missing(self, key: str) -> None:
        """A HEAD answer has no body, so a 404 cannot say which is missing: ask the bucket."""
        try:
            self._client.head_bucket(Bucket=self.bucket_name)
        except ClientError as exc:
            if _status(exc) == 404:
                error = self._bucket_not_found(key)
                log_failure(logger, error, "S3 HeadBucket")
                raise error from exc
        except BotoCoreError:
            pass  # the object is missing as far as anyone can tell

    def _cors_rules(self) -> list[dict[str, Any]]:
        try:
            return self._client.get_bucket_cors(Bucket=self.bucket_name)["CORSRules"]
        except ClientError as exc:
            if _code(exc) == "NoSuchCORSConfiguration":
                return []
            raise

    def _diagnose_bucket_refusal(self, exc: ClientError) -> Iterator[Diagnosis]:
        status, code, where = _status(exc), _code(exc), self.describe()
        if status == 404:
            yield Diagnosis("credentials", "pass", "S3 accepted them")
            yield Diagnosis(
                "bucket", "fail", f"{where} does not exist", self._bucket_hint(), blocking=True
            )
        elif status == 403 or code in BAD_CREDENTIALS_CODES:
            yield Diagnosis(
                "credentials",
                "fail",
                f"S3 refused access to {where} ({status} {code})",
                f"{CREDENTIALS_HINT} They must also allow s3:ListBucket on the bucket: without "
                "it S3 answers 403 instead of 404 for a file not sent yet.",
                blocking=True,
            )
        elif status in {301, 400} and (region := _header(exc, "x-amz-bucket-region")):
            yield Diagnosis(
                "bucket",
                "fail",
                f"{where} is in the region {region}",
                f"Set AWS_S3_REGION_NAME (or 'region_name') to '{region}'.",
                blocking=True,
            )
        else:
            yield Diagnosis(
                "bucket",
                "fail",
                f"S3 answered {status} {code} for {where}",
                "Check AWS_S3_ENDPOINT_URL, AWS_S3_REGION_NAME and the bucket's settings.",
                blocking=True,
            )

    def _diagnose_cors(self, origins: Sequence[str]) -> Iterator[Diagnosis]:
        if not origins:
            yield NO_ORIGINS_TO_CHECK
            return
        try:
            with _translate_errors(self):
                rules = self._cors_rules()
        except StorageError as error:
            yield Diagnosis(
                "CORS",
                "skip",
                f"could not read the CORS rules of {self.describe()}: {error}",
                "Allow s3:GetBucketCORS to these credentials to check them here.",
            )
            return
        yield from origin_diagnoses(
            self.name, origins, lambda origin: cors_shortfall(rules, origin)
        )


#: A declared checksum on a PUT: the ``put_object`` parameter and the header it signs.
PUT_CHECKSUMS = {
    "md5": ("ContentMD5", "Content-MD5"),
    "sha256": ("ChecksumSHA256", "x-amz-checksum-sha256"),
}


def _checked_upload_method(value: str, name: str) -> str:
    method = str(value).strip().lower()
    if method not in UPLOAD_METHODS:
        raise BackendConfigurationError(
            f"The S3 backend configuration '{name}' has the upload method {value!r}; it must "
            f"be one of {', '.join(UPLOAD_METHODS)}.",
            hint="Set AWS_S3_UPLOAD_METHOD (or 'upload_method' in the configuration's OPTIONS) "
            "to 'auto' (a create-only PUT when the size is declared, else a POST form), 'put' "
            "(stores without POST uploads, such as Cloudflare R2) or 'post'.",
        )
    return method


def _checksum_fields(checksum: Checksum | None) -> dict[str, str]:
    """POST form fields that make S3 check the bytes: ``Content-MD5`` (RESTObjectPOST) or the
    additional-checksum pair, which S3 answers with a 400 when the bytes do not match."""
    if checksum is None:
        return {}
    if checksum.algorithm == "md5":
        return {"Content-MD5": checksum.value}
    return {"x-amz-checksum-algorithm": "SHA256", "x-amz-checksum-sha256": checksum.value}


def _completed_part(part: StoredPart) -> dict[str, Any]:
    """A part of CompleteMultipartUpload, with the checksum S3 listed for it: S3 checks each."""
    completed = {"PartNumber": part.part_number, "ETag": f'"{part.etag}"'}
    if part.checksum:
        completed["ChecksumSHA256"] = part.checksum
    return completed


def _md5_from_etag(etag: str, head: dict[str, Any]) -> str | None:
    """The object's MD5 (base64), when its ETag is one: a single-part object (no ``-N``),
    unencrypted or SSE-S3. Under SSE-KMS, DSSE-KMS or SSE-C the ETag is not the MD5."""
    if "-" in etag or len(etag) != 32 or head.get("SSECustomerAlgorithm"):
        return None
    if head.get("ServerSideEncryption") not in ETAG_IS_MD5_ENCRYPTION:
        return None
    try:
        return base64.b64encode(bytes.fromhex(etag)).decode()
    except ValueError:
        return None


def _full_object_checksum(head: dict[str, Any], name: str) -> str | None:
    """An additional checksum of the whole object; a multipart upload's composite checksum
    (``value-N``, a checksum of part checksums) is not one."""
    value = head.get(name)
    if not value or head.get("ChecksumType", "FULL_OBJECT") != "FULL_OBJECT":
        return None
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return value


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _status(exc: ClientError) -> int:
    return exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)


def _header(exc: ClientError, name: str) -> str | None:
    return exc.response.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get(name)


def _translate_errors(backend: S3Backend, key: str = "") -> contextlib.AbstractContextManager[None]:
    """SDK errors become the library's, carrying the backend and key, and are logged once."""
    return translated_errors(
        lambda exc: _library_error(exc, backend, key),
        backend=backend.name,
        key=key,
        logger=logger,
        what=_what_failed,
    )


def _library_error(exc: Exception, backend: S3Backend, key: str) -> StorageError | None:
    """What an SDK exception means, in the library's errors; None for one it does not know."""
    if isinstance(exc, ClientError):
        code, status = _code(exc), _status(exc)
        if code in NO_BUCKET_CODES:
            return backend._bucket_not_found(key)
        if code in NOT_FOUND_CODES or code in GONE_UPLOAD_CODES:
            return ObjectNotFound(key)
        if status >= 500 or code in UNAVAILABLE_CODES:
            return StorageUnavailable(f"S3 answered {status} {code}")
        return StorageError(f"S3 refused the request: {code}")
    if isinstance(exc, UNREACHABLE_ERRORS):
        return StorageUnavailable(f"S3 could not be reached: {exc}")
    if isinstance(exc, MISSING_CREDENTIALS):
        return BackendConfigurationError(f"{backend.describe()}: {exc}", hint=CREDENTIALS_HINT)
    if isinstance(exc, BotoCoreError):
        return StorageError(f"S3 request failed: {exc}")
    return None


def _what_failed(exc: Exception | None) -> str:
    """The S3 operation that failed, for the log line: "S3 PutObject", or "S3 request"."""
    operation = exc.operation_name if isinstance(exc, ClientError) else ""
    return f"S3 {operation or 'request'}"
