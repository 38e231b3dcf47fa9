"""Mount with ``path("api/s3-file-uploads/", include("s3_file_uploads.urls"))``."""

import re
import uuid

from django.urls import include, path, register_converter
from django.urls.converters import UUIDConverter

from . import views

app_name = "s3_file_uploads"

#: The id no upload has: every upload's id is a version-4 UUID.
NO_UPLOAD = uuid.UUID(int=0)
_CANONICAL_UUID = re.compile(UUIDConverter.regex)


class UploadIdConverter(UUIDConverter):
    """An upload id; any other single path segment becomes the id no upload has.

    So a malformed id (``undefined``, ``null``) gets the API's JSON 404, not the project's
    404 page.
    """

    regex = "[^/]+"

    def to_python(self, value: str) -> uuid.UUID:
        return uuid.UUID(value) if _CANONICAL_UUID.fullmatch(value) else NO_UPLOAD


register_converter(UploadIdConverter, "s3fu_id")

urlpatterns = [
    path("", views.UploadedFileCreateView.as_view(), name="upload-file-create"),
    path("<s3fu_id:file_id>/", views.UploadedFileFetchView.as_view(), name="upload-file-fetch"),
    path(
        "<s3fu_id:file_id>/complete/",
        views.UploadedFileUploadCompleteView.as_view(),
        name="upload-file-complete",
    ),
    path(
        "<s3fu_id:file_id>/parts/", views.UploadedFilePartsView.as_view(), name="upload-file-parts"
    ),
    path(
        "<s3fu_id:file_id>/abort/", views.UploadedFileAbortView.as_view(), name="upload-file-abort"
    ),
    path("local/", include("s3_file_uploads.local.urls")),
    path("memory/", include("s3_file_uploads.memory.urls")),
]
