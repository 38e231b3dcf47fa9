"""A model that attaches uploads: a picture and a CV, each of its own profile.

Both keep ``UploadField``'s default ``on_delete=SET_NULL``: a file deleted on the upload page
leaves the member without it.
"""

from django.db import models

from s3_file_uploads.fields import UploadField


class Member(models.Model):
    name = models.CharField(max_length=100)
    picture = UploadField(profile="image", help_text="PNG, JPEG, WebP or GIF, up to 2 MiB.")
    cv = UploadField(
        profile="document", verbose_name="CV", help_text="PDF or plain text, up to 20 MiB."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
