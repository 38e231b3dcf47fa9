"""The example model in the admin: the upload widget comes with the field; the mixin holds the
fields to the staff user's own uploads, and upload_link puts each file's link in the list."""

from django.contrib import admin

from s3_file_uploads.admin import UploadAdminMixin, upload_link

from .models import Member


@admin.register(Member)
class MemberAdmin(UploadAdminMixin, admin.ModelAdmin):
    list_display = ["name", upload_link("picture"), upload_link("cv", description="CV")]
    list_select_related = ["picture", "cv"]
    search_fields = ["name"]
