"""The local backend's views under the namespace the core mounts them in, without the core's
API views: for tests that exercise the storage side alone."""

from django.urls import include, path

urlpatterns = [
    path(
        "api/s3-file-uploads/",
        include(([path("local/", include("s3_file_uploads.local.urls"))], "s3_file_uploads")),
    )
]
