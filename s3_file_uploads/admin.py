"""Uploads in the Django admin: who, where, what state; delete also clears what storage holds.

For a project's own models: ``upload_link`` shows an attached upload's name and download link
in a list, and ``UploadAdminMixin`` holds a change form's upload fields to the staff user.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from .deletion import delete_upload
from .errors import StorageError
from .forms import UploadFormField
from .models import UploadedFile, UploadState


def upload_link(field_name: str, *, description: str | None = None) -> Callable[[Any], str]:
    """A ``list_display`` entry: the upload in ``field_name`` as its file name, linked to a
    short-lived download; "-" when nothing is attached. Add ``field_name`` to
    ``list_select_related`` to read every row's upload in the list's one query."""

    @admin.display(description=description or field_name.replace("_", " "))
    def show(obj: Any) -> str:
        upload = getattr(obj, field_name)
        if upload is None:
            return "-"
        name = str(upload)
        return _download_link(upload, name, not_completed=name)

    show.__name__ = f"{field_name}_link"
    return show


def _download_link(upload: UploadedFile, text: str, *, not_completed: str) -> str:
    """``text`` linked to a short-lived download of a completed upload."""
    if upload.file_upload_state != UploadState.COMPLETED:
        return not_completed
    try:
        return format_html('<a href="{}">{}</a>', upload.get_download_url(), text)
    except StorageError:
        return "storage unavailable"


class UploadAdminMixin:
    """Mix into a ``ModelAdmin`` (before it): its upload fields accept only the staff user's
    own uploads (and the one already attached), and a file posted without JavaScript is stored
    as that user's."""

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if isinstance(formfield, UploadFormField):
            formfield.user = request.user
        return formfield


@admin.register(UploadedFile)
class UploadedFileAdmin(admin.ModelAdmin):
    list_display = (
        "filename",
        "file_upload_state",
        "user",
        "backend",
        "size",
        "content_type",
        "detected_type",
        "created",
        "download",
    )
    list_filter = ("file_upload_state", "backend")
    search_fields = ("filename", "file_key", "user__username")
    list_select_related = ("user",)
    readonly_fields = [field.name for field in UploadedFile._meta.fields]
    actions = ["delete_with_objects"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description="download")
    def download(self, upload: UploadedFile) -> str:
        return _download_link(upload, "download", not_completed="-")

    @admin.action(description="Delete selected uploads and their stored objects")
    def delete_with_objects(self, request: HttpRequest, queryset: QuerySet) -> None:
        deleted, failed = 0, 0
        for upload in queryset:
            try:
                delete_upload(upload)
            except StorageError:
                failed += 1
                continue
            deleted += 1
        self.message_user(request, f"Deleted {deleted} uploads and their objects.")
        if failed:
            self.message_user(
                request,
                f"{failed} uploads were kept: their storage could not be reached.",
                messages.WARNING,
            )

    def delete_model(self, request: HttpRequest, obj: UploadedFile) -> None:
        delete_upload(obj)
