"""The second security review's findings (forms, field values, part checksums), each as an attack
over real servers: S3 on moto, the local backend on Django's live server.
"""

from __future__ import annotations

import base64
import hashlib
import re
from html import unescape

import pytest
from django import forms

from s3_file_uploads.forms import UploadFormMixin
from s3_file_uploads.models import DeclaredPart
from s3_file_uploads.multipart import MAX_PARTS_PER_BATCH
from s3_file_uploads.testing import create_upload

from .upload_field_app.models import Member

TEXT = {"CONTENT_TYPES": ["text/plain"], "CHECK_CONTENT": False}
MiB = 1024 * 1024


@pytest.fixture
def profiled(settings, s3_bucket) -> None:
    settings.S3_FILE_UPLOADS = {"PROFILES": {"avatar": TEXT, "document": TEXT}}


class MemberForm(UploadFormMixin, forms.ModelForm):
    class Meta:
        model = Member
        fields = ["name", "avatar", "resume"]


class PublicMemberForm(forms.ModelForm):
    """A form served with no access to the request (a sign-up page, say)."""

    class Meta:
        model = Member
        fields = ["name", "avatar", "resume"]


def completed(api, profile: str) -> dict:
    created = create_upload(api, filename="note.txt", profile=profile, body=b"private text")
    reply = api.post(created["complete_url"])
    assert reply.status_code == 200, reply.content
    return reply.json()


def rendered_value(form: forms.BaseForm, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', str(form[name]))
    assert found
    return unescape(found.group(1))


# 1. The value a form renders for an attached upload was a full field value: whoever saw the form
#    (staff, a co-editor of a shared record) could attach the owner's upload anywhere else.


def test_the_value_rendered_for_an_attached_upload_attaches_it_nowhere_else(
    profiled, api, user, other_user
):
    avatar, resume = completed(api, "avatar"), completed(api, "document")
    member = Member.objects.create(name="ada", avatar_id=avatar["id"], resume_id=resume["id"])
    seen = MemberForm(instance=member, user=other_user)
    lifted = {name: rendered_value(seen, name) for name in ("avatar", "resume")}

    elsewhere = PublicMemberForm({"name": "mallory", **lifted})

    assert not elsewhere.is_valid()
    assert elsewhere.errors["resume"] == ["This upload is not yours; choose a file of your own."]
    assert elsewhere.errors["avatar"] == ["This upload is not yours; choose a file of your own."]


def test_the_value_rendered_for_an_attached_upload_still_keeps_it(profiled, api, user):
    avatar, resume = completed(api, "avatar"), completed(api, "document")
    member = Member.objects.create(name="ada", avatar_id=avatar["id"], resume_id=resume["id"])
    seen = PublicMemberForm(instance=member)
    kept = {name: rendered_value(seen, name) for name in ("avatar", "resume")}

    form = PublicMemberForm({"name": "grace", **kept}, instance=member)

    assert form.is_valid(), form.errors
    assert not form.has_changed() or list(form.changed_data) == ["name"]
    assert str(form.save().resume_id) == resume["id"]


# 2. The parts request: duplicate part numbers, a flood of declared parts, wrong-length checksums.


@pytest.fixture
def multipart(settings, api, s3_bucket) -> dict:
    """An open S3 (moto) multipart upload of three parts, signed with SHA-256 part checksums."""
    settings.S3_FILE_UPLOADS = {"MULTIPART_PART_SIZE": 5 * MiB}
    settings.MAX_FILE_UPLOAD_SIZE = 20 * MiB
    created = create_upload(
        api, filename="big.txt", content_type="text/plain", size=12 * MiB, multipart=True
    )
    assert created["multipart"]["part_checksum"] == "sha256"
    return created


def sha256(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def test_a_part_declared_twice_with_two_checksums_is_refused(api, multipart):
    parts = [
        {"part_number": 1, "checksum": sha256(b"first")},
        {"part_number": 1, "checksum": sha256(b"second")},
    ]

    reply = api.post(multipart["multipart"]["parts_url"], {"parts": parts}, format="json")

    assert reply.status_code == 400, reply.content
    assert "part 1 more than once" in str(reply.json())
    assert not DeclaredPart.objects.exists()


def test_a_flood_of_declared_parts_is_refused_before_any_is_read(api, multipart):
    flood = [{"part_number": 1, "checksum": sha256(b"x")}] * (MAX_PARTS_PER_BATCH * 50)

    reply = api.post(multipart["multipart"]["parts_url"], {"parts": flood}, format="json")

    assert reply.status_code == 400, reply.content
    assert f"at most {MAX_PARTS_PER_BATCH}" in str(reply.json())
    assert not DeclaredPart.objects.exists()


@pytest.mark.parametrize("checksum", ["AA==", base64.b64encode(b"m" * 16).decode(), "A" * 128])
def test_a_checksum_of_the_wrong_length_for_the_plans_algorithm_is_refused(
    api, multipart, checksum
):
    parts = [{"part_number": 2, "checksum": checksum}]

    reply = api.post(multipart["multipart"]["parts_url"], {"parts": parts}, format="json")

    assert reply.status_code == 400, reply.content
    assert "SHA-256" in str(reply.json())
    assert not DeclaredPart.objects.exists()
