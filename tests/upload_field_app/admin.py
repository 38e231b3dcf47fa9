"""Member in the admin with no upload code of its own: the widget comes with the field."""

from django.contrib import admin

from s3_file_uploads.admin import upload_link

from .models import Member


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["name", upload_link("avatar"), upload_link("resume")]
