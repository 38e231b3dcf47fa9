"""Google credentials of a configuration, and how they sign URLs and POST policies.

Credentials come from the ``credentials`` option (a ``google.auth`` Credentials object or the
path of a service-account key file) or from Application Default Credentials. Credentials that
hold a private key sign locally; others (a metadata server's, a user's token) sign through the
IAM signBlob API, as a service account they must name.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import google.auth
import google.auth.credentials
import google.auth.exceptions
import google.auth.transport.requests
from google.oauth2 import service_account

from s3_file_uploads.errors import BackendConfigurationError

#: The IAM signBlob API wants a token with this scope; it covers every storage call as well.
CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"


def load_credentials(
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


class Signer:
    """What the SDK's signing calls need: the key holder, or a fresh token and an email for IAM.

    ``uses_iam`` is true when URLs and policies are signed by the IAM signBlob API, not a local
    key: when ``iam_sign_blob`` says so, or when the credentials hold no private key.
    """

    def __init__(
        self,
        credentials: google.auth.credentials.Credentials,
        *,
        sa_email: str | None,
        iam_sign_blob: bool,
        name: str,
    ) -> None:
        self._credentials = credentials
        self._sa_email = sa_email
        self.uses_iam = bool(iam_sign_blob) or not isinstance(
            credentials, google.auth.credentials.Signing
        )
        if self.uses_iam and not (sa_email or getattr(credentials, "service_account_email", None)):
            raise BackendConfigurationError(
                f"The GCS backend configuration '{name}' must sign through the IAM signBlob "
                f"API ({type(credentials).__name__} holds no private key) but knows no "
                "service account to sign as.",
                hint="Set GS_SA_EMAIL (or 'sa_email' in OPTIONS) to the service account's "
                "email, or set GS_CREDENTIALS to a service-account key file.",
            )
        self._refresh_lock = threading.Lock()

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``generate_signed_url`` and ``generate_signed_post_policy_v4``."""
        if not self.uses_iam:
            return {"credentials": self._credentials}
        with self._refresh_lock:
            if not self._credentials.valid:
                self._credentials.refresh(google.auth.transport.requests.Request())
            token = self._credentials.token
        email = self._sa_email or self._credentials.service_account_email
        return {"service_account_email": email, "access_token": token}
