"""Test-only authentication for live-server runs: ``Authorization: Test <username>``.

Requests from outside Django's test client (the OpenAPI replies test, the schemathesis run)
cannot use ``force_authenticate``; this header stands in for a session or a token. Never use it
outside tests: it logs anyone in who names a user.
"""

from __future__ import annotations

from typing import Any

import requests
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from s3_file_uploads.views import UploadView

KEYWORD = "Test"


class HeaderUserAuthentication(BaseAuthentication):
    """Logs in the user named by the ``Authorization: Test <username>`` header."""

    def authenticate(self, request: Any) -> tuple[Any, None] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(f"Send 'Authorization: {KEYWORD} <username>'.")
        try:
            user = get_user_model()._default_manager.get_by_natural_key(parts[1].decode())
        except (UnicodeError, ObjectDoesNotExist):
            raise AuthenticationFailed("No such user.") from None
        return user, None

    def authenticate_header(self, request: Any) -> str:
        return KEYWORD


class HeaderUserScheme(OpenApiAuthenticationExtension):
    """Describes the header in the schema, as a project's token scheme would be."""

    target_class = HeaderUserAuthentication
    name = "testUser"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "header", "name": "Authorization"}


def live_session(monkeypatch: Any, username: str) -> requests.Session:
    """A requests session logged in as ``username`` on the live server, by the header above.

    DRF binds ``authentication_classes`` when ``rest_framework.views`` is imported, so a
    REST_FRAMEWORK override cannot change them; patch the views' base class instead.
    """
    monkeypatch.setattr(UploadView, "authentication_classes", [HeaderUserAuthentication])
    session = requests.Session()
    session.headers["Authorization"] = f"{KEYWORD} {username}"
    return session
