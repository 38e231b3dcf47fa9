"""cleanup_uploads reclaims completed uploads no model refers to, once the grace period passed.

Over moto: the objects really go, and uploads attached through a one-to-one, a foreign key, a
many-to-many or a foreign key subclass stay, as do uploads still inside the grace period.
"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import models
from django.test import override_settings
from django.test.utils import isolate_apps
from django.utils import timezone

from s3_file_uploads.management.commands.cleanup_uploads import Command
from s3_file_uploads.models import UploadedFile, UploadState
from s3_file_uploads.reclaim import UNATTACHED
from s3_file_uploads.references import upload_relations
from s3_file_uploads.testing import api_client, create_upload

from .reclaim_app.models import Album, Gallery, Llama, Poster
from .servers import free_port
from .servers.moto import s3_client

DAY = 24 * 3600


@pytest.fixture
def reclaim_after_a_day(settings, s3_bucket) -> None:
    settings.S3_FILE_UPLOADS = {"RECLAIM_UNATTACHED_AFTER": DAY}


def completed(api, name: str, *, days_ago: float = 2, **fields) -> UploadedFile:
    """A completed upload, completed ``days_ago`` days ago."""
    created = create_upload(api, filename=name, body=b"bytes of " + name.encode(), **fields)
    assert api.post(created["complete_url"]).status_code == 200
    when = timezone.now() - timedelta(days=days_ago)
    UploadedFile.objects.filter(pk=created["id"]).update(created=when, completed_at=when)
    return UploadedFile.objects.get(pk=created["id"])


def stored_keys(moto_server, bucket: str) -> set[str]:
    listed = s3_client(moto_server).list_objects_v2(Bucket=bucket).get("Contents", [])
    return {item["Key"] for item in listed}


def cleanup(*args: str) -> str:
    out = StringIO()
    call_command("cleanup_uploads", *args, stdout=out)
    return out.getvalue()


def test_every_relation_to_uploads_is_found_from_the_models(db):
    labels = {relation.label for relation in upload_relations()}

    assert {label for label in labels if label.startswith("reclaim_app.")} == {
        "reclaim_app.Llama.avatar",
        "reclaim_app.Album.cover",
        "reclaim_app.GalleryPhoto.photo",
        "reclaim_app.Poster.attachment",
    }
    assert not labels & {"s3_file_uploads.UploadedFile.user", "s3_file_uploads.QuotaLock.user"}


@isolate_apps("tests.reclaim_app")
def test_a_many_to_many_counts_through_the_table_django_makes_for_it():
    class Shelf(models.Model):
        books = models.ManyToManyField(UploadedFile, related_name="+")

        class Meta:
            app_label = "reclaim_app"

        def __str__(self) -> str:
            return f"shelf {self.pk}"

    labels = [relation.label for relation in upload_relations(Shelf._meta.apps)]

    assert labels == ["reclaim_app.Shelf_books.uploadedfile"]


def test_reclaiming_is_off_unless_a_grace_period_is_set(api, s3_bucket, moto_server):
    upload = completed(api, "nobody-uses-me.txt", days_ago=400)

    out = cleanup("-v", "2")

    assert "Removed 0 uploads" in out
    assert "Reclaiming unattached uploads is off" in out
    assert UploadedFile.objects.get(pk=upload.pk).file_upload_state == UploadState.COMPLETED
    assert stored_keys(moto_server, s3_bucket) == {upload.file_key}


@pytest.mark.usefixtures("reclaim_after_a_day")
def test_unattached_uploads_past_the_grace_period_go_with_their_objects(
    api, s3_bucket, moto_server
):
    unattached = completed(api, "unattached.txt")
    young = completed(api, "young.txt", days_ago=0.5)
    avatar, cover, photo, poster = (
        completed(api, name) for name in ("avatar.txt", "cover.txt", "photo.txt", "poster.txt")
    )
    Llama.objects.create(avatar=avatar)
    Album.objects.create(cover=cover)
    Gallery.objects.create().photos.add(photo)
    Poster.objects.create(attachment=poster)

    out = cleanup()

    assert "Removed 1 uploads: 0 abandoned, 0 orphaned, 1 unattached." in out
    assert not UploadedFile.objects.filter(pk=unattached.pk).exists()
    kept = (young, avatar, cover, photo, poster)
    assert set(UploadedFile.objects.values_list("pk", flat=True)) == {u.pk for u in kept}
    assert stored_keys(moto_server, s3_bucket) == {u.file_key for u in kept}
    assert "Removed 0 uploads" in cleanup()


@pytest.mark.usefixtures("reclaim_after_a_day")
def test_an_upload_is_reclaimed_once_its_last_reference_goes(api, s3_bucket, moto_server):
    photo, avatar = completed(api, "photo.txt"), completed(api, "avatar.txt")
    gallery = Gallery.objects.create()
    gallery.photos.add(photo)
    llama = Llama.objects.create(avatar=avatar)
    assert "Removed 0 uploads" in cleanup()

    gallery.photos.remove(photo)
    llama.delete()

    assert "Removed 2 uploads: 0 abandoned, 0 orphaned, 2 unattached." in cleanup()
    assert not UploadedFile.objects.exists()
    assert stored_keys(moto_server, s3_bucket) == set()


def test_a_grace_period_by_profile_reclaims_only_the_profiles_it_names(
    api, settings, s3_bucket, moto_server
):
    settings.S3_FILE_UPLOADS = {
        "PROFILES": {"scratch": {}, "kept-by-api-clients": {}},
        "RECLAIM_UNATTACHED_AFTER": {"scratch": DAY, "default": None},
    }
    scratch = completed(api, "scratch.txt", profile="scratch")
    api_only = completed(api, "api.txt", profile="kept-by-api-clients")
    default = completed(api, "default.txt")

    assert "1 unattached" in cleanup()

    assert set(UploadedFile.objects.values_list("pk", flat=True)) == {api_only.pk, default.pk}
    assert scratch.file_key not in stored_keys(moto_server, s3_bucket)


@pytest.mark.usefixtures("reclaim_after_a_day")
def test_dry_run_counts_by_reason_and_changes_nothing(api, s3_bucket, moto_server):
    completed(api, "unattached.txt")
    abandoned = create_upload(api, filename="never-sent.txt")
    UploadedFile.objects.filter(pk=abandoned["id"]).update(
        created=timezone.now() - timedelta(days=3)
    )
    leaving = get_user_model().objects.create_user("leaving")
    completed(api_client(leaving), "orphan.txt", days_ago=0)
    leaving.delete()

    out = cleanup("--dry-run", "-v", "2")

    assert "Would remove 3 uploads: 1 abandoned, 1 orphaned, 1 unattached" in out
    assert "reclaim_app.Llama.avatar" in out
    assert UploadedFile.objects.count() == 3
    assert len(stored_keys(moto_server, s3_bucket)) == 2


@pytest.mark.usefixtures("reclaim_after_a_day")
def test_with_no_model_relating_to_uploads_nothing_counts_as_unattached(api, settings):
    upload = completed(api, "read-by-an-api-client.txt")
    with_relations = ("tests.reclaim_app", "tests.upload_field_app")
    apps = [app for app in settings.INSTALLED_APPS if app not in with_relations]

    with override_settings(INSTALLED_APPS=apps):
        out = cleanup()

    assert "Reclaiming unattached uploads skipped: no model has a relation" in out
    assert "Removed 0 uploads" in out
    assert UploadedFile.objects.filter(pk=upload.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_an_abandoned_or_orphaned_upload_a_model_refers_to_stays_with_its_model(
    api, user, s3_bucket, moto_server
):
    open_row = create_upload(api, filename="still-open.txt")
    UploadedFile.objects.filter(pk=open_row["id"]).update(
        created=timezone.now() - timedelta(days=3)
    )
    album = Album.objects.create(cover_id=open_row["id"])
    leaving = get_user_model().objects.create_user("leaving")
    orphan = completed(api_client(leaving), "orphan.txt")
    llama = Llama.objects.create(avatar=orphan)
    leaving.delete()

    out = cleanup()

    assert "Removed 0 uploads" in out
    assert Album.objects.filter(pk=album.pk).exists()
    assert Llama.objects.filter(pk=llama.pk).exists()
    assert UploadedFile.objects.get(pk=orphan.pk).file_upload_state == UploadState.COMPLETED
    assert stored_keys(moto_server, s3_bucket) == {orphan.file_key}


@pytest.mark.usefixtures("reclaim_after_a_day")
def test_an_upload_attached_after_the_command_read_it_is_kept(api, s3_bucket, moto_server):
    upload = completed(api, "attached-just-in-time.txt")
    stale_copy = UploadedFile.objects.get(pk=upload.pk)
    Llama.objects.create(avatar=upload)

    assert Command()._remove(stale_copy) == "kept"

    assert UploadedFile.objects.get(pk=upload.pk).file_upload_state == UploadState.COMPLETED
    assert stored_keys(moto_server, s3_bucket) == {upload.file_key}


@pytest.mark.usefixtures("reclaim_after_a_day")
def test_an_upload_completed_again_after_the_command_read_it_is_kept(api, s3_bucket):
    upload = completed(api, "completed-again.txt")
    stale_copy = UploadedFile.objects.get(pk=upload.pk)
    UploadedFile.objects.filter(pk=upload.pk).update(completed_at=timezone.now())

    assert Command()._remove(stale_copy) == "kept"
    assert UploadedFile.objects.get(pk=upload.pk).file_upload_state == UploadState.COMPLETED


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reclaim_after_a_day")
@pytest.mark.parametrize(
    "attach",
    [
        pytest.param(lambda pk: Llama.objects.create(avatar_id=pk), id="database-foreign-key"),
        pytest.param(lambda pk: Poster.objects.create(attachment_id=pk), id="no-database-check"),
    ],
)
def test_an_upload_attached_after_its_claim_keeps_its_row_and_its_model(
    api, s3_bucket, moto_server, attach
):
    upload = completed(api, "attached-too-late.txt")
    command = Command()
    assert command.rules.claim(upload, "unattached")
    model_row = attach(upload.pk)

    assert command._remove(UploadedFile.objects.get(pk=upload.pk)) == "attached late"

    row = UploadedFile.objects.get(pk=upload.pk)
    assert (row.file_upload_state, row.failure_reason) == (UploadState.FAILED, UNATTACHED)
    assert stored_keys(moto_server, s3_bucket) == set()
    assert "Removed 0 uploads" in cleanup("--older-than", "0s")
    assert type(model_row).objects.filter(pk=model_row.pk).exists()
    assert UploadedFile.objects.filter(pk=upload.pk).exists()


@pytest.mark.usefixtures("reclaim_after_a_day")
def test_storage_out_of_reach_leaves_the_upload_for_a_later_run(api, settings, s3_bucket):
    upload = completed(api, "unreachable.txt")
    settings.AWS_S3_ENDPOINT_URL = f"http://127.0.0.1:{free_port()}"

    out = cleanup()

    assert "Removed 0 uploads" in out
    assert "1 left for a later run (storage unreachable)" in out
    row = UploadedFile.objects.get(pk=upload.pk)
    assert (row.file_upload_state, row.failure_reason) == (UploadState.FAILED, UNATTACHED)


@pytest.mark.parametrize("value", ["7d", -1, True, {"default": "soon"}])
def test_a_grace_period_that_is_not_seconds_is_a_command_error(db, settings, value):
    settings.S3_FILE_UPLOADS = {"RECLAIM_UNATTACHED_AFTER": value}

    with pytest.raises(CommandError, match="RECLAIM_UNATTACHED_AFTER"):
        cleanup()
