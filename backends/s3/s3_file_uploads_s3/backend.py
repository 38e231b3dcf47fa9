"""Amazon S3 and S3-compatible stores (MinIO, R2, moto, LocalStack) through boto3."""

from __future__ import annotations

import base64
import binascii
import contextlib
import dataclasses
from collections.abc import Iterator, Sequence
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
    ReadTimeoutError,
)

from s3_file_uploads.contract import (
    ACLS,
    PRIVATE,
    Capabilities,
    Checksum,
    ObjectInfo,
    PartInstruction,
    StorageBackend,
    StoredPart,
    UploadInstruction,
    expires_at,
)
from s3_file_uploads.errors import (
    AclNotSupported,
    BackendConfigurationError,
    ObjectNotFound,
    StorageError,
    StorageUnavailable,
)

#: S3 refuses a presigned URL valid for longer than this.
MAXIMUM_PRESIGN_EXPIRY = 7 * 24 * 3600
MINIMUM_UPLOAD_PART_SIZE = 5 * 1024 * 1024
MAXIMUM_UPLOAD_PART_SIZE = 5 * 1024 * 1024 * 1024
MAXIMUM_UPLOAD_PARTS_COUNT = 10_000
GONE_UPLOAD_CODES = frozenset({"NoSuchUpload", "404"})
NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
#: Server-side encryption under which the ETag of a single-part object is still its MD5.
ETAG_IS_MD5_ENCRYPTION = frozenset({None, "AES256"})
UNREACHABLE_ERRORS = (
    EndpointConnectionError,
    ConnectionClosedError,
    ConnectTimeoutError,
    ReadTimeoutError,
    HTTPClientError,
)


class S3Backend(StorageBackend):
    """Signs POST policies for uploads and presigned GETs for downloads.

    The POST policy carries ``content-length-range``, the key, the content type, (when the
    bucket uses ACLs) the ACL and (when the client declared one) the checksum, so S3 itself
    refuses an upload that breaks them. A declared checksum also binds the instruction to those
    bytes: reusing it, even after complete, cannot store anything else under the key.
    """

    capabilities = Capabilities(
        enforces_size_limit=True,
        enforces_content_type=True,
        multipart=True,
        cors=True,
        acls=frozenset(ACLS),
        checksums=frozenset({"md5", "sha256"}),
        min_part_size=MINIMUM_UPLOAD_PART_SIZE,
        max_part_size=MAXIMUM_UPLOAD_PART_SIZE,
        max_parts=MAXIMUM_UPLOAD_PARTS_COUNT,
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
        timeout: float = 10,
        assemble_timeout: float = 300,
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
        if not object_acls:
            self.capabilities = dataclasses.replace(self.capabilities, acls=frozenset({PRIVATE}))
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
        self._assembling_client = session.client(
            "s3",
            endpoint_url=endpoint_url,
            config=config.merge(Config(read_timeout=max(timeout, assemble_timeout))),
        )

    @classmethod
    def settings_defaults(cls, django_settings: Any) -> dict[str, Any]:
        def setting(*names: str) -> Any:
            return next(
                (getattr(django_settings, n) for n in names if getattr(django_settings, n, None)),
                None,
            )

        defaults = {
            "bucket_name": setting("AWS_BUCKET_NAME", "AWS_STORAGE_BUCKET_NAME"),
            "access_key": setting("AWS_ACCESS_KEY_ID", "AWS_S3_ACCESS_KEY_ID"),
            "secret_key": setting("AWS_SECRET_ACCESS_KEY", "AWS_S3_SECRET_ACCESS_KEY"),
            "session_token": setting("AWS_SESSION_TOKEN", "AWS_S3_SESSION_TOKEN"),
            "endpoint_url": setting("AWS_S3_ENDPOINT_URL"),
            "region_name": setting("AWS_S3_REGION_NAME"),
            "addressing_style": setting("AWS_S3_ADDRESSING_STYLE"),
            "signature_version": setting("AWS_S3_SIGNATURE_VERSION"),
            "object_acls": getattr(django_settings, "AWS_S3_OBJECT_ACLS", None),
        }
        return {option: value for option, value in defaults.items() if value is not None}

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
        fields = {"Content-Type": content_type}
        conditions: list[Any] = [
            {"Content-Type": content_type},
            ["content-length-range", 1, max_size],
        ]
        s3_acl = self.map_acl(acl)
        if s3_acl:
            fields["acl"] = s3_acl
            conditions.append({"acl": s3_acl})
        # Every form field must match the policy, so a client can neither drop nor change these.
        for name, value in _checksum_fields(checksum).items():
            fields[name] = value
            conditions.append({name: value})
        post = self._client.generate_presigned_post(
            self.bucket_name, key, Fields=fields, Conditions=conditions, ExpiresIn=expires_in
        )
        return UploadInstruction(
            method="POST",
            url=post["url"],
            fields=post["fields"],
            expires_at=expires_at(expires_in),
        )

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
        return self._client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=min(expires_in, MAXIMUM_PRESIGN_EXPIRY)
        )

    def stat(self, key: str) -> ObjectInfo:
        with _translate_errors(key):
            head = self._client.head_object(
                Bucket=self.bucket_name, Key=key, ChecksumMode="ENABLED"
            )
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
        with _translate_errors(key):
            self._client.delete_object(Bucket=self.bucket_name, Key=key)

    def start_multipart(self, *, key: str, content_type: str, acl: str) -> str:
        params = {"Bucket": self.bucket_name, "Key": key, "ContentType": content_type}
        if s3_acl := self.map_acl(acl):
            params["ACL"] = s3_acl
        with _translate_errors(key):
            return self._client.create_multipart_upload(**params)["UploadId"]

    def presign_part(
        self, *, key: str, upload_id: str, part_number: int, size: int, expires_in: int
    ) -> PartInstruction:
        """SigV4 signs ``content-length``, so the URL uploads exactly ``size`` bytes."""
        url = self._client.generate_presigned_url(
            "upload_part",
            Params={
                "Bucket": self.bucket_name,
                "Key": key,
                "UploadId": upload_id,
                "PartNumber": part_number,
                "ContentLength": size,
            },
            ExpiresIn=min(expires_in, MAXIMUM_PRESIGN_EXPIRY),
        )
        return PartInstruction(part_number, url, size, expires_at=expires_at(expires_in))

    def list_parts(self, *, key: str, upload_id: str) -> list[StoredPart]:
        parts: list[StoredPart] = []
        paginator = self._client.get_paginator("list_parts")
        with _translate_errors(key):
            pages = paginator.paginate(Bucket=self.bucket_name, Key=key, UploadId=upload_id)
            for page in pages:
                parts.extend(
                    StoredPart(p["PartNumber"], p["Size"], p["ETag"].strip('"'))
                    for p in page.get("Parts", [])
                )
        return parts

    def complete_multipart(self, *, key: str, upload_id: str, parts: Sequence[StoredPart]) -> None:
        with _translate_errors(key):
            self._assembling_client.complete_multipart_upload(
                Bucket=self.bucket_name,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={
                    "Parts": [{"PartNumber": p.part_number, "ETag": f'"{p.etag}"'} for p in parts]
                },
            )

    def abort_multipart(self, *, key: str, upload_id: str) -> None:
        try:
            with _translate_errors(key):
                self._client.abort_multipart_upload(
                    Bucket=self.bucket_name, Key=key, UploadId=upload_id
                )
        except ObjectNotFound:
            pass

    def configure_cors(self, origins: Sequence[str]) -> list[dict[str, Any]]:
        rules = [
            {
                "AllowedOrigins": list(origins),
                "AllowedMethods": ["POST", "PUT", "GET", "HEAD"],
                "AllowedHeaders": ["*"],
                "ExposeHeaders": ["ETag"],
                "MaxAgeSeconds": 3000,
            }
        ]
        with _translate_errors(self.bucket_name):
            self._client.put_bucket_cors(
                Bucket=self.bucket_name, CORSConfiguration={"CORSRules": rules}
            )
        return rules

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


def _checksum_fields(checksum: Checksum | None) -> dict[str, str]:
    """POST form fields that make S3 check the bytes: ``Content-MD5`` (RESTObjectPOST) or the
    additional-checksum pair, which S3 answers with a 400 when the bytes do not match."""
    if checksum is None:
        return {}
    if checksum.algorithm == "md5":
        return {"Content-MD5": checksum.value}
    return {"x-amz-checksum-algorithm": "SHA256", "x-amz-checksum-sha256": checksum.value}


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


@contextlib.contextmanager
def _translate_errors(key: str) -> Iterator[None]:
    try:
        yield
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code in NOT_FOUND_CODES or code in GONE_UPLOAD_CODES:
            raise ObjectNotFound(key) from exc
        if status >= 500 or code in {"SlowDown", "ServiceUnavailable", "RequestTimeout"}:
            raise StorageUnavailable(f"S3 answered {status} {code}") from exc
        raise StorageError(f"S3 refused the request: {code}") from exc
    except UNREACHABLE_ERRORS as exc:
        raise StorageUnavailable(f"S3 could not be reached: {exc}") from exc
