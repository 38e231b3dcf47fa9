from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/s3-file-uploads/", include("s3_file_uploads.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
]
