from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from members.views import demo_admin_login

from . import uppy_page, views

urlpatterns = [
    path("", views.index, name="index"),
    path("uppy/", uppy_page.uppy_page, name="uppy"),
    path("members/", include("members.urls")),
    path("admin/login/", demo_admin_login),
    path("admin/", admin.site.urls),
    path("api/s3-file-uploads/", include("s3_file_uploads.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
]
