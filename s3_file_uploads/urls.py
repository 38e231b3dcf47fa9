"""Mount with ``path("api/s3-file-uploads/", include("s3_file_uploads.urls"))``."""

from django.urls import include, path

from . import views

app_name = "s3_file_uploads"

urlpatterns = [
    path("", views.UploadedFileCreateView.as_view(), name="upload-file-create"),
    path("<uuid:file_id>/", views.UploadedFileFetchView.as_view(), name="upload-file-fetch"),
    path(
        "<uuid:file_id>/complete/",
        views.UploadedFileUploadCompleteView.as_view(),
        name="upload-file-complete",
    ),
    path("<uuid:file_id>/parts/", views.UploadedFilePartsView.as_view(), name="upload-file-parts"),
    path("<uuid:file_id>/abort/", views.UploadedFileAbortView.as_view(), name="upload-file-abort"),
    path("local/", include("s3_file_uploads.local.urls")),
]
