"""Models that attach uploads, each through another kind of relation.

The ``on_delete`` choices are the ones that would hurt if ``cleanup_uploads`` deleted a
referenced upload: CASCADE would take the llama with it, PROTECT would stop the command.
"""

from django.db import models

from s3_file_uploads.models import UploadedFile


class AttachmentField(models.ForeignKey):
    """A field of its own that is a foreign key underneath, as a model field for uploads is."""


class Llama(models.Model):
    name = models.CharField(max_length=50, default="llama")
    avatar = models.OneToOneField(UploadedFile, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return self.name


class Album(models.Model):
    cover = models.ForeignKey(UploadedFile, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"album {self.pk}"


class Gallery(models.Model):
    photos = models.ManyToManyField(UploadedFile, related_name="+")

    def __str__(self) -> str:
        return f"gallery {self.pk}"


class Poster(models.Model):
    #: No foreign key in the database: only the command's own check keeps its uploads.
    attachment = AttachmentField(
        UploadedFile, on_delete=models.SET_NULL, null=True, db_constraint=False
    )

    def __str__(self) -> str:
        return f"poster {self.pk}"
