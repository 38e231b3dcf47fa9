"""GCS multipart part checksums: each part URL signs the part's ``Content-MD5``, and complete
holds every stored part to the MD5 declared for it.

fake-gcs-server has no XML multipart API, so the flow runs on moto's S3 XML API, which the GCS
backend speaks as it speaks GCS's: moto checks no ``Content-MD5`` (it stores a part of other
bytes), but lists each part's ETag, the part's MD5, as GCS does; complete then refuses the
upload. Real GCS refuses such a part itself (400 BadDigest), which no local server shows.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from s3_file_uploads.contract import Checksum
from s3_file_uploads.models import UploadedFile, UploadState
from s3_file_uploads.registry import get_backend
from s3_file_uploads.testing import api_client, api_url, create_upload
from s3_file_uploads.testing.content import sample_bytes
from s3_file_uploads.testing.multipart import put_part, sign_parts
from tests.servers.moto import s3_client

PART = 5 * 1024 * 1024
BODY = sample_bytes(PART + 10, seed=17)
CHUNKS = [BODY[:PART], BODY[PART:]]


@pytest.fixture
def api(db) -> APIClient:
    return api_client(get_user_model().objects.create_user("gcs-parts", password="pw"))


@pytest.fixture
def gcs_on_moto(moto_server, gcs_service_account_file, settings) -> str:
    """The default backend: GCS's XML multipart API, served by moto."""
    bucket = f"xml-{uuid.uuid4().hex[:12]}"
    s3_client(moto_server).create_bucket(Bucket=bucket)
    options = {
        "bucket_name": bucket,
        "credentials": str(gcs_service_account_file),
        "api_endpoint": moto_server.url,
        "api_endpoint_auth": False,
        "retry_timeout": 2,
    }
    settings.S3_FILE_UPLOADS = {
        "MULTIPART_PART_SIZE": PART,
        "BACKENDS": {"gcs": {"BACKEND": "gcs", "OPTIONS": options}},
    }
    settings.STORAGE_BACKEND = "gcs"
    settings.MAX_FILE_UPLOAD_SIZE = 2 * len(BODY)
    return bucket


def md5(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()


def test_a_part_url_signs_the_parts_content_md5(gcs_on_moto):
    part = get_backend().presign_part(
        key="k/big.bin",
        upload_id="an-upload",
        part_number=1,
        size=10,
        expires_in=60,
        checksum=Checksum("md5", md5(b"0123456789")),
    )

    signed = parse_qs(urlsplit(part.url).query)["X-Goog-SignedHeaders"]
    assert signed == ["content-length;content-md5;host"]
    assert dict(part.headers) == {"Content-MD5": md5(b"0123456789")}


def test_a_stored_part_of_other_bytes_than_its_md5_makes_complete_refuse(
    api, gcs_on_moto, moto_server
):
    created = create_upload(api, filename="big.bin", size=len(BODY), multipart=True)
    (first, chunk), (second, rest) = sign_parts(api, created, BODY, [1, 2])
    assert put_part(first, b"\0" * 16 + chunk[16:], "").status_code == 200  # moto checks none
    assert put_part(second, rest, "").status_code == 200

    done = api.post(api_url(f"{created['id']}/complete/"))

    assert done.status_code == 400, done.content
    assert "Part 1 stored is not the bytes declared for it: its md5 checksum" in done.data["detail"]
    assert md5(chunk) in done.data["detail"]
    assert UploadedFile.objects.get(pk=created["id"]).file_upload_state == UploadState.FAILED
    # Nothing was assembled and the parts are discarded (moto serves no JSON API to stat).
    client = s3_client(moto_server)
    assert "Contents" not in client.list_objects_v2(Bucket=gcs_on_moto)
    assert "Uploads" not in client.list_multipart_uploads(Bucket=gcs_on_moto)
