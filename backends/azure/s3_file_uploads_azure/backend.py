"""Azure Blob Storage (and Azurite) through azure-storage-blob: SAS-signed PUT uploads."""

from __future__ import annotations

import base64
import contextlib
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from azure.core.exceptions import (
    AzureError,
    HttpResponseError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.storage.blob import (
    BlobSasPermissions,
    BlobServiceClient,
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
    ObjectInfo,
    StorageBackend,
    UploadInstruction,
)
from s3_file_uploads.errors import (
    AclNotSupported,
    BackendConfigurationError,
    ObjectNotFound,
    StorageError,
    StorageUnavailable,
)

#: The largest blob one Put Blob request (the browser's single PUT) may carry.
MAXIMUM_PUT_BLOB_SIZE = 5000 * 1024 * 1024
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
#: Create, not write: a finished (and checked) upload cannot be overwritten with the same URL.
UPLOAD_PERMISSION = BlobSasPermissions(create=True)
DOWNLOAD_PERMISSION = BlobSasPermissions(read=True)
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
    """

    capabilities = Capabilities(enforces_size_limit=False, enforces_content_type=False, cors=True)

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
        self.container = container
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
        if max_size and max_size > MAXIMUM_PUT_BLOB_SIZE:
            messages.append(
                checks.Warning(
                    f"MAX_FILE_UPLOAD_SIZE is {max_size} bytes, but one PUT to Azure Blob "
                    f"Storage carries at most {MAXIMUM_PUT_BLOB_SIZE} bytes (5000 MiB).",
                    hint=f"Set MAX_FILE_UPLOAD_SIZE to {MAXIMUM_PUT_BLOB_SIZE} or less.",
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
        self, *, key: str, max_size: int, content_type: str, acl: str, expires_in: int
    ) -> UploadInstruction:
        self.map_acl(acl)
        expires_at = _expiry(self._sas_lifetime(expires_in))
        sas = self._sign(key, UPLOAD_PERMISSION, expires_at)
        return UploadInstruction(
            method="PUT",
            url=f"{self._blob_url(key)}?{sas}",
            headers={"x-ms-blob-type": "BlockBlob", "Content-Type": content_type},
            expires_at=expires_at,
        )

    def presign_download(
        self, *, key: str, content_disposition: str, content_type: str | None, expires_in: int
    ) -> str:
        expires_at = _expiry(self._sas_lifetime(expires_in))
        sas = self._sign(
            key,
            DOWNLOAD_PERMISSION,
            expires_at,
            content_disposition=content_disposition,
            content_type=content_type,
        )
        return f"{self._blob_url(key)}?{sas}"

    def stat(self, key: str) -> ObjectInfo:
        with _translate_errors(key, self.container):
            props = self._container.get_blob_client(key).get_blob_properties()
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
        with contextlib.suppress(ObjectNotFound), _translate_errors(key, self.container):
            self._container.get_blob_client(key).delete_blob(delete_snapshots="include")

    def map_acl(self, acl: str) -> str | None:
        if acl == PRIVATE:
            return None
        raise AclNotSupported(
            f"the '{acl}' ACL cannot be set on one blob: public access on Azure is a container "
            "setting (its public access level), not a per-object ACL. Request 'private' and "
            "share files through signed download URLs, or use a container whose public access "
            "level is set in Azure."
        )

    def configure_cors(self, origins: Sequence[str]) -> list[dict[str, Any]]:
        """Add (or replace) the rule a browser upload from ``origins`` needs.

        CORS on Azure is a property of the account's whole Blob service, so rules set for other
        purposes are kept; an earlier rule of this backend's is replaced. Returns every rule now
        in effect.
        """
        if not origins:
            raise BackendConfigurationError(
                "configure_cors needs at least one origin.",
                hint="Pass the origins your pages are served from, e.g. https://app.example.com",
            )
        ours = CorsRule(
            list(origins),
            list(CORS_METHODS),
            allowed_headers=list(CORS_ALLOWED_HEADERS),
            exposed_headers=list(CORS_EXPOSED_HEADERS),
            max_age_in_seconds=CORS_MAX_AGE,
        )
        with _translate_errors("", self.container):
            current = self._service.get_service_properties().get("cors") or []
            rules = [rule for rule in current if not _is_upload_rule(rule)] + [ours]
            if len(rules) > MAXIMUM_CORS_RULES:
                raise BackendConfigurationError(
                    f"The Blob service already has {len(current)} CORS rules; Azure allows "
                    f"{MAXIMUM_CORS_RULES}.",
                    hint="Remove a rule in the Azure portal (Storage account > Resource sharing "
                    "(CORS) > Blob service), then run this again.",
                )
            self._service.set_service_properties(cors=rules)
        return [_rule_dict(rule) for rule in rules]

    def _sign(
        self, key: str, permission: BlobSasPermissions, expires_at: datetime, **overrides: Any
    ) -> str:
        credential: dict[str, Any] = {"account_key": self._account_key}
        if self._delegation_keys is not None:
            with _translate_errors(key, self.container):
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


def _expiry(expires_in: int) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=expires_in)


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@contextlib.contextmanager
def _translate_errors(key: str, container: str) -> Iterator[None]:
    try:
        yield
    except ResourceNotFoundError as exc:
        if exc.error_code == "ContainerNotFound":
            raise StorageError(f"the Azure container '{container}' does not exist") from exc
        raise ObjectNotFound(key) from exc
    except (ServiceRequestError, ServiceResponseError) as exc:
        raise StorageUnavailable(f"Azure Blob Storage could not be reached: {exc}") from exc
    except HttpResponseError as exc:
        status = exc.status_code or 0
        code = getattr(exc.error_code, "value", exc.error_code) or status
        if status >= 500:
            raise StorageUnavailable(f"Azure Blob Storage answered {status} {code}") from exc
        raise StorageError(f"Azure Blob Storage refused the request: {code}") from exc
    except AzureError as exc:
        raise StorageError(f"Azure Blob Storage request failed: {exc}") from exc
