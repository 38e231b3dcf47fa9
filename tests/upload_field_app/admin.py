"""Member in the admin with no upload code of its own: the widget comes with the field, in the
change form and in each row of the attachments inline."""

from django.contrib import admin

from s3_file_uploads.admin import upload_link

from .models import Attachment, Member


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["name", upload_link("avatar"), upload_link("resume")]
    inlines = [AttachmentInline]
