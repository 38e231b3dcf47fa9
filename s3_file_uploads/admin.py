"""Uploads in the Django admin: who, where, what state; delete also clears what storage holds."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from .deletion import delete_upload
from .errors import StorageError
from .models import UploadedFile, UploadState


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
        if upload.file_upload_state != UploadState.COMPLETED:
            return "-"
        try:
            return format_html('<a href="{}">download</a>', upload.get_download_url())
        except StorageError:
            return "storage unavailable"

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
