"""The upload form field and widget in Django forms and the admin, and ``UploadField`` in a plain
DRF ``ModelSerializer``: only the submitting user's own completed uploads of the field's profile
are attached, the initial upload comes back unchanged, and a file posted without JavaScript is
stored through the field's profile (local disk and S3 on moto)."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
from django import forms
from django.contrib.admin import AdminSite, ModelAdmin
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from s3_file_uploads import field_values
from s3_file_uploads.admin import UploadAdminMixin, upload_link
from s3_file_uploads.field_values import read_field_value, sign_field_value
from s3_file_uploads.fields import UploadedFilePrimaryKeyRelatedField
from s3_file_uploads.forms import UploadFormField, UploadFormMixin
from s3_file_uploads.models import UploadedFile, UploadState
from s3_file_uploads.testing import api_client, create_upload
from s3_file_uploads.widgets import UploadWidget

from .upload_field_app.models import Member

TEXT = {"CONTENT_TYPES": ["text/plain"], "CHECK_CONTENT": False}


@pytest.fixture
def profiled(settings, s3_bucket) -> None:
    settings.S3_FILE_UPLOADS = {"PROFILES": {"avatar": TEXT, "document": TEXT}}


@pytest.fixture
def on_local_disk(settings, tmp_path: Path) -> Path:
    """Both profiles on the local-disk backend; returns where it keeps files."""
    store = tmp_path / "store"
    local = {**TEXT, "BACKEND": "disk"}
    settings.S3_FILE_UPLOADS = {
        "BACKENDS": {"disk": {"BACKEND": "local", "OPTIONS": {"location": str(store)}}},
        "PROFILES": {"avatar": local, "document": local},
    }
    settings.STORAGE_BACKEND = "disk"
    return store


class MemberForm(UploadFormMixin, forms.ModelForm):
    class Meta:
        model = Member
        fields = ["name", "avatar", "resume"]


def completed(api, profile: str, body: bytes = b"some text") -> dict:
    """The complete reply of an upload of ``profile`` sent to storage through the API."""
    created = create_upload(api, filename="note.txt", profile=profile, body=body)
    reply = api.post(created["complete_url"])
    assert reply.status_code == 200, reply.content
    return reply.json()


def form_for(user, instance=None, files=None, **data) -> MemberForm:
    return MemberForm({"name": "ada", **data}, files or {}, instance=instance, user=user)


def rendered_value(form: forms.BaseForm, name: str) -> str:
    """The signed value a rendered form holds in its hidden input ``name``."""
    html = str(form[name])
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, html
    return unescape(found.group(1))


# The value the browser gets -------------------------------------------------------------------


def test_the_complete_reply_gives_the_owner_a_field_value_naming_the_upload(profiled, api, user):
    reply = completed(api, "avatar")

    named = read_field_value(reply["field_value"])

    assert (named.upload_id, named.profile, named.owner) == (reply["id"], "avatar", str(user.pk))


# Accepted -------------------------------------------------------------------------------------


def test_a_form_attaches_the_users_completed_uploads_of_each_profile(profiled, api, user):
    avatar, resume = completed(api, "avatar"), completed(api, "document")
    form = form_for(user, avatar=avatar["field_value"], resume=resume["field_value"])

    assert form.is_valid(), form.errors
    member = form.save()

    assert (str(member.avatar_id), str(member.resume_id)) == (avatar["id"], resume["id"])


def test_a_model_form_reads_each_upload_once_not_again_when_the_model_validates(
    profiled, api, user, django_assert_num_queries
):
    avatar, resume = completed(api, "avatar"), completed(api, "document")
    form = form_for(user, avatar=avatar["field_value"], resume=resume["field_value"])

    with django_assert_num_queries(2):  # the form field's one read of each upload
        assert form.is_valid(), form.errors


def test_a_form_with_no_user_attaches_an_upload_still_owned_as_signed(profiled, api, user):
    avatar, resume = completed(api, "avatar"), completed(api, "document")
    form = form_for(None, avatar=avatar["field_value"], resume=resume["field_value"])

    assert form.is_valid(), form.errors
    assert str(form.cleaned_data["avatar"].pk) == avatar["id"]


def test_every_model_form_gets_the_upload_field_and_its_widget():
    form = forms.modelform_factory(Member, fields=["avatar", "resume"])()

    assert isinstance(form.fields["avatar"], UploadFormField)
    assert isinstance(form.fields["avatar"].widget, UploadWidget)
    assert (form.fields["avatar"].profile, form.fields["resume"].profile) == ("avatar", "document")
    assert (form.fields["avatar"].required, form.fields["resume"].required) == (False, True)
    assert form.is_multipart()


def test_the_widget_gives_the_file_input_the_forms_attributes_and_the_profiles_types(settings):
    settings.S3_FILE_UPLOADS = {"PROFILES": {"avatar": TEXT}}
    form = forms.modelform_factory(
        Member, fields=["avatar"], widgets={"avatar": UploadWidget(attrs={"class": "wide"})}
    )()

    html = str(form["avatar"])

    assert re.search(
        r'<input type="file" name="avatar-file" id="id_avatar-file"[^>]* class="wide"', html
    )
    assert '<label for="id_avatar-file"' in form["avatar"].label_tag()
    assert 'accept="text/plain"' in html
    required = forms.modelform_factory(Member, fields=["resume"])()
    assert required.use_required_attribute
    assert " required" not in str(required["resume"])  # its file goes to storage, not the form


# Refused --------------------------------------------------------------------------------------


def refusal(user, resume: dict, **avatar_value) -> list[str]:
    form = form_for(user, resume=resume["field_value"], **avatar_value)
    assert not form.is_valid()
    return form.errors["avatar"]


def test_a_tampered_value_is_refused(profiled, api, user):
    resume = completed(api, "document")
    value = completed(api, "avatar")["field_value"]
    other_id = completed(api, "avatar")["id"]
    payload, signature = value.rsplit(":", 1)
    record = signing.b64_decode(payload.encode()).decode()
    swapped = record.replace(read_field_value(value).upload_id, other_id)
    tampered = f"{signing.b64_encode(swapped.encode()).decode()}:{signature}"

    assert refusal(user, resume, avatar=tampered) == [
        "This upload could not be verified; choose the file again."
    ]
    assert refusal(user, resume, avatar=other_id) == [
        "This upload could not be verified; choose the file again."
    ]


def test_an_expired_value_is_refused(profiled, api, user, monkeypatch):
    resume = completed(api, "document")
    value = completed(api, "avatar")["field_value"]
    signed_at = read_field_value(value).signed_at

    class Later:
        @staticmethod
        def time() -> float:
            return signed_at + field_values.MAX_AGE + 1

    monkeypatch.setattr(field_values, "time", Later)

    assert refusal(user, resume, avatar=value) == [
        "This upload was made too long ago to attach; choose the file again."
    ]


def test_another_users_upload_is_refused(profiled, api, user, other_user):
    resume = completed(api, "document")
    theirs = completed(api_client(other_user), "avatar")

    assert refusal(user, resume, avatar=theirs["field_value"]) == [
        "This upload is not yours; choose a file of your own."
    ]


def test_a_refusal_is_logged_with_the_upload_it_names_and_never_the_signed_value(
    profiled, api, user, other_user, caplog
):
    resume = completed(api, "document")
    theirs = completed(api_client(other_user), "avatar")

    with caplog.at_level("INFO", logger="s3_file_uploads.forms"):
        refusal(user, resume, avatar=theirs["field_value"])

    assert f"A form refused upload {theirs['id']} for profile avatar: not_yours" in caplog.text
    assert theirs["field_value"] not in caplog.text


def test_an_upload_given_to_someone_else_since_it_was_signed_is_refused(
    profiled, api, user, other_user
):
    resume = completed(api, "document")
    mine = completed(api, "avatar")
    UploadedFile.objects.filter(pk=mine["id"]).update(user=other_user)

    assert refusal(None, resume, avatar=mine["field_value"]) == [
        "This upload is not yours; choose a file of your own."
    ]


def test_a_pending_upload_is_refused(profiled, api, user):
    resume = completed(api, "document")
    created = create_upload(api, filename="note.txt", profile="avatar", body=b"text")
    pending = UploadedFile.objects.get(pk=created["id"])

    assert refusal(user, resume, avatar=sign_field_value(pending)) == [
        "This upload is still awaiting completion; wait until it has finished, then send the "
        "form again."
    ]


def test_a_failed_upload_is_refused_with_its_reason(profiled, api, user):
    resume = completed(api, "document")
    failed = completed(api, "avatar")
    UploadedFile.objects.filter(pk=failed["id"]).update(
        file_upload_state=UploadState.FAILED, failure_reason="Too big."
    )

    assert refusal(user, resume, avatar=failed["field_value"]) == [
        "This upload failed (Too big); choose the file again."
    ]


def test_an_upload_of_another_profile_is_refused_naming_both(profiled, api, user):
    resume = completed(api, "document")
    document = completed(api, "document")

    assert refusal(user, resume, avatar=document["field_value"]) == [
        'This upload was made under the "document" profile; this field takes "avatar" uploads; '
        "choose the file here again."
    ]


def test_a_refused_value_is_not_shown_back_in_the_form(profiled, api, user, other_user):
    resume = completed(api, "document")
    theirs = completed(api_client(other_user), "avatar")
    form = form_for(user, resume=resume["field_value"], avatar=theirs["field_value"])
    assert not form.is_valid()

    assert rendered_value(form, "avatar") == ""
    assert theirs["id"] not in str(form["avatar"])


# The initial value and clear ------------------------------------------------------------------


def test_the_initial_upload_comes_back_unchanged_even_to_another_user(
    profiled, api, user, other_user
):
    avatar, resume = completed(api, "avatar"), completed(api, "document")
    member = Member.objects.create(avatar_id=avatar["id"], resume_id=resume["id"])
    shown = MemberForm(instance=member, user=other_user)
    posted = {
        "avatar": rendered_value(shown, "avatar"),
        "resume": rendered_value(shown, "resume"),
    }

    form = form_for(other_user, instance=member, name="grace", **posted)

    assert form.is_valid(), form.errors
    assert not form["avatar"].field.has_changed(member.avatar_id, form["avatar"].data)
    saved = form.save()
    assert (str(saved.avatar_id), str(saved.resume_id)) == (avatar["id"], resume["id"])
    assert avatar["filename"] in str(shown["avatar"])


def test_a_disabled_upload_field_keeps_its_upload_whatever_is_sent(profiled, api, user, other_user):
    avatar, resume = completed(api, "avatar"), completed(api, "document")
    theirs = completed(api_client(other_user), "avatar")
    member = Member.objects.create(avatar_id=avatar["id"], resume_id=resume["id"])
    form = form_for(user, instance=member, avatar=theirs["field_value"], **{"avatar-clear": "1"})
    form.fields["avatar"].disabled = True
    form.fields["resume"].disabled = True

    assert form.is_valid(), form.errors
    saved = form.save()
    assert (str(saved.avatar_id), str(saved.resume_id)) == (avatar["id"], resume["id"])


def test_clear_empties_an_optional_upload(profiled, api, user):
    avatar, resume = completed(api, "avatar"), completed(api, "document")
    member = Member.objects.create(avatar_id=avatar["id"], resume_id=resume["id"])
    shown = MemberForm(instance=member, user=user)

    form = form_for(
        user,
        instance=member,
        resume=rendered_value(shown, "resume"),
        avatar=rendered_value(shown, "avatar"),
        **{"avatar-clear": "1"},
    )

    assert form.is_valid(), form.errors
    assert form.save().avatar is None
    assert 'name="resume-clear"' not in str(shown["resume"])  # a required field has no clear


def test_a_required_upload_cannot_be_left_empty(profiled, user):
    form = form_for(user, resume="")

    assert not form.is_valid()
    assert form.errors["resume"] == ["This field is required."]


# Without JavaScript: the file comes with the form ---------------------------------------------


def post_without_javascript(user, *, avatar: bytes, resume: bytes) -> Member:
    files = {
        "avatar-file": SimpleUploadedFile("me.txt", avatar, "text/plain"),
        "resume-file": SimpleUploadedFile("cv.txt", resume, "text/plain"),
    }
    form = form_for(user, files=files)
    assert form.is_valid(), form.errors
    return form.save()


def test_a_posted_file_is_stored_on_local_disk_as_the_users_and_attached(on_local_disk, user):
    member = post_without_javascript(user, avatar=b"my face", resume=b"my life")

    assert member.avatar.file_upload_state == UploadState.COMPLETED
    assert (member.avatar.profile, member.avatar.backend) == ("avatar", "disk")
    assert (member.avatar.user, member.resume.user) == (user, user)
    assert (on_local_disk / member.avatar.file_key).read_bytes() == b"my face"
    with member.resume.open() as stored:
        assert stored.read() == b"my life"


def test_a_posted_file_is_stored_on_s3_and_attached(profiled, user, moto_server, s3_bucket):
    from tests.servers.moto import s3_client

    member = post_without_javascript(user, avatar=b"my face", resume=b"my life")

    stored = s3_client(moto_server).get_object(Bucket=s3_bucket, Key=member.avatar.file_key)
    assert stored["Body"].read() == b"my face"
    assert (member.avatar.backend, member.avatar.size) == ("s3", 7)


def test_a_posted_file_without_a_known_user_is_an_anonymous_upload_not_an_orphan(on_local_disk, db):
    member = post_without_javascript(None, avatar=b"my face", resume=b"my life")

    assert member.avatar.user is None and member.avatar.anonymous
    assert not UploadedFile.objects.orphaned().exists()


def test_a_posted_file_kept_when_another_field_fails_is_sent_back_without_its_bytes(
    on_local_disk, user
):
    files = {
        "avatar-file": SimpleUploadedFile("me.txt", b"my face", "text/plain"),
        "resume-file": SimpleUploadedFile("cv.txt", b"my life", "text/plain"),
    }
    failed = MemberForm({"name": ""}, files, user=user)
    assert not failed.is_valid()
    assert list(failed.errors) == ["name"]
    shown = {name: rendered_value(failed, name) for name in ("avatar", "resume")}

    form = form_for(user, **shown)

    assert form.is_valid(), form.errors
    assert form.save().avatar.filename == "me.txt"
    assert UploadedFile.objects.count() == 2


def test_a_posted_file_the_profile_refuses_is_a_form_error(on_local_disk, user):
    files = {"resume-file": SimpleUploadedFile("cv.pdf", b"%PDF-1.4", "application/pdf")}
    form = form_for(user, files=files)

    assert not form.is_valid()
    assert form.errors["resume"] == [
        "Files of type 'application/pdf' are not accepted in 'document'."
    ]
    assert not UploadedFile.objects.exists()


def test_a_posted_file_and_clear_together_are_a_form_error(on_local_disk, user):
    files = {"avatar-file": SimpleUploadedFile("me.txt", b"me", "text/plain")}
    form = form_for(user, files=files, **{"avatar-clear": "1"})

    assert not form.is_valid()
    assert form.errors["avatar"] == ["Either choose a file or tick Clear, not both."]


# The admin ------------------------------------------------------------------------------------


class MemberAdmin(UploadAdminMixin, ModelAdmin):
    list_display = ["name", upload_link("avatar")]


def admin_request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_the_admin_shows_the_upload_widget_itself_not_a_select_with_related_links(admin_user):
    site = AdminSite()
    site.register(UploadedFile, ModelAdmin)
    form = ModelAdmin(Member, site).get_form(admin_request(admin_user))()

    assert type(form.fields["avatar"].widget) is UploadWidget
    assert form.is_multipart()
    assert "change-related" not in str(form["avatar"])


def test_raw_id_fields_give_the_admins_own_id_widget_over_the_profiles_completed_uploads(
    admin_user,
):
    class RawIdAdmin(ModelAdmin):
        raw_id_fields = ["avatar"]

    form = RawIdAdmin(Member, AdminSite()).get_form(admin_request(admin_user))()

    assert type(form.fields["avatar"].widget) is ForeignKeyRawIdWidget
    assert isinstance(form.fields["avatar"], forms.ModelChoiceField)
    assert isinstance(form.fields["resume"], UploadFormField)


def test_the_admin_mixin_holds_upload_fields_to_the_staff_user(admin_user):
    form = MemberAdmin(Member, AdminSite()).get_form(admin_request(admin_user))()

    assert form.fields["avatar"].user == admin_user
    assert form.fields["resume"].user == admin_user


def test_upload_link_shows_the_file_name_linked_to_a_download(profiled, api):
    avatar, resume = completed(api, "avatar"), completed(api, "document")
    member = Member.objects.create(avatar_id=avatar["id"], resume_id=resume["id"])
    show = upload_link("avatar")

    assert re.fullmatch(r'<a href="http[^"]+">note\.txt</a>', show(member))
    assert show(Member(resume_id=resume["id"])) == "-"
    assert show.short_description == "avatar"


# A plain DRF ModelSerializer ------------------------------------------------------------------


class PlainMemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = Member
        fields = ["name", "avatar", "resume"]


def plain_errors(user, avatar: str, resume: str) -> dict:
    request = APIRequestFactory().post("/")
    request.user = user
    data = {"name": "ada", "avatar": avatar, "resume": resume}
    serializer = PlainMemberSerializer(data=data, context={"request": request})
    assert not serializer.is_valid()
    return serializer.errors


def test_a_plain_model_serializer_maps_upload_fields_to_relations_of_their_profile():
    fields = PlainMemberSerializer().fields

    assert isinstance(fields["avatar"], UploadedFilePrimaryKeyRelatedField)
    assert (fields["avatar"].profile, fields["resume"].profile) == ("avatar", "document")


def test_a_plain_model_serializer_refuses_another_users_upload(profiled, api, user, other_user):
    theirs = completed(api_client(other_user), "avatar")["id"]

    errors = plain_errors(user, theirs, completed(api, "document")["id"])

    assert errors == {"avatar": [f'No completed upload of yours has the id "{theirs}".']}


def test_a_plain_model_serializer_refuses_a_pending_upload(profiled, api, user):
    pending = create_upload(api, filename="note.txt", profile="avatar", body=b"text")["id"]

    errors = plain_errors(user, pending, completed(api, "document")["id"])

    assert errors == {
        "avatar": [
            f'No completed upload of yours has the id "{pending}": it is still awaiting '
            "completion; complete it first."
        ]
    }


def test_a_plain_model_serializer_refuses_an_upload_of_another_profile(profiled, api, user):
    document = completed(api, "document")["id"]

    errors = plain_errors(user, document, document)

    assert errors == {
        "avatar": [
            f'The upload "{document}" was made under the "document" profile; this field takes '
            '"avatar" uploads: upload the file with profile "avatar".'
        ]
    }


class OwnRelationMemberSerializer(serializers.ModelSerializer):
    serializer_related_field = UploadedFilePrimaryKeyRelatedField

    class Meta:
        model = Member
        fields = ["name", "avatar", "resume"]


def test_a_serializer_relating_through_the_upload_relation_still_gets_each_fields_profile():
    fields = OwnRelationMemberSerializer().fields

    assert (fields["avatar"].profile, fields["resume"].profile) == ("avatar", "document")


def test_a_plain_model_serializer_refuses_anonymous_requests(profiled, api):
    document = completed(api, "document")["id"]

    errors = plain_errors(AnonymousUser(), document, document)

    assert errors["avatar"] == ["Log in to attach uploaded files."]
