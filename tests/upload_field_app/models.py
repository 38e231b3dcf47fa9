"""A model that attaches uploads through UploadField, with a migration of its own.

``on_delete=DO_NOTHING`` keeps deleting an upload elsewhere in the suite one ``DELETE``
statement (tests/reclaim_app/models.py says why); the field's own default, ``SET_NULL``, is
shown by its deconstruction.
"""

from django.db import models

from s3_file_uploads.fields import UploadField


class Member(models.Model):
    name = models.CharField(max_length=50, default="ada")
    avatar = UploadField(profile="avatar", on_delete=models.DO_NOTHING)
    resume = UploadField(profile="document", on_delete=models.DO_NOTHING, null=False)

    def __str__(self) -> str:
        return self.name


class Attachment(models.Model):
    """A member's further files, edited as an inline of the member in the admin."""

    member = models.ForeignKey(Member, models.CASCADE, related_name="attachments")
    file = UploadField(profile="document", on_delete=models.DO_NOTHING)

    def __str__(self) -> str:
        return f"{self.member}: {self.file}"
