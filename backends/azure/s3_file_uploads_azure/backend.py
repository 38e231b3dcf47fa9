"""Azure Blob Storage (and Azurite) through azure-storage-blob: SAS-signed PUT uploads."""

from __future__ import annotations

import base64
import contextlib
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from fnmatch import fnmatchcase
from typing import Any
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
    BlobServiceClient,
    ContentSettings,
    CorsRule,
    ExponentialRetry,
    UserDelegationKey,
    generate_blob_sas,
)
from django.core import checks

from s3_file_uploads.conf import app_setting, max_upload_size
from s3_file_uploads.contract import (
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

#: The largest blob one Put Blob request (the browser's single PUT) may carry.
MAXIMUM_PUT_BLOB_SIZE = 5000 * 1024 * 1024
#: Put Block limits: the largest block and the most blocks one blob commits.
MAXIMUM_UPLOAD_PART_SIZE = 4000 * 1024 * 1024
MAXIMUM_UPLOAD_PARTS_COUNT = 50_000
#: Azure has no smallest block; this floor keeps a big file from becoming 50,000 tiny requests.
MINIMUM_UPLOAD_PART_SIZE = 1024 * 1024
#: Block ids are the part number in six digits (base64 on the wire): one length for every
#: block of a blob, as Azure requires, and room for MAXIMUM_UPLOAD_PARTS_COUNT.
BLOCK_ID_DIGITS = 6
#: Azure refuses a user delegation key valid for longer than this.
MAXIMUM_USER_DELEGATION_KEY_LIFETIME = 7 * 24 * 3600
#: A cached user delegation key is replaced once a new SAS would end this close to its expiry.
USER_DELEGATION_KEY_REFRESH_MARGIN = 5 * 60
#: How far back a new user delegation key's validity starts, for clocks that disagree.
CLOCK_SKEW = 5 * 60
#: A SAS signed with a user delegation key cannot outlive the key.
MAXIMUM_DELEGATION_SAS_EXPIRY = (
    MAXIMUM_USER_DELEGATION_KEY_LIFETIME - USER_DELEGATION_KEY_REFRESH_MARGIN
)
#: Expiry settings above this earn a system check warning: a leaked URL stays usable that long.
RECOMMENDED_MAXIMUM_EXPIRY = 24 * 3600
#: The service-wide CORS rule limit, and what one browser upload rule allows.
MAXIMUM_CORS_RULES = 5
CORS_METHODS = ("PUT", "GET", "HEAD", "OPTIONS")
CORS_ALLOWED_HEADERS = ("x-ms-blob-type", "content-type", "content-md5", "x-ms-*")
CORS_EXPOSED_HEADERS = ("ETag",)
CORS_MAX_AGE = 3600
#: What a browser upload's preflight asks for: the PUT and the instruction's headers.
CORS_UPLOAD_METHODS = ("PUT",)
CORS_UPLOAD_HEADERS = ("x-ms-blob-type", "content-type")
CREDENTIALS_HINT = (
    "Check AZURE_CONNECTION_STRING, or AZURE_ACCOUNT_NAME with AZURE_ACCOUNT_KEY; a token "
    "credential needs the Storage Blob Data Contributor role on the container."
)
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
_UPLOAD_TOKEN = re.compile(r"[0-9a-f]{32}")
_BLOCK_ID = re.compile(rf"[0-9]{{{BLOCK_ID_DIGITS}}}")
#: Seconds before the first retry of a failed request (then doubling), kept short for requests.
RETRY_BACKOFF = 1
#: ``token_credential="default"`` builds azure-identity's DefaultAzureCredential.
DEFAULT_AZURE_CREDENTIAL = "default"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


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
        if not 0 < user_delegation_key_lifetime <= MAXIMUM_USER_DELEGATION_KEY_LIFETIME:
            raise BackendConfigurationError(
                f"user_delegation_key_lifetime must be between 1 and "
                f"{MAXIMUM_USER_DELEGATION_KEY_LIFETIME} seconds (7 days).",
                hint="Leave it unset for the default of one day.",
            )
        if not staging_prefix:
            raise BackendConfigurationError(
                "staging_prefix must not be empty: staging blobs need a prefix of their own.",
                hint=f'Leave it unset for "{DEFAULT_STAGING_PREFIX}".',
            )
        self.container = container
        self.staging_prefix = staging_prefix
        self.copy_wait = copy_wait
        options: dict[str, Any] = {
            "connection_timeout": timeout,
            "read_timeout": timeout,
            "retry_policy": ExponentialRetry(
                initial_backoff=RETRY_BACKOFF,
                increment_base=2,
                retry_total=max_retries,
                random_jitter_range=RETRY_BACKOFF / 2,
            ),
            **({"api_version": api_version} if api_version else {}),
            **(client_options or {}),
        }
        self._service, self._account_key = _service_client(
            name=name,
            account_name=account_name,
            account_key=account_key,
            connection_string=connection_string,
            token_credential=_resolve_credential(token_credential),
            account_url=account_url or _default_account_url(account_name, endpoint_suffix, ssl),
            options=options,
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
            self._delegation_keys = _UserDelegationKeyCache(
                self._fetch_user_delegation_key, user_delegation_key_lifetime
            )

    @classmethod
    def settings_defaults(cls, django_settings: Any) -> dict[str, Any]:
        def setting(*names: str) -> Any:
            return next(
                (getattr(django_settings, n) for n in names if getattr(django_settings, n, None)),
                None,
            )

        defaults = {
            "container": setting("AZURE_CONTAINER"),
            "account_name": setting("AZURE_ACCOUNT_NAME"),
            "account_key": setting("AZURE_ACCOUNT_KEY"),
            "connection_string": setting("AZURE_CONNECTION_STRING"),
            "token_credential": setting("AZURE_TOKEN_CREDENTIAL"),
            "custom_domain": setting("AZURE_CUSTOM_DOMAIN"),
            "endpoint_suffix": setting("AZURE_ENDPOINT_SUFFIX"),
            "ssl": getattr(django_settings, "AZURE_SSL", None),
            "api_version": setting("AZURE_API_VERSION"),
            "timeout": setting("AZURE_CONNECTION_TIMEOUT_SECS"),
            "client_options": setting("AZURE_CLIENT_OPTIONS"),
        }
        return {option: value for option, value in defaults.items() if value is not None}

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
        self.map_acl(acl)
        expiry = expires_at(self._sas_lifetime(expires_in))
        sas = self._sign(key, UPLOAD_PERMISSION, expiry)
        headers = {"x-ms-blob-type": "BlockBlob", "Content-Type": content_type}
        if checksum is not None:
            headers["Content-MD5"] = checksum.value
        return UploadInstruction(
            method="PUT",
            url=f"{self._blob_url(key)}?{sas}",
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
        return f"{secrets.token_hex(16)}:{content_type}"

    def presign_part(
        self, *, key: str, upload_id: str, part_number: int, size: int, expires_in: int
    ) -> PartInstruction:
        """A Put Block URL for the staging blob; the block id is derived from ``part_number``.

        A SAS cannot sign a length: list_parts reports each block's size and the core refuses
        a part of the wrong size before anything is committed.
        """
        staging = self._staging_name(upload_id)
        expiry = expires_at(self._sas_lifetime(expires_in))
        sas = self._sign(staging, PART_PERMISSION, expiry)
        block_id = quote(_b64(_block_id(part_number).encode("ascii")), safe="")
        url = f"{self._blob_url(staging)}?comp=block&blockid={block_id}&{sas}"
        return PartInstruction(part_number, url, size, expires_at=expiry)

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
            if (number := _part_number(block.id)) is not None:
                sizes[number] = block.size
        return [StoredPart(number, sizes[number]) for number in sorted(sizes)]

    def complete_multipart(self, *, key: str, upload_id: str, parts: Sequence[StoredPart]) -> None:
        """Commit the blocks on the staging blob, then copy it to ``key`` inside the account.

        The copy must not replace an existing blob (a concurrent complete won: ObjectNotFound)
        and must copy exactly what was committed (the staging blob's ETag is a source
        condition). A copy still pending after ``copy_wait`` seconds is left running: stat
        answers StorageUnavailable until it is done, and a later complete picks up from there.
        """
        _, content_type = _parse_upload_id(upload_id)
        staging = self._staging_client(upload_id)
        target = self._container.get_blob_client(key)
        blocks = [BlobBlock(_block_id(part.part_number)) for part in parts]
        with _translate_errors(self, key):
            committed = staging.commit_block_list(
                blocks, content_settings=ContentSettings(content_type=content_type)
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
        return [_rule_dict(rule) for rule in rules]

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
            yield Diagnosis(
                "CORS",
                "skip",
                "no origins to check",
                "Set S3_FILE_UPLOADS['CORS_ORIGINS'] to the origins your pages are served from "
                "(or pass --origin).",
            )
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
        for origin in origins:
            if shortfall := cors_shortfall(rules, origin):
                fix = (
                    f"Run: python manage.py configure_cors --backend {self.name} --origin {origin}"
                )
                yield Diagnosis(f"CORS for {origin}", "fail", shortfall, fix)
            else:
                yield Diagnosis(f"CORS for {origin}", "pass", "browser uploads are allowed")

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
        token, _ = _parse_upload_id(upload_id)
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


class _UserDelegationKeyCache:
    """One user delegation key, shared by every thread and replaced before it runs out.

    ``key_until(moment)`` returns a key still valid ``USER_DELEGATION_KEY_REFRESH_MARGIN`` after
    ``moment``, fetching a new one (once, whichever thread asks first) when the cached key
    would expire sooner.
    """

    def __init__(
        self,
        fetch: Callable[[datetime, datetime], UserDelegationKey],
        lifetime: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._fetch, self._lifetime, self._clock = fetch, lifetime, clock
        self._lock = threading.Lock()
        self._key: UserDelegationKey | None = None
        self._expires_at = datetime.min.replace(tzinfo=UTC)

    def key_until(self, moment: datetime) -> UserDelegationKey:
        needed_until = moment + timedelta(seconds=USER_DELEGATION_KEY_REFRESH_MARGIN)
        with self._lock:
            if self._key is None or self._expires_at < needed_until:
                now = self._clock().replace(microsecond=0)
                expiry = min(
                    max(now + timedelta(seconds=self._lifetime), needed_until),
                    now + timedelta(seconds=MAXIMUM_USER_DELEGATION_KEY_LIFETIME),
                )
                key = self._fetch(now - timedelta(seconds=CLOCK_SKEW), expiry)
                self._key = key
                self._expires_at = _parse_time(key.signed_expiry) or expiry
            return self._key


def _service_client(
    *,
    name: str,
    account_name: str | None,
    account_key: str | None,
    connection_string: str | None,
    token_credential: Any,
    account_url: str | None,
    options: dict[str, Any],
) -> tuple[BlobServiceClient, str | None]:
    """The one client of a configuration, and the account key that signs SAS (if any).

    Precedence as in django-storages: connection string, account key, token credential.
    """
    try:
        if connection_string:
            service = BlobServiceClient.from_connection_string(connection_string, **options)
            key = getattr(service.credential, "account_key", None)
            if key:
                return service, key
            if not token_credential:
                raise BackendConfigurationError(
                    f"The connection string of the Azure backend configuration '{name}' holds "
                    "no AccountKey, so it cannot sign upload URLs.",
                    hint="Use a connection string with AccountKey=..., or set "
                    "AZURE_TOKEN_CREDENTIAL to sign user delegation SAS instead.",
                )
            account_url = service.primary_endpoint
        elif account_key:
            if not account_name:
                raise BackendConfigurationError(
                    f"The Azure backend configuration '{name}' has an account key but no "
                    "account name.",
                    hint="Set AZURE_ACCOUNT_NAME, or 'account_name' in OPTIONS.",
                )
            credential = {"account_name": account_name, "account_key": account_key}
            return BlobServiceClient(account_url, credential, **options), account_key
        if token_credential:
            if not account_url:
                raise BackendConfigurationError(
                    f"The Azure backend configuration '{name}' has a token credential but no "
                    "account.",
                    hint="Set AZURE_ACCOUNT_NAME, or 'account_url' in OPTIONS.",
                )
            if urlsplit(account_url).scheme != "https":
                raise BackendConfigurationError(
                    f"The Azure backend configuration '{name}' uses a token credential over "
                    f"{account_url}; Azure accepts tokens over HTTPS only.",
                    hint="Use an https:// account_url (and AZURE_SSL = True).",
                )
            return BlobServiceClient(account_url, token_credential, **options), None
    except ValueError as exc:
        raise BackendConfigurationError(
            f"The Azure backend configuration '{name}' is malformed: {exc}",
            hint="Check AZURE_CONNECTION_STRING, AZURE_ACCOUNT_NAME and account_url.",
        ) from exc
    raise BackendConfigurationError(
        f"The Azure backend configuration '{name}' has no credentials to sign URLs with.",
        hint="Set AZURE_CONNECTION_STRING, or AZURE_ACCOUNT_NAME with AZURE_ACCOUNT_KEY, or "
        'AZURE_ACCOUNT_NAME with AZURE_TOKEN_CREDENTIAL (or token_credential="default" with '
        "django-s3-file-upload-azure[identity]). A SAS token alone cannot sign new SAS.",
    )


def _resolve_credential(token_credential: Any) -> Any:
    if token_credential != DEFAULT_AZURE_CREDENTIAL:
        return token_credential
    try:
        from azure.identity import DefaultAzureCredential
    except ImportError as exc:
        raise BackendConfigurationError(
            'token_credential="default" needs azure-identity, which is not installed.',
            hint='pip install "django-s3-file-upload-azure[identity]"',
        ) from exc
    return DefaultAzureCredential()


def _default_account_url(account_name: str | None, endpoint_suffix: str, ssl: bool) -> str | None:
    if not account_name:
        return None
    return f"{'https' if ssl else 'http'}://{account_name}.blob.{endpoint_suffix}"


def upload_cors_rule(origins: Sequence[str]) -> CorsRule:
    """The rule ``configure_cors`` sets: browser PUTs (single and parts) from ``origins``."""
    return CorsRule(
        list(origins),
        list(CORS_METHODS),
        allowed_headers=list(CORS_ALLOWED_HEADERS),
        exposed_headers=list(CORS_EXPOSED_HEADERS),
        max_age_in_seconds=CORS_MAX_AGE,
    )


def cors_shortfall(rules: Sequence[CorsRule], origin: str) -> str:
    """What the rules lack for browser uploads from ``origin``; empty when nothing."""
    admitting = [r for r in rules if origin_allowed(origin, _items(r.allowed_origins))]
    if not admitting:
        return f"no CORS rule admits {origin}"
    gaps = []
    for rule in admitting:
        methods = {m.upper() for m in _items(rule.allowed_methods)}
        allowed = [h.lower() for h in _items(rule.allowed_headers)]
        exposed = [h.lower() for h in _items(rule.exposed_headers)]
        missing = [m for m in CORS_UPLOAD_METHODS if m not in methods]
        missing += [h for h in CORS_UPLOAD_HEADERS if not any(fnmatchcase(h, p) for p in allowed)]
        missing += [
            f"exposed {h}"
            for h in CORS_EXPOSED_HEADERS
            if not any(fnmatchcase(h.lower(), p) for p in exposed)
        ]
        if not missing:
            return ""
        gaps.append(", ".join(missing))
    return f"the rules admitting {origin} lack {' / '.join(gaps)}"


def merge_cors_rules(current: Sequence[CorsRule], origins: Sequence[str]) -> list[CorsRule]:
    """``current`` plus browser uploads from ``origins``: an origin a rule already serves is
    left alone; the others join this backend's upload rule, or a new one."""
    rules = list(current)
    missing = [o for o in origins if cors_shortfall(rules, o)]
    if not missing:
        return rules
    for index, rule in enumerate(rules):
        if _is_upload_rule(rule):
            rules[index] = upload_cors_rule([*_items(rule.allowed_origins), *missing])
            return rules
    return [*rules, upload_cors_rule(missing)]


def _items(value: str | Sequence[str] | None) -> list[str]:
    """A CORS rule's list, which the SDK keeps as comma-separated text."""
    if isinstance(value, str) or value is None:
        return [item.strip() for item in (value or "").split(",") if item.strip()]
    return [item.strip() for item in value if item.strip()]


def _is_upload_rule(rule: CorsRule) -> bool:
    def items(value: str) -> set[str]:
        return {item.strip().lower() for item in (value or "").split(",") if item.strip()}

    return items(rule.allowed_methods) == {m.lower() for m in CORS_METHODS} and items(
        rule.allowed_headers
    ) == {h.lower() for h in CORS_ALLOWED_HEADERS}


def _rule_dict(rule: CorsRule) -> dict[str, Any]:
    def items(value: str) -> list[str]:
        return [item.strip() for item in (value or "").split(",") if item.strip()]

    return {
        "allowed_origins": items(rule.allowed_origins),
        "allowed_methods": items(rule.allowed_methods),
        "allowed_headers": items(rule.allowed_headers),
        "exposed_headers": items(rule.exposed_headers),
        "max_age_in_seconds": rule.max_age_in_seconds,
    }


def _parse_upload_id(upload_id: str) -> tuple[str, str]:
    """``TOKEN:CONTENT_TYPE`` as start_multipart made it; anything else is no upload of ours."""
    token, _, content_type = upload_id.partition(":")
    if not _UPLOAD_TOKEN.fullmatch(token):
        raise ObjectNotFound(f"no multipart upload has the id {upload_id!r}")
    return token, content_type


def _block_id(part_number: int) -> str:
    return f"{part_number:0{BLOCK_ID_DIGITS}d}"


def _part_number(block_id: str) -> int | None:
    """The part a staged block holds, or None for a block this backend did not name."""
    if not _BLOCK_ID.fullmatch(block_id or ""):
        return None
    number = int(block_id)
    return number if 1 <= number <= MAXIMUM_UPLOAD_PARTS_COUNT else None


def _copy_status(props: Any) -> str | None:
    copy = getattr(props, "copy", None)
    return getattr(copy, "status", None) if copy else None


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@contextlib.contextmanager
def _translate_errors(backend: AzureBackend, key: str = "") -> Iterator[None]:
    """SDK errors become the library's, carrying the backend and key, and are logged once."""
    context = {"backend": backend.name, "key": key}
    try:
        try:
            yield
        except ResourceNotFoundError as exc:
            if exc.error_code == "ContainerNotFound":
                raise BucketNotFound(
                    backend.container, kind="container", hint=backend._container_hint(), **context
                ) from exc
            raise ObjectNotFound(key, **context) from exc
        except (ServiceRequestError, ServiceResponseError) as exc:
            raise StorageUnavailable(
                f"Azure Blob Storage could not be reached: {redact(exc)}", **context
            ) from exc
        except HttpResponseError as exc:
            status = exc.status_code or 0
            code = getattr(exc.error_code, "value", exc.error_code) or status
            if status >= 500:
                raise StorageUnavailable(
                    f"Azure Blob Storage answered {status} {code}", **context
                ) from exc
            raise StorageError(
                f"Azure Blob Storage refused the request: {code}", **context
            ) from exc
        except AzureError as exc:
            raise StorageError(
                f"Azure Blob Storage request failed: {redact(exc)}", **context
            ) from exc
    except StorageError as error:
        error.backend, error.key = error.backend or backend.name, error.key or key
        _log_failure(error)
        raise


def _log_failure(error: StorageError) -> None:
    """One line per storage failure: backend, key and what Azure said; never a SAS."""
    level = logging.DEBUG if isinstance(error, ObjectNotFound) else logging.WARNING
    if isinstance(error, BucketNotFound | BackendConfigurationError):
        level = logging.ERROR
    logger.log(
        level,
        "Azure Blob Storage request failed on backend %s, key %s: %s",
        error.backend,
        error.key or "-",
        redact(error),
    )
