"""The local backend's storage endpoints; the core's urls.py includes them under ``local/``."""

from django.urls import path

from . import views

# The key after the token is for people and logs; the views serve only the key the token binds,
# and refuse a URL whose key differs from it.
urlpatterns = [
    path("upload/<str:token>/<path:key>", views.upload, name="local-upload"),
    path("download/<str:token>/<path:key>", views.download, name="local-download"),
    path("part/<str:token>/<path:key>", views.upload_part, name="local-part"),
]
