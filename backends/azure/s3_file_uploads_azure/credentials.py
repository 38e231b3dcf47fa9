"""Which credential signs a configuration's SAS, and the one Blob service client built on it.

Precedence as in django-storages: a connection string, then an account name with its key, then
a token credential (``"default"`` builds azure-identity's DefaultAzureCredential). With an
account key, SAS are signed offline; with a token credential alone they are user delegation
SAS (see :mod:`.delegation_keys`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from azure.storage.blob import BlobServiceClient, ExponentialRetry

from s3_file_uploads.errors import BackendConfigurationError

from .server_io import TRANSFER_OPTIONS

#: ``token_credential="default"`` builds azure-identity's DefaultAzureCredential.
DEFAULT_AZURE_CREDENTIAL = "default"
#: Seconds before the first retry of a failed request (then doubling), kept short for requests.
RETRY_BACKOFF = 1
CREDENTIALS_HINT = (
    "Check AZURE_CONNECTION_STRING, or AZURE_ACCOUNT_NAME with AZURE_ACCOUNT_KEY; a token "
    "credential needs the Storage Blob Data Contributor role on the container."
)


def service_options(
    *,
    timeout: float,
    max_retries: int,
    api_version: str | None,
    extra: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Keyword arguments of the service client: short timeouts and retries, for requests, and
    transfer sizes that keep a server-side read or write to a chunk in memory."""
    return {
        **TRANSFER_OPTIONS,
        "connection_timeout": timeout,
        "read_timeout": timeout,
        "retry_policy": ExponentialRetry(
            initial_backoff=RETRY_BACKOFF,
            increment_base=2,
            retry_total=max_retries,
            random_jitter_range=RETRY_BACKOFF / 2,
        ),
        **({"api_version": api_version} if api_version else {}),
        **(extra or {}),
    }


def service_client(
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


def resolve_credential(token_credential: Any) -> Any:
    """The token credential to use: the option as given, or azure-identity's default one."""
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


def default_account_url(account_name: str | None, endpoint_suffix: str, ssl: bool) -> str | None:
    """The Blob endpoint of an account name in its cloud (``endpoint_suffix``)."""
    if not account_name:
        return None
    return f"{'https' if ssl else 'http'}://{account_name}.blob.{endpoint_suffix}"
