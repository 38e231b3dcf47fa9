from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.index, name="index"),
    path("api/s3-file-uploads/", include("s3_file_uploads.urls")),
]
