"""Azure Blob Storage (and Azurite) through azure-storage-blob: SAS-signed PUT uploads."""

from __future__ import annotations

import base64
import contextlib
import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, BinaryIO
from urllib.parse import quote, urlsplit

from azure.core import MatchConditions
from azure.core.exceptions import (
    AzureError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.storage.blob import (
    BlobBlock,
    BlobClient,
    BlobSasPermissions,
    ContentSettings,
    UserDelegationKey,
    generate_blob_sas,
)
from django.core import checks

from s3_file_uploads.conf import app_setting, max_upload_size, options_from_settings
from s3_file_uploads.contract import (
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
from s3_file_uploads.error_boundary import translated_errors
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

from . import blocks
from .blocks import MAXIMUM_UPLOAD_PART_SIZE, MAXIMUM_UPLOAD_PARTS_COUNT, MINIMUM_UPLOAD_PART_SIZE
from .cors import MAXIMUM_CORS_RULES, cors_shortfall, merge_cors_rules, rule_dict
from .credentials import (
    CREDENTIALS_HINT,
    default_account_url,
    resolve_credential,
    service_client,
    service_options,
)
from .delegation_keys import (
    MAXIMUM_DELEGATION_SAS_EXPIRY,
    USER_DELEGATION_KEY_REFRESH_MARGIN,
    UserDelegationKeyCache,
    check_lifetime,
)
from .server_io import download_range

#: The backend, and names that moved to sibling modules but stay importable from here.
__all__ = ["USER_DELEGATION_KEY_REFRESH_MARGIN", "AzureBackend"]

#: The cache's name from when it lived in this module.
_UserDelegationKeyCache = UserDelegationKeyCache

logger = logging.getLogger(__name__)

#: The largest blob one Put Blob request (the browser's single PUT) may carry.
MAXIMUM_PUT_BLOB_SIZE = 5000 * 1024 * 1024
#: Expiry settings above this earn a system check warning: a leaked URL stays usable that long.
RECOMMENDED_MAXIMUM_EXPIRY = 24 * 3600
#: Create, not write: a finished (and checked) upload cannot be overwritten with the same URL.
UPLOAD_PERMISSION = BlobSasPermissions(create=True)
DOWNLOAD_PERMISSION = BlobSasPermissions(read=True)
#: Put Block needs write (create is refused): so part URLs name a staging blob, never the key.
PART_PERMISSION = BlobSasPermissions(write=True)
#: Lifetime of the read SAS the service itself uses to copy the staging blob to the key.
COPY_SOURCE_SAS_LIFETIME = 3600
#: Copy states (``x-ms-copy-status``) of a blob whose content is not all there.
UNFINISHED_COPY = frozenset({"pending"})
BROKEN_COPY = frozenset({"failed", "aborted"})
#: Where staging blobs live unless the ``staging_prefix`` option says otherwise.
DEFAULT_STAGING_PREFIX = "multipart-staging/"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
#: Each option's flat Django setting: django-storages' names.
SETTING_NAMES = {
    "container": "AZURE_CONTAINER",
    "account_name": "AZURE_ACCOUNT_NAME",
    "account_key": "AZURE_ACCOUNT_KEY",
    "connection_string": "AZURE_CONNECTION_STRING",
    "token_credential": "AZURE_TOKEN_CREDENTIAL",
    "custom_domain": "AZURE_CUSTOM_DOMAIN",
    "endpoint_suffix": "AZURE_ENDPOINT_SUFFIX",
    "ssl": "AZURE_SSL",
    "api_version": "AZURE_API_VERSION",
    "timeout": "AZURE_CONNECTION_TIMEOUT_SECS",
    "client_options": "AZURE_CLIENT_OPTIONS",
}


class AzureBackend(StorageBackend):
    """Signs blob SAS URLs: create-only for the browser's PUT, read-only for downloads.

    A SAS cannot carry a size limit or a content type, so the complete step's check after the
    upload is what enforces both on Azure. With an account key (or a connection string holding
    one) SAS are signed offline; with a token credential they are user delegation SAS, signed
    with a key fetched from Azure and cached until shortly before it expires.

    Multipart uploads stage blocks (Put Block, one write SAS per part) on a staging blob under
    ``staging_prefix``; complete commits them there (Put Block List) and copies the result to
    the key, so no part URL can ever write the object the complete step checked.
    """

    #: ``md5``: the instruction's ``Content-MD5`` header makes Azure refuse other bytes (a SAS
    #: cannot sign headers, so a client may drop it; then Azure stores the MD5 it computed and
    #: complete compares that). Azure keeps no SHA-256 of a blob, so it is not listed.
    capabilities = Capabilities(
        enforces_size_limit=False,
        enforces_content_type=False,
        cors=True,
        checksums=frozenset({"md5"}),
        multipart=True,
        min_part_size=MINIMUM_UPLOAD_PART_SIZE,
        max_part_size=MAXIMUM_UPLOAD_PART_SIZE,
        max_parts=MAXIMUM_UPLOAD_PARTS_COUNT,
        server_side_io=True,
        part_checksum="md5",
    )

    def __init__(
        self,
        *,
        name: str = "",
        container: str | None = None,
        account_name: str | None = None,
        account_key: str | None = None,
        connection_string: str | None = None,
        token_credential: Any = None,
        account_url: str | None = None,
        custom_domain: str | None = None,
        endpoint_suffix: str = "core.windows.net",
        ssl: bool = True,
        api_version: str | None = None,
        timeout: float = 20,
        max_retries: int = 2,
        user_delegation_key_lifetime: int = 24 * 3600,
        client_options: Mapping[str, Any] | None = None,
        staging_prefix: str = DEFAULT_STAGING_PREFIX,
        copy_wait: float = 20,
    ) -> None:
        super().__init__(name=name)
        if not container:
            raise BackendConfigurationError(
                f"The Azure backend configuration '{name}' has no container.",
                hint="Set AZURE_CONTAINER, or 'container' in the configuration's OPTIONS.",
            )
        check_lifetime(user_delegation_key_lifetime)
        if not staging_prefix:
            raise BackendConfigurationError(
                "staging_prefix must not be empty: staging blobs need a prefix of their own.",
                hint=f'Leave it unset for "{DEFAULT_STAGING_PREFIX}".',
            )
        self.container = container
        self.staging_prefix = staging_prefix
        self.copy_wait = copy_wait
        self._service, self._account_key = service_client(
            name=name,
            account_name=account_name,
            account_key=account_key,
            connection_string=connection_string,
            token_credential=resolve_credential(token_credential),
            account_url=account_url or default_account_url(account_name, endpoint_suffix, ssl),
            options=service_options(
                timeout=timeout,
                max_retries=max_retries,
                api_version=api_version,
                extra=client_options,
            ),
        )
        self.account_name = self._service.account_name
        self._container = self._service.get_container_client(container)
        self._public_base = (
            f"{'https' if ssl else 'http'}://{custom_domain}"
            if custom_domain
            else self._service.primary_endpoint.rstrip("/")
        )
        self._delegation_keys = None
        if not self._account_key:
            self._delegation_keys = UserDelegationKeyCache(
                self._fetch_user_delegation_key, user_delegation_key_lifetime
            )

    @classmethod
    def settings_defaults(cls, django_settings: Any) -> dict[str, Any]:
        return options_from_settings(SETTING_NAMES, settings=django_settings)

    def check(self) -> list[Any]:
        messages: list[Any] = []
        label = self.name or "azure"
        for setting in ("UPLOAD_EXPIRY", "DOWNLOAD_EXPIRY"):
            expiry = app_setting(setting)
            if expiry > RECOMMENDED_MAXIMUM_EXPIRY:
                messages.append(
                    checks.Warning(
                        f"S3_FILE_UPLOADS['{setting}'] is {expiry} seconds: every SAS URL the "
                        f"'{label}' backend signs stays usable that long if it leaks.",
                        hint=f"Use at most {RECOMMENDED_MAXIMUM_EXPIRY} seconds (a day).",
                        id="s3_file_uploads_azure.W001",
                    )
                )
        max_size = max_upload_size()
        # Files over MULTIPART_THRESHOLD go multipart (staged blocks), so only files at or under
        # the threshold are sent in one PUT.
        single_put_limit = min(max_size or 0, app_setting("MULTIPART_THRESHOLD"))
        if single_put_limit > MAXIMUM_PUT_BLOB_SIZE:
            messages.append(
                checks.Warning(
                    f"MAX_FILE_UPLOAD_SIZE is {max_size} bytes and MULTIPART_THRESHOLD is "
                    f"{app_setting('MULTIPART_THRESHOLD')} bytes, but one PUT to Azure Blob "
                    f"Storage carries at most {MAXIMUM_PUT_BLOB_SIZE} bytes (5000 MiB).",
                    hint=f"Set S3_FILE_UPLOADS['MULTIPART_THRESHOLD'] (or MAX_FILE_UPLOAD_SIZE) "
                    f"to {MAXIMUM_PUT_BLOB_SIZE} or less, so larger files go multipart.",
                    id="s3_file_uploads_azure.W002",
                )
            )
        parts = urlsplit(self._public_base)
        if parts.scheme != "https" and parts.hostname not in LOOPBACK_HOSTS:
            messages.append(
                checks.Warning(
                    f"The '{label}' backend signs URLs on {parts.scheme}://{parts.netloc}: "
                    "SAS tokens would cross the network unencrypted.",
                    hint="Use an https:// endpoint (AZURE_SSL = True).",
                    id="s3_file_uploads_azure.W003",
                )
            )
        return messages

    def sign_upload(self, upload: UploadSpec) -> UploadInstruction:
        self.map_acl(upload.acl)
        expiry = expires_at(self._sas_lifetime(upload.expires_in))
        sas = self._sign(upload.key, UPLOAD_PERMISSION, expiry)
        headers = {"x-ms-blob-type": "BlockBlob", "Content-Type": upload.content_type}
        if upload.checksum is not None:
            headers["Content-MD5"] = upload.checksum.value
        return UploadInstruction(
            method="PUT",
            url=f"{self._blob_url(upload.key)}?{sas}",
            headers=headers,
            expires_at=expiry,
        )

    def presign_download(
        self, *, key: str, content_disposition: str, content_type: str | None, expires_in: int
    ) -> str:
        expiry = expires_at(self._sas_lifetime(expires_in))
        sas = self._sign(
            key,
            DOWNLOAD_PERMISSION,
            expiry,
            content_disposition=content_disposition,
            content_type=content_type,
        )
        return f"{self._blob_url(key)}?{sas}"

    def stat(self, key: str) -> ObjectInfo:
        with _translate_errors(self, key):
            props = self._container.get_blob_client(key).get_blob_properties()
        copy_status = _copy_status(props)
        if copy_status in UNFINISHED_COPY | BROKEN_COPY:
            raise StorageUnavailable(
                f"the blob '{key}' is still being assembled (copy {copy_status}); complete again"
            )
        settings = props.content_settings
        md5 = bytes(settings.content_md5) if settings.content_md5 else b""
        return ObjectInfo(
            key=key,
            size=props.size,
            content_type=settings.content_type,
            etag=(props.etag or "").strip('"') or None,
            checksums={"md5": _b64(md5)} if md5 else {},
        )

    def delete(self, key: str) -> None:
        with contextlib.suppress(ObjectNotFound), _translate_errors(self, key):
            self._container.get_blob_client(key).delete_blob(delete_snapshots="include")

    def start_multipart(self, *, key: str, content_type: str, acl: str) -> str:
        """Nothing to create yet: the id names the staging blob and carries the content type,
        which Put Block List sets when complete commits the blocks."""
        self.map_acl(acl)
        return blocks.new_upload_id(content_type)

    def sign_part(self, part: PartSpec) -> PartInstruction:
        """A Put Block URL for the staging blob; the block id is derived from the part number.

        A SAS cannot sign a length or a header: list_parts reports each block's size and the
        core refuses a part of the wrong size before anything is committed. A part's checksum
        goes in its ``Content-MD5`` header, which Azure checks the block against (400); as the
        SAS cannot bind it, complete reads the parts back too.
        """
        staging = self._staging_name(part.upload_id)
        expiry = expires_at(self._sas_lifetime(part.expires_in))
        sas = self._sign(staging, PART_PERMISSION, expiry)
        block = blocks.block_id_parameter(part.part_number)
        url = f"{self._blob_url(staging)}?comp=block&blockid={block}&{sas}"
        headers = {"Content-MD5": part.checksum.value} if part.checksum else {}
        return PartInstruction(part.part_number, url, part.size, expiry, headers)

    def list_parts(self, *, key: str, upload_id: str) -> list[StoredPart]:
        """The staged blocks by part number; ObjectNotFound once the key holds the result."""
        staging = self._staging_client(upload_id)
        if self._assembled(key, staging):
            raise ObjectNotFound(key)
        try:
            with _translate_errors(self, key):
                committed, uncommitted = staging.get_block_list("all")
        except ObjectNotFound:
            return []  # no block staged yet
        sizes: dict[int, int] = {}
        # Uncommitted last: Put Block List's "Latest" takes an uncommitted block over a
        # committed one with the same id, and so must the sizes reported here.
        for block in [*committed, *uncommitted]:
            if (number := blocks.part_number(block.id)) is not None:
                sizes[number] = block.size
        return [StoredPart(number, sizes[number]) for number in sorted(sizes)]

    def complete_multipart(self, *, key: str, upload_id: str, parts: Sequence[StoredPart]) -> None:
        """Commit the blocks on the staging blob, then copy it to ``key`` inside the account.

        The copy must not replace an existing blob (a concurrent complete won: ObjectNotFound)
        and must copy exactly what was committed (the staging blob's ETag is a source
        condition). A copy still pending after ``copy_wait`` seconds is left running: stat
        answers StorageUnavailable until it is done, and a later complete picks up from there.
        """
        _, content_type = blocks.parse_upload_id(upload_id)
        staging = self._staging_client(upload_id)
        target = self._container.get_blob_client(key)
        block_list = [BlobBlock(blocks.block_id(part.part_number)) for part in parts]
        with _translate_errors(self, key):
            committed = staging.commit_block_list(
                block_list, content_settings=ContentSettings(content_type=content_type)
            )
            source_sas = self._sign(
                staging.blob_name, DOWNLOAD_PERMISSION, expires_at(COPY_SOURCE_SAS_LIFETIME)
            )
            try:
                copy = target.start_copy_from_url(
                    f"{staging.url}?{source_sas}",
                    match_condition=MatchConditions.IfMissing,
                    source_etag=committed["etag"],
                    source_match_condition=MatchConditions.IfNotModified,
                )
            except ResourceExistsError as exc:
                raise ObjectNotFound(key) from exc
            status = self._wait_for_copy(target, copy.get("copy_status"))
        if status == "success":
            self._discard_staging(staging)

    def abort_multipart(self, *, key: str, upload_id: str) -> None:
        """Discard the staged blocks and the staging blob; the key is not touched.

        No API deletes uncommitted blocks (Azure drops them a week after the last Put Block),
        but committing an empty block list discards them at once; then the blob goes.
        """
        self._discard_staging(self._staging_client(upload_id), strict=True)

    def map_acl(self, acl: str) -> str | None:
        if acl == PRIVATE:
            return None
        raise AclNotSupported(
            f"the '{acl}' ACL cannot be set on one blob: public access on Azure is a container "
            "setting (its public access level), not a per-object ACL. Request 'private' and "
            "share files through signed download URLs, or use a container whose public access "
            "level is set in Azure."
        )

    # Server-side access: ranged downloads chunk by chunk (the SDK holds them to the blob's
    # ETag), writes in one Put Blob or in blocks, create-only (If-None-Match: *).

    def open_read(self, key: str, *, start: int = 0, end: int | None = None) -> BinaryIO:
        if end is not None and end < start:  # no bytes, but a missing blob is still missing
            self.stat(key)
            return from_chunks(iter(()))
        with _translate_errors(self, key):
            try:
                downloader = self._container.get_blob_client(key).download_blob(
                    max_concurrency=1, **download_range(start, end)
                )
            except HttpResponseError as exc:
                if exc.status_code != 416:
                    raise
                return from_chunks(iter(()))  # the range starts past the end: no bytes
        return from_chunks(downloader.chunks(), guard=lambda: _translate_errors(self, key))

    def store(self, target: NewObject, stream: BinaryIO) -> ObjectInfo:
        """Store ``stream`` only if no blob has the key; blocks staged for a write that fails
        are never committed (Azure drops them within a week)."""
        key, size = target.key, target.size
        self.map_acl(target.acl)
        with _translate_errors(self, key):
            try:
                self._container.get_blob_client(key).upload_blob(
                    sized_source(stream, size),
                    length=size,
                    overwrite=False,
                    content_settings=ContentSettings(content_type=target.content_type),
                    max_concurrency=1,
                )
            except ResourceExistsError as exc:
                raise ObjectExists(f"an object is already stored under '{key}'") from exc
        info = self.stat(key)
        logger.info("Stored %s bytes under key %s on backend %s", info.size, key, self.name)
        return info

    def configure_cors(
        self, origins: Sequence[str], *, replace: bool = False
    ) -> list[dict[str, Any]]:
        """Add ``origins`` to the rule a browser upload needs; return every rule now in effect.

        CORS on Azure is a property of the account's whole Blob service, so rules set for other
        purposes are kept, and origins join this backend's earlier rule. ``replace`` leaves only
        the upload rule, for the whole Blob service of the account.
        """
        if not origins:
            raise BackendConfigurationError(
                "configure_cors needs at least one origin.",
                hint="Pass the origins your pages are served from, e.g. https://app.example.com",
            )
        with _translate_errors(self):
            current = [] if replace else self._service.get_service_properties().get("cors") or []
            rules = merge_cors_rules(current, origins)
            if len(rules) > MAXIMUM_CORS_RULES:
                raise BackendConfigurationError(
                    f"The Blob service already has {len(current)} CORS rules; Azure allows "
                    f"{MAXIMUM_CORS_RULES}.",
                    hint="Remove a rule in the Azure portal (Storage account > Resource sharing "
                    "(CORS) > Blob service), then run this again.",
                )
            if replace or rules != current:
                self._service.set_service_properties(cors=rules)
        logger.info(
            "CORS rules of %s on backend %s now admit %s", self.describe(), self.name, origins
        )
        return [rule_dict(rule) for rule in rules]

    def describe(self) -> str:
        return f"Azure container '{self.container}' of account '{self.account_name}'"

    def diagnose(self, *, origins: Sequence[str]) -> Iterator[Diagnosis]:
        where = self.describe()
        try:
            with _translate_errors(self):
                self._container.get_container_properties()
        except BucketNotFound as error:
            yield Diagnosis("credentials", "pass", "Azure accepted them")
            yield Diagnosis("container", "fail", f"{where} does not exist", error.hint or "", True)
            return
        except StorageUnavailable as error:
            yield Diagnosis(
                "connection",
                "fail",
                str(error),
                "Check the account URL (AZURE_CONNECTION_STRING's BlobEndpoint, "
                "AZURE_ACCOUNT_NAME, AZURE_ENDPOINT_SUFFIX) and the network.",
                blocking=True,
            )
            return
        except StorageError as error:
            detail = f"Azure refused access to {where}: {error}"
            yield Diagnosis("credentials", "fail", detail, CREDENTIALS_HINT, blocking=True)
            return
        yield Diagnosis("credentials", "pass", "Azure accepted them")
        yield Diagnosis("container", "pass", f"{where} exists")
        yield from self._diagnose_cors(origins)

    def _diagnose_cors(self, origins: Sequence[str]) -> Iterator[Diagnosis]:
        if not origins:
            yield NO_ORIGINS_TO_CHECK
            return
        try:
            with _translate_errors(self):
                rules = self._service.get_service_properties().get("cors") or []
        except StorageError as error:
            yield Diagnosis(
                "CORS",
                "skip",
                f"could not read the Blob service's CORS rules: {error}",
                "Credentials that may read the account's service properties can check them "
                "here; or compare them in the Azure portal (Resource sharing (CORS)).",
            )
            return
        yield from origin_diagnoses(
            self.name, origins, lambda origin: cors_shortfall(rules, origin)
        )

    def _container_hint(self) -> str:
        return (
            f"Create the container '{self.container}' in the storage account "
            f"'{self.account_name}', or correct AZURE_CONTAINER (or 'container' in "
            f"S3_FILE_UPLOADS['BACKENDS']['{self.name}']['OPTIONS'])."
        )

    def _sign(
        self, key: str, permission: BlobSasPermissions, expires_at: datetime, **overrides: Any
    ) -> str:
        credential: dict[str, Any] = {"account_key": self._account_key}
        if self._delegation_keys is not None:
            with _translate_errors(self, key):
                credential = {"user_delegation_key": self._delegation_keys.key_until(expires_at)}
        return generate_blob_sas(
            self.account_name,
            self.container,
            key,
            permission=permission,
            expiry=expires_at,
            protocol="https" if self._public_base.startswith("https:") else "https,http",
            **credential,
            **{name: value for name, value in overrides.items() if value},
        )

    def _sas_lifetime(self, expires_in: int) -> int:
        if self._delegation_keys is not None:
            return min(expires_in, MAXIMUM_DELEGATION_SAS_EXPIRY)
        return expires_in

    def _blob_url(self, key: str) -> str:
        return f"{self._public_base}/{quote(self.container)}/{quote(key, safe='~/')}"

    def _fetch_user_delegation_key(self, start: datetime, expiry: datetime) -> UserDelegationKey:
        return self._service.get_user_delegation_key(start, expiry)

    def _staging_name(self, upload_id: str) -> str:
        token, _ = blocks.parse_upload_id(upload_id)
        return f"{self.staging_prefix}{token}"

    def _staging_client(self, upload_id: str) -> BlobClient:
        return self._container.get_blob_client(self._staging_name(upload_id))

    def _assembled(self, key: str, staging: BlobClient) -> bool:
        """Whether ``key`` already holds the copy of the staging blob (or it is on its way).

        Only complete writes a multipart upload's key, so a blob there is its result. A copy
        that failed is deleted, so that complete can commit and copy again.
        """
        target = self._container.get_blob_client(key)
        try:
            with _translate_errors(self, key):
                status = _copy_status(target.get_blob_properties())
        except ObjectNotFound:
            return False
        if status in BROKEN_COPY:
            with contextlib.suppress(ObjectNotFound), _translate_errors(self, key):
                target.delete_blob()
            return False
        if status not in UNFINISHED_COPY:
            self._discard_staging(staging)  # left behind by a copy that finished later
        return True

    def _wait_for_copy(self, target: BlobClient, status: str | None) -> str | None:
        deadline = time.monotonic() + self.copy_wait
        pause = 0.2
        while status in UNFINISHED_COPY and time.monotonic() < deadline:
            time.sleep(pause)
            pause = min(pause * 2, 2)
            status = _copy_status(target.get_blob_properties())
        if status in BROKEN_COPY:
            raise StorageUnavailable(f"copying the assembled blocks to the key {status}")
        return status

    def _discard_staging(self, staging: BlobClient, *, strict: bool = False) -> None:
        """Drop the staging blob and every block on it; ``strict`` reports storage errors."""
        try:
            with (
                contextlib.suppress(ObjectNotFound),
                _translate_errors(self, staging.blob_name),
            ):
                staging.commit_block_list([])  # discards the uncommitted blocks
                staging.delete_blob()
        except StorageError:
            if strict:
                raise


def _copy_status(props: Any) -> str | None:
    copy = getattr(props, "copy", None)
    return getattr(copy, "status", None) if copy else None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _translate_errors(
    backend: AzureBackend, key: str = ""
) -> contextlib.AbstractContextManager[None]:
    """SDK errors become the library's, carrying the backend and key, and are logged once."""
    return translated_errors(
        lambda exc: _library_error(exc, backend, key),
        backend=backend.name,
        key=key,
        logger=logger,
        what="Azure Blob Storage request",
    )


def _library_error(exc: Exception, backend: AzureBackend, key: str) -> StorageError | None:
    """What an SDK exception means, in the library's errors; None for one it does not know."""
    if isinstance(exc, ResourceNotFoundError):
        if exc.error_code == "ContainerNotFound":
            return BucketNotFound(
                backend.container, kind="container", hint=backend._container_hint()
            )
        return ObjectNotFound(key)
    if isinstance(exc, ServiceRequestError | ServiceResponseError):
        return StorageUnavailable(f"Azure Blob Storage could not be reached: {redact(exc)}")
    if isinstance(exc, HttpResponseError):
        status = exc.status_code or 0
        code = getattr(exc.error_code, "value", exc.error_code) or status
        if status >= 500:
            return StorageUnavailable(f"Azure Blob Storage answered {status} {code}")
        return StorageError(f"Azure Blob Storage refused the request: {code}")
    if isinstance(exc, AzureError):
        return StorageError(f"Azure Blob Storage request failed: {redact(exc)}")
    return None
