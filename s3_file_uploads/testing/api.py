"""The REST API as a page uses it: where it is mounted, a logged-in client, creating an upload."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from .browser import send_instruction

#: The URL name of the create endpoint; every other endpoint hangs below it.
CREATE_URL_NAME = "s3_file_uploads:upload-file-create"


def api_url(path: str = "") -> str:
    """Where the project mounts the API (reversed, so any prefix works), with ``path`` after it:
    ``api_url()`` creates and lists, ``api_url(f"{upload_id}/complete/")`` completes."""
    return reverse(CREATE_URL_NAME) + path


def api_client(user: Any | None = None, *, storage_base_url: str = "") -> APIClient:
    """A client logged in as ``user`` (anonymous for ``None``).

    Give a backend served by Django itself its live server's URL as ``storage_base_url``: the
    client then asks on that host, so the absolute URLs in replies point where its views listen.
    """
    host = urlsplit(storage_base_url).netloc
    client = APIClient(**({"HTTP_HOST": host} if host else {}))
    if user is not None:
        client.force_authenticate(user)
    return client


def create_upload(client: Client, *, body: bytes | None = None, **fields: Any) -> dict[str, Any]:
    """Create an upload with ``fields`` (``filename``, ``size``, ``multipart``...) and return the
    reply's JSON; with ``body``, also send those bytes to storage as the browser would.

    Works with DRF's ``APIClient`` and with Django's own test ``Client``.
    """
    if isinstance(client, APIClient):
        reply = client.post(api_url(), fields, format="json")
    else:
        reply = client.post(api_url(), fields, content_type="application/json")
    assert reply.status_code == 201, reply.content
    created = reply.json()
    if body is not None:
        sent = send_instruction(created["upload"], body)
        assert sent.status_code < 300, sent.text
    return created
