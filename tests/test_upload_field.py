"""UploadField: a model's relation to an upload of one profile, its migration, its checks in
``full_clean()`` and in a DRF ``ModelSerializer``, and reclaiming, over moto."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import models
from django.forms import Select, modelform_factory
from django.utils import timezone
from rest_framework.test import APIRequestFactory

from s3_file_uploads.fields import UploadedFilePrimaryKeyRelatedField, UploadField
from s3_file_uploads.models import UploadedFile, UploadState
from s3_file_uploads.references import upload_relations
from s3_file_uploads.serializers import UploadModelSerializer
from s3_file_uploads.testing import api_client, create_upload

from .upload_field_app.models import Member

DAY = 24 * 3600
TEXT = {"CONTENT_TYPES": ["text/plain"], "CHECK_CONTENT": False}


@pytest.fixture
def profiled(settings, s3_bucket) -> None:
    settings.S3_FILE_UPLOADS = {
        "PROFILES": {"avatar": TEXT, "document": TEXT},
        "RECLAIM_UNATTACHED_AFTER": DAY,
    }


def upload(api, profile: str, *, complete: bool = True) -> UploadedFile:
    """An upload of ``profile`` stored on moto, completed unless told otherwise."""
    created = create_upload(api, filename="note.txt", profile=profile, body=b"some text")
    if complete:
        assert api.post(created["complete_url"]).status_code == 200
    return UploadedFile.objects.get(pk=created["id"])


class MemberSerializer(UploadModelSerializer):
    class Meta:
        model = Member
        fields = ["name", "avatar", "resume"]


def serialize(user, **data) -> MemberSerializer:
    request = APIRequestFactory().post("/")
    request.user = user
    serializer = MemberSerializer(data={"name": "ada", **data}, context={"request": request})
    serializer.is_valid()
    return serializer


# The field and its migration ---------------------------------------------------------------


def test_an_upload_field_is_a_nullable_foreign_key_to_uploads_that_sets_null_by_default():
    field = UploadField(profile="avatar")
    field.set_attributes_from_name("avatar")

    _name, path, _args, kwargs = field.deconstruct()

    assert path == "s3_file_uploads.fields.UploadField"
    assert kwargs["profile"] == "avatar"
    assert kwargs["on_delete"] is models.SET_NULL
    assert (kwargs["null"], kwargs["blank"], kwargs["related_name"]) == (True, True, "+")
    assert "limit_choices_to" not in kwargs


def test_a_deconstructed_upload_field_rebuilds_the_same_field():
    field = UploadField(profile="document", on_delete=models.PROTECT, null=False, related_name="r")
    field.set_attributes_from_name("resume")
    name, path, args, kwargs = field.deconstruct()

    rebuilt = UploadField(*args, **kwargs)
    rebuilt.set_attributes_from_name(name)

    assert rebuilt.deconstruct() == (name, path, args, kwargs)
    assert (rebuilt.profile, rebuilt.null, rebuilt.blank) == ("document", False, False)


def test_the_test_apps_migration_matches_its_upload_fields(db):
    out = StringIO()

    call_command("makemigrations", "upload_field_app", "--check", "--dry-run", stdout=out)

    assert "No changes detected" in out.getvalue()


def test_only_completed_uploads_of_the_fields_profile_are_offered_in_a_select(profiled, api, user):
    avatar = upload(api, "avatar")
    upload(api, "document")
    upload(api, "avatar", complete=False)

    form = modelform_factory(Member, fields=["avatar"], widgets={"avatar": Select})
    offered = form().fields["avatar"].queryset

    assert list(offered) == [avatar]


# full_clean -----------------------------------------------------------------------------------


def test_full_clean_accepts_a_completed_upload_of_the_fields_profile(profiled, api):
    member = Member(avatar=upload(api, "avatar"), resume=upload(api, "document"))

    member.full_clean()
    member.save()

    assert Member.objects.get(pk=member.pk).avatar.profile == "avatar"


def refusals(member: Member) -> dict[str, list[str]]:
    """What ``full_clean()`` says of each field it refuses."""
    with pytest.raises(ValidationError) as refused:
        member.full_clean()
    return refused.value.message_dict


def test_full_clean_refuses_an_upload_of_another_profile_naming_both(profiled, api):
    member = Member(avatar=upload(api, "document"), resume=upload(api, "document"))

    assert refusals(member)["avatar"] == [
        f'The upload "{member.avatar_id}" was made under the "document" profile; this field '
        'takes "avatar" uploads: upload the file with profile "avatar".'
    ]


def test_full_clean_refuses_a_pending_upload(profiled, api):
    member = Member(avatar=upload(api, "avatar", complete=False), resume=upload(api, "document"))

    assert refusals(member)["avatar"] == [
        f'The upload "{member.avatar_id}" is still awaiting completion; complete it before '
        "attaching it."
    ]


def test_full_clean_refuses_a_failed_upload_with_its_reason(profiled, api):
    failed = upload(api, "document")
    UploadedFile.objects.filter(pk=failed.pk).update(
        file_upload_state=UploadState.FAILED, failure_reason="Too big."
    )

    with pytest.raises(ValidationError) as refused:
        Member(avatar=None, resume_id=failed.pk).full_clean()

    assert "failed (Too big); upload the file again." in refused.value.message_dict["resume"][0]


def test_full_clean_requires_a_field_declared_not_null(profiled, api):
    with pytest.raises(ValidationError) as refused:
        Member(avatar=upload(api, "avatar")).full_clean()

    assert list(refused.value.message_dict) == ["resume"]


# DRF ------------------------------------------------------------------------------------------


def test_a_model_serializer_maps_upload_fields_to_relations_of_their_profile():
    fields = MemberSerializer().fields

    assert isinstance(fields["avatar"], UploadedFilePrimaryKeyRelatedField)
    assert (fields["avatar"].profile, fields["resume"].profile) == ("avatar", "document")
    assert (fields["avatar"].required, fields["resume"].required) == (False, True)


def test_the_serializer_attaches_the_users_completed_uploads_of_each_profile(profiled, api, user):
    avatar, resume = upload(api, "avatar"), upload(api, "document")

    serializer = serialize(user, avatar=str(avatar.pk), resume=str(resume.pk))
    member = serializer.save()

    assert serializer.errors == {}
    assert (member.avatar, member.resume) == (avatar, resume)


def test_the_serializer_refuses_another_users_upload(profiled, api, user, other_user):
    theirs = upload(api_client(other_user), "avatar")

    serializer = serialize(user, avatar=str(theirs.pk), resume=str(upload(api, "document").pk))

    assert serializer.errors == {
        "avatar": [f'No completed upload of yours has the id "{theirs.pk}".']
    }


def test_the_serializer_refuses_a_pending_upload(profiled, api, user):
    pending = upload(api, "avatar", complete=False)

    serializer = serialize(user, avatar=str(pending.pk), resume=str(upload(api, "document").pk))

    assert serializer.errors["avatar"] == [
        f'No completed upload of yours has the id "{pending.pk}": it is still awaiting '
        "completion; complete it first."
    ]


def test_the_serializer_refuses_an_upload_of_another_profile(profiled, api, user):
    document = upload(api, "document")

    serializer = serialize(user, avatar=str(document.pk), resume=str(document.pk))

    assert serializer.errors == {
        "avatar": [
            f'The upload "{document.pk}" was made under the "document" profile; this field '
            'takes "avatar" uploads: upload the file with profile "avatar".'
        ]
    }


# Reclaiming -----------------------------------------------------------------------------------


def test_reclaiming_finds_upload_fields_among_the_relations(db):
    labels = {relation.label for relation in upload_relations()}

    assert {"upload_field_app.Member.avatar", "upload_field_app.Member.resume"} <= labels


def test_cleanup_keeps_an_upload_an_upload_field_refers_to_and_reclaims_the_other(profiled, api):
    attached, loose = upload(api, "avatar"), upload(api, "document")
    Member.objects.create(avatar=attached, resume=attached)
    long_ago = timezone.now() - timedelta(days=2)
    UploadedFile.objects.update(created=long_ago, completed_at=long_ago)

    call_command("cleanup_uploads", stdout=StringIO())

    assert list(UploadedFile.objects.all()) == [attached]
    assert not UploadedFile.objects.filter(pk=loose.pk).exists()
