"""The floor: what a request costs with nothing but the database and the raw SDK call.

For each backend, a client built once and three raw calls, the same ones this project's backend
makes: sign the upload instruction (S3 and GCS POST policies with the same fields and
conditions, an Azure create-only blob SAS, a Django-signed token for local disk), stat the
object, sign the download URL. And three bare DRF views over them:

- create: the single INSERT of an upload row, the raw signature, a constant reply;
- complete: one SELECT of the row, the raw stat, one conditional UPDATE, a constant reply;
- fetch: one SELECT of the row, the raw download signature, a redirect.

No validation, no key generation, no hooks, no reply built from the row: whatever this project
costs above these is its own.
"""

from __future__ import annotations

import functools
import os
from datetime import UTC, datetime, timedelta
from typing import Any

from benchmarks.common import BUCKET, CONTENT_TYPE, LIMIT, OBJECT_KEY, backend_options

EXPIRES_IN = 300
DISPOSITION = "attachment; filename=\"f.txt\"; filename*=UTF-8''f.txt"


class RawS3:
    def __init__(self, options: dict[str, Any]) -> None:
        import boto3
        from botocore.config import Config

        self.client = boto3.session.Session(
            aws_access_key_id=options["access_key"],
            aws_secret_access_key=options["secret_key"],
            region_name=options["region_name"],
        ).client(
            "s3", endpoint_url=options["endpoint_url"], config=Config(signature_version="s3v4")
        )

    def sign_upload(self, key: str) -> Any:
        return self.client.generate_presigned_post(
            BUCKET,
            key,
            Fields={"Content-Type": CONTENT_TYPE, "acl": "private"},
            Conditions=[
                {"Content-Type": CONTENT_TYPE},
                ["content-length-range", 1, LIMIT],
                {"acl": "private"},
            ],
            ExpiresIn=EXPIRES_IN,
        )

    def stat(self, key: str) -> int:
        return self.client.head_object(Bucket=BUCKET, Key=key)["ContentLength"]

    def sign_download(self, key: str) -> str:
        return self.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": BUCKET,
                "Key": key,
                "ResponseContentDisposition": DISPOSITION,
                "ResponseContentType": CONTENT_TYPE,
            },
            ExpiresIn=EXPIRES_IN,
        )


class RawGCS:
    def __init__(self, options: dict[str, Any]) -> None:
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import storage
        from google.oauth2 import service_account

        self.credentials = service_account.Credentials.from_service_account_file(
            options["credentials"]
        )
        self.client = storage.Client(
            project=options["project_id"],
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": options["api_endpoint"]},
        )
        self.bucket = self.client.bucket(BUCKET)

    def sign_upload(self, key: str) -> Any:
        return self.client.generate_signed_post_policy_v4(
            BUCKET,
            key,
            expiration=timedelta(seconds=EXPIRES_IN),
            conditions=[["content-length-range", 1, LIMIT]],
            fields={"Content-Type": CONTENT_TYPE, "acl": "private"},
            credentials=self.credentials,
        )

    def stat(self, key: str) -> int:
        return self.bucket.get_blob(key).size

    def sign_download(self, key: str) -> str:
        return self.bucket.blob(key).generate_signed_url(
            version="v4",
            method="GET",
            expiration=timedelta(seconds=EXPIRES_IN),
            api_access_endpoint=self.client.api_endpoint,
            response_disposition=DISPOSITION,
            response_type=CONTENT_TYPE,
            credentials=self.credentials,
        )


class RawAzure:
    def __init__(self, options: dict[str, Any]) -> None:
        from azure.storage.blob import BlobSasPermissions, BlobServiceClient

        self.service = BlobServiceClient.from_connection_string(options["connection_string"])
        self.container = self.service.get_container_client(BUCKET)
        self.account_key = self.service.credential.account_key
        self.upload_permission = BlobSasPermissions(create=True)
        self.download_permission = BlobSasPermissions(read=True)

    def _sas(self, key: str, permission: Any, **overrides: str) -> str:
        from azure.storage.blob import generate_blob_sas

        return generate_blob_sas(
            self.service.account_name,
            BUCKET,
            key,
            account_key=self.account_key,
            permission=permission,
            expiry=datetime.now(UTC) + timedelta(seconds=EXPIRES_IN),
            protocol="https,http",
            **overrides,
        )

    def sign_upload(self, key: str) -> str:
        return f"{self.container.url}/{key}?{self._sas(key, self.upload_permission)}"

    def stat(self, key: str) -> int:
        return self.container.get_blob_client(key).get_blob_properties().size

    def sign_download(self, key: str) -> str:
        sas = self._sas(
            key,
            self.download_permission,
            content_disposition=DISPOSITION,
            content_type=CONTENT_TYPE,
        )
        return f"{self.container.url}/{key}?{sas}"


class RawLocal:
    """Local disk's "SDK" is Django's signing and the file system."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.location = options["location"]

    def sign_upload(self, key: str) -> str:
        from django.core import signing

        grant = {"k": key, "s": LIMIT, "t": CONTENT_TYPE, "e": 0}
        return signing.dumps(grant, salt="bench-upload", compress=True)

    def stat(self, key: str) -> int:
        return os.stat(os.path.join(self.location, key)).st_size

    def sign_download(self, key: str) -> str:
        from django.core import signing

        grant = {"k": key, "d": DISPOSITION, "t": CONTENT_TYPE, "e": 0}
        return "/download/" + signing.dumps(grant, salt="bench-download", compress=True)


RAW = {"s3": RawS3, "gcs": RawGCS, "azure": RawAzure, "local": RawLocal}


@functools.cache
def raw(backend: str) -> Any:
    """The backend's raw client, built once per process."""
    return RAW[backend](backend_options(backend))


def urlpatterns() -> list:
    """``<backend>/`` create, ``<backend>/<id>/complete/``, ``<backend>/<id>/`` fetch."""
    from django.http import HttpResponseRedirect
    from django.urls import path
    from django.utils import timezone
    from rest_framework.response import Response
    from rest_framework.views import APIView

    from s3_file_uploads.models import OPEN_STATES, UploadedFile, UploadState

    class FloorCreate(APIView):
        def post(self, request, backend):
            UploadedFile.objects.create(
                file_key=OBJECT_KEY, filename="f.txt", backend=backend, user=request.user
            )
            raw(backend).sign_upload(OBJECT_KEY)
            return Response({"ok": True}, status=201)

    class FloorComplete(APIView):
        def post(self, request, backend, file_id):
            row = UploadedFile.objects.get(pk=file_id, user=request.user)
            size = raw(backend).stat(row.file_key)
            now = timezone.now()
            UploadedFile.objects.filter(pk=row.pk, file_upload_state__in=OPEN_STATES).update(
                file_upload_state=UploadState.COMPLETED, size=size, completed_at=now, modified=now
            )
            return Response({"ok": True})

    class FloorFetch(APIView):
        def get(self, request, backend, file_id):
            row = UploadedFile.objects.get(pk=file_id, user=request.user)
            return HttpResponseRedirect(raw(backend).sign_download(row.file_key))

    return [
        path("<str:backend>/", FloorCreate.as_view()),
        path("<str:backend>/<uuid:file_id>/complete/", FloorComplete.as_view()),
        path("<str:backend>/<uuid:file_id>/", FloorFetch.as_view()),
    ]
