"""Models that attach uploads, each through another kind of relation.

Every relation is ``on_delete=DO_NOTHING``, so deleting an upload anywhere else in the suite stays
one ``DELETE`` statement, as it is without this app (Django's collector would otherwise look up
these tables inside each delete's transaction, and the fault tests that race two deletes on
in-memory SQLite would meet locked tables). The database's foreign keys still refuse to delete a
row one of them refers to, except the poster's, which has none.
"""

from django.db import models

from s3_file_uploads.models import UploadedFile


class AttachmentField(models.ForeignKey):
    """A field of its own that is a foreign key underneath, as a model field for uploads is."""


class Llama(models.Model):
    name = models.CharField(max_length=50, default="llama")
    avatar = models.OneToOneField(UploadedFile, on_delete=models.DO_NOTHING, related_name="+")

    def __str__(self) -> str:
        return self.name


class Album(models.Model):
    cover = models.ForeignKey(UploadedFile, on_delete=models.DO_NOTHING, related_name="+")

    def __str__(self) -> str:
        return f"album {self.pk}"


class Gallery(models.Model):
    photos = models.ManyToManyField(UploadedFile, through="GalleryPhoto", related_name="+")

    def __str__(self) -> str:
        return f"gallery {self.pk}"


class GalleryPhoto(models.Model):
    """The gallery's table of photos, spelled out only to choose ``DO_NOTHING``; a table Django
    makes for a many-to-many counts the same way (tests/test_reclaim_unattached.py)."""

    gallery = models.ForeignKey(Gallery, on_delete=models.CASCADE)
    photo = models.ForeignKey(UploadedFile, on_delete=models.DO_NOTHING, related_name="+")

    def __str__(self) -> str:
        return f"photo {self.photo_id} in gallery {self.gallery_id}"


class Poster(models.Model):
    #: No foreign key in the database: only the command's own check keeps its uploads.
    attachment = AttachmentField(
        UploadedFile, on_delete=models.DO_NOTHING, null=True, db_constraint=False
    )

    def __str__(self) -> str:
        return f"poster {self.pk}"
