from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/s3-file-uploads/", include("s3_file_uploads.urls")),
]
