"""Checksums on GCS against fake-gcs-server: nothing to sign in a POST form, the upload of
unknown size (it has no checksum field; a PUT of declared size signs ``Content-MD5``:
test_gcs_create_only_put.py), the MD5 GCS computes itself on stat, and the complete step holding
an upload to its declared MD5. GCS keeps no SHA-256 of an object: refused at create.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest
import requests
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from s3_file_uploads.contract import Checksum
from s3_file_uploads.models import UploadedFile, UploadState
from s3_file_uploads.registry import get_backend
from s3_file_uploads.testing import api_client, create_upload, send_instruction
from s3_file_uploads.testing.content import md5_base64

BODY = b"checked bytes\n" * 20
pytestmark = pytest.mark.usefixtures("gcs_bucket")


@pytest.fixture
def api(db) -> APIClient:
    return api_client(get_user_model().objects.create_user("sums", password="pw"))


def object_exists(server, bucket: str, key: str) -> bool:
    url = f"{server.url}/storage/v1/b/{bucket}/o/{quote(key, safe='')}"
    return requests.get(url, timeout=10).status_code == 200


def test_gcs_declares_md5_only_with_or_without_uniform_access(settings):
    assert get_backend().capabilities.checksums == {"md5"}
    settings.GS_UNIFORM_BUCKET_LEVEL_ACCESS = True
    assert get_backend().capabilities.checksums == {"md5"}


def test_a_declared_md5_adds_nothing_to_the_form_or_policy():
    # GCS's POST form fields have no Content-MD5 or x-goog-hash: a condition on one would not
    # make GCS check the bytes, so the backend signs exactly what it signs without a checksum.
    def sign(checksum):
        return get_backend().presign_upload(
            key="k/a.txt",
            max_size=1000,
            content_type="text/plain",
            acl="private",
            expires_in=60,
            checksum=checksum,
        )

    with_md5, without = sign(Checksum("md5", md5_base64(BODY))), sign(None)

    assert set(with_md5.fields) == set(without.fields)
    policy = json.loads(base64.b64decode(with_md5.fields["policy"]))
    assert md5_base64(BODY) not in json.dumps(policy)


def test_other_bytes_than_the_declared_md5_are_refused_on_complete_and_deleted(
    api, fake_gcs, gcs_bucket
):
    created = create_upload(api, filename="a.txt", content_md5=md5_base64(BODY))
    send_instruction(created["upload"], b"other bytes").raise_for_status()
    assert object_exists(fake_gcs, gcs_bucket, created["file_key"])

    done = api.post(created["complete_url"])

    assert done.status_code == 400
    assert f"is not the declared {md5_base64(BODY)}" in done.data["detail"]
    assert UploadedFile.objects.get(pk=created["id"]).file_upload_state == UploadState.FAILED
    assert not object_exists(fake_gcs, gcs_bucket, created["file_key"])


def test_the_declared_md5_completes(api):
    created = create_upload(api, filename="a.txt", content_md5=md5_base64(BODY))
    send_instruction(created["upload"], BODY).raise_for_status()

    done = api.post(created["complete_url"])

    assert done.status_code == 200, done.data
