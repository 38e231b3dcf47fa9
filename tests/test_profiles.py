"""Upload profiles against a real moto server: avatars, documents and imports side by side."""

from __future__ import annotations

import base64
import json
import sys
import types
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from s3_file_uploads.checks import check_profiles
from s3_file_uploads.hookspecs import hookimpl
from s3_file_uploads.models import QuotaLock, UploadedFile, UploadState
from s3_file_uploads.testing import send_instruction

URL = "/api/s3-file-uploads/"
KiB = 1024

PROFILES = {
    "avatar": {
        "MAX_SIZE": 2 * KiB,
        "CONTENT_TYPES": ["image/png", "image/jpeg"],
        "KEY_PREFIX": "avatars/",
        "ACLS": ["public-read", "private"],
        "UPLOAD_EXPIRY": 120,
    },
    "document": {"MAX_SIZE": 100 * KiB, "CONTENT_TYPES": ["application/pdf"]},
    "import": {
        "MAX_SIZE": 64 * 1024 * 1024,
        "CONTENT_TYPES": ["text/csv"],
        "BACKEND": "disk",
        "MULTIPART_THRESHOLD": 6 * 1024 * 1024,
    },
    "staff": {"PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"]},
}


@pytest.fixture
def profiled(settings, s3_bucket, tmp_path):
    settings.S3_FILE_UPLOADS = {
        "ALLOWED_ACLS": ["private", "public-read"],
        "BACKENDS": {"disk": {"BACKEND": "local", "OPTIONS": {"location": str(tmp_path)}}},
        "PROFILES": PROFILES,
    }
    return settings


def create(api, **body):
    return api.post(URL, body, format="json")


def policy_of(reply) -> dict:
    return json.loads(base64.b64decode(reply.data["upload"]["fields"]["policy"]))


def test_a_profile_decides_prefix_acl_limit_expiry_and_backend(api, profiled):
    # No declared size, so S3 signs a POST policy, whose size range carries the profile's limit.
    avatar = create(api, profile="avatar", filename="me.png")
    imported = create(api, profile="import", filename="rows.csv", size=7 * 1024 * 1024)

    assert avatar.status_code == 201, avatar.content
    assert avatar.data["profile"] == "avatar"
    assert avatar.data["file_key"].startswith("avatars/")
    assert avatar.data["acl"] == "public-read"  # the profile's first ACL is its default
    assert avatar.data["max_size"] == 2 * KiB
    conditions = policy_of(avatar)["conditions"]
    assert ["content-length-range", 1, 2 * KiB] in conditions
    row = UploadedFile.objects.get(pk=avatar.data["id"])
    assert (row.profile, row.backend, row.size_limit) == ("avatar", "s3", 2 * KiB)
    assert imported.status_code == 201, imported.content
    assert imported.data["backend"] == "disk"
    assert imported.data["multipart"], "7 MiB passes the import profile's 6 MiB threshold"


def test_parts_are_signed_for_the_profiles_upload_expiry(api, profiled):
    profiled.S3_FILE_UPLOADS = {
        **profiled.S3_FILE_UPLOADS,
        "PROFILES": {**PROFILES, "import": {**PROFILES["import"], "UPLOAD_EXPIRY": 3600}},
    }
    created = create(api, profile="import", filename="rows.csv", size=7 * 1024 * 1024).data
    before = timezone.now()

    signed = api.post(created["multipart"]["parts_url"], {"part_numbers": [1]}, format="json")

    assert signed.status_code == 200, signed.content
    expires_at = parse_datetime(signed.data["parts"][0]["expires_at"])
    assert expires_at - before >= timedelta(seconds=3600 - 5), "not the flat 300 seconds"


def test_without_a_profile_the_flat_settings_apply_as_before(api, profiled):
    reply = create(api, filename="notes.txt")

    assert reply.status_code == 201
    assert reply.data["profile"] == "default"
    assert reply.data["file_key"].startswith("uploads/")
    assert reply.data["acl"] == "private"
    assert reply.data["max_size"] == profiled.MAX_FILE_UPLOAD_SIZE


@pytest.mark.parametrize("name", ["avatars", "staff", 7, "Avatar", "default "])
def test_an_unknown_or_forbidden_profile_lists_the_ones_you_may_use(api, profiled, name):
    reply = create(api, profile=name, filename="me.png")

    assert reply.status_code == 400
    message = str(reply.data["profile"])
    assert "you may use; use one of: default, avatar, document, import." in message
    assert not UploadedFile.objects.exists()


def test_an_empty_profile_means_the_default_one(api, profiled):
    reply = api.post(URL, {"profile": "", "filename": "a.txt"})  # a form field left empty
    assert reply.status_code == 201
    assert reply.data["profile"] == "default"


def test_staff_may_use_the_staff_profile(api, user, profiled):
    user.is_staff = True
    user.save()
    assert create(api, profile="staff", filename="a.txt").status_code == 201


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ({"filename": "big.png", "size": 2 * KiB + 1}, "size", "the limit is 2048 bytes"),
        ({"filename": "a.gif"}, "content_type", "accepted: image/png, image/jpeg"),
        ({"filename": "a.png", "acl": "public-read-write"}, "acl", "['PROFILES']['avatar']"),
    ],
)
def test_the_avatar_profile_refuses_what_it_does_not_allow(api, profiled, body, field, says):
    reply = create(api, profile="avatar", **body)

    assert reply.status_code == 400
    assert says in str(reply.data[field])
    assert not UploadedFile.objects.exists()


def test_complete_holds_the_row_to_the_limit_it_was_signed_with(api, profiled):
    created = create(api, profile="avatar", filename="me.png").data
    profiled.S3_FILE_UPLOADS = {
        **profiled.S3_FILE_UPLOADS,
        "PROFILES": {**PROFILES, "avatar": {**PROFILES["avatar"], "MAX_SIZE": 1000}},
    }
    assert send_instruction(created["upload"], b"p" * 1500).status_code < 300

    done = api.post(created["complete_url"])

    assert done.status_code == 200, done.content
    assert done.data["size"] == 1500


# The before_create hook.


@pytest.fixture
def gatekeeper(settings):
    module = types.ModuleType("gatekeeper_plugin")
    module.seen = []
    module.answer = None

    @hookimpl
    def s3_file_uploads_before_create(request, profile, name, content_type, size):
        module.seen.append((request.user.username, profile.name, name, content_type, size))
        if isinstance(module.answer, Exception):
            raise module.answer
        return module.answer

    module.s3_file_uploads_before_create = s3_file_uploads_before_create
    sys.modules[module.__name__] = module
    settings.S3_FILE_UPLOADS = {
        **getattr(settings, "S3_FILE_UPLOADS", {}),
        "PLUGINS": [module.__name__],
    }
    yield module
    del sys.modules[module.__name__]


def test_a_before_create_hook_sees_the_request_and_may_refuse(api, profiled, gatekeeper):
    gatekeeper.answer = "Uploads are closed for maintenance until 14:00."

    reply = create(api, profile="document", filename="a.pdf", size=10)

    assert reply.status_code == 403
    assert reply.data == {"detail": "Uploads are closed for maintenance until 14:00."}
    assert gatekeeper.seen == [("ada", "document", "a.pdf", "application/pdf", 10)]
    assert not UploadedFile.objects.exists()


def test_a_before_create_hook_that_allows_lets_the_upload_through(api, profiled, gatekeeper):
    assert create(api, profile="document", filename="a.pdf").status_code == 201
    assert UploadedFile.objects.count() == 1


def test_a_before_create_hook_that_raises_is_a_500_that_leaves_nothing(api, profiled, gatekeeper):
    gatekeeper.answer = RuntimeError("policy service down")
    api.raise_request_exception = False

    reply = create(api, profile="document", filename="a.pdf")

    assert reply.status_code == 500
    assert not UploadedFile.objects.exists()


# Quotas.


@pytest.fixture
def quota(profiled):
    profiled.S3_FILE_UPLOADS = {
        **profiled.S3_FILE_UPLOADS,
        "PROFILES": {**PROFILES, "document": {"QUOTA": {"BYTES": 10, "OPEN_UPLOADS": 2}}},
    }
    return profiled


def test_a_byte_quota_counts_open_declared_sizes_and_refuses_one_byte_over(api, quota):
    first = create(api, profile="document", filename="a.pdf", size=6)
    over = create(api, profile="document", filename="b.pdf", size=5)
    fits = create(api, profile="document", filename="c.pdf", size=4)

    assert first.status_code == 201
    assert over.status_code == 403
    assert over.data == {
        "detail": over.data["detail"],
        "quota": "bytes",
        "profile": "document",
        "usage": 6,
        "limit": 10,
    }
    assert "quota is 10 bytes and 6 are in use" in over.data["detail"]
    assert fits.status_code == 201
    assert UploadedFile.objects.count() == 2


def test_deleting_an_upload_frees_its_quota(api, quota):
    first = create(api, profile="document", filename="a.pdf", size=10).data
    assert create(api, profile="document", filename="b.pdf", size=1).status_code == 403

    assert api.delete(first["file_path"]).status_code == 204

    assert create(api, profile="document", filename="b.pdf", size=1).status_code == 201


def test_an_open_upload_quota_counts_uploads_not_completed(api, quota):
    for name in ("a.pdf", "b.pdf"):
        assert create(api, profile="document", filename=name, size=1).status_code == 201

    third = create(api, profile="document", filename="c.pdf", size=1)

    assert third.status_code == 403
    assert third.data["quota"] == "open_uploads"
    assert (third.data["usage"], third.data["limit"]) == (2, 2)


def test_a_quota_needs_the_declared_size(api, quota):
    reply = create(api, profile="document", filename="a.pdf")

    assert reply.status_code == 400
    assert "has a storage quota" in str(reply.data["size"])


def test_quotas_are_per_user(api, other_api, quota):
    assert create(api, profile="document", filename="a.pdf", size=10).status_code == 201
    assert create(other_api, profile="document", filename="a.pdf", size=10).status_code == 201


def test_complete_checks_the_quota_again_with_the_stored_size(api, user, quota):
    created = create(api, profile="document", filename="a.pdf", size=4).data
    UploadedFile.objects.create(
        user=user, profile="document", size=8, file_upload_state=UploadState.COMPLETED
    )  # stored meanwhile by the server itself, outside the API
    assert send_instruction(created["upload"], b"four").status_code < 300

    done = api.post(created["complete_url"])

    assert done.status_code == 400
    assert "quota is 10 bytes and 8 are in use" in done.data["detail"]
    assert UploadedFile.objects.get(pk=created["id"]).file_upload_state == UploadState.FAILED
    assert QuotaLock.objects.filter(user=user, profile="document").count() == 1


def test_complete_under_a_quota_takes_a_lock_row_that_does_not_exist_yet(api, user, quota):
    created = create(api, profile="document", filename="a.pdf", size=4).data
    QuotaLock.objects.all().delete()  # as for a row created before quotas, or by the server
    assert send_instruction(created["upload"], b"four").status_code < 300

    done = api.post(created["complete_url"])

    assert done.status_code == 200
    assert UploadedFile.objects.get(pk=created["id"]).file_upload_state == UploadState.COMPLETED
    assert QuotaLock.objects.filter(user=user, profile="document").count() == 1


def test_a_profile_throttle_scope_limits_creates_of_that_profile(api, profiled, settings):
    profiled.S3_FILE_UPLOADS = {
        **profiled.S3_FILE_UPLOADS,
        "PROFILES": {**PROFILES, "avatar": {**PROFILES["avatar"], "THROTTLE_SCOPE": "avatars"}},
    }
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"avatars": "1/min"},
    }
    from django.core.cache import cache

    cache.clear()
    assert create(api, profile="avatar", filename="a.png").status_code == 201
    throttled = create(api, profile="avatar", filename="b.png")
    other_profile = create(api, profile="document", filename="c.pdf")

    assert throttled.status_code == 429
    assert other_profile.status_code == 201


# System checks.


@pytest.mark.parametrize(
    ("profile", "check_id", "says"),
    [
        ({"MAX_SZE": 5}, "E011", "unknown keys: MAX_SZE"),
        ({"QUOTA": {"BYTS": 5}}, "E011", "QUOTA must be a dict with BYTES and/or OPEN_UPLOADS"),
        ({"MAX_SIZE": -1}, "E012", "['MAX_SIZE'] must be a positive whole number"),
        ({"QUOTA": {"BYTES": "10MB"}}, "E012", "['QUOTA['BYTES']'] must be a positive"),
        ({"ACLS": ["world-writable"]}, "E013", "allows unknown ACLs (world-writable)"),
        ({"DEFAULT_ACL": "public-read"}, "E013", "'public-read' is not in its ACLS"),
        ({"BACKEND": "nowhere"}, "E014", "names 'nowhere', which is no backend configuration"),
        ({"CONTENT_TYPES": ["png"]}, "E015", "these are not: 'png'"),
        ({"KEY_PREFIX": "x" * 600}, "E009", "['KEY_PREFIX'] is 600 bytes"),
        ({"PERMISSION_CLASSES": ["no.such.Class"]}, "E016", "cannot be imported"),
    ],
)
def test_every_profile_is_checked_at_start_up_with_a_hint(settings, profile, check_id, says):
    settings.S3_FILE_UPLOADS = {"PROFILES": {"broken": profile}}

    messages = check_profiles()

    assert [m.id for m in messages] == [f"s3_file_uploads.{check_id}"]
    assert says in messages[0].msg
    assert messages[0].hint


def test_the_checks_pass_for_well_formed_profiles(profiled):
    assert check_profiles() == []


def test_the_openapi_schema_lists_the_profiles(profiled, db):
    client = APIClient()
    schema = client.get("/api/schema/", {"format": "json"})
    if schema.status_code == 404:
        from io import StringIO

        out = StringIO()
        call_command("spectacular", "--format", "openapi-json", stdout=out)
        document = json.loads(out.getvalue())
    else:
        document = schema.json()
    text = json.dumps(document)
    assert '"default", "avatar", "document", "import", "staff"' in text
    assert "`avatar`: up to 2048 bytes of image/png, image/jpeg" in text
