"""The in-memory backend's storage endpoints; the core's urls.py includes them under ``memory/``."""

from django.urls import path

from . import views

# The key after the token is for people and logs; the views serve only the key the token binds.
urlpatterns = [
    path("upload/<str:token>/<path:key>", views.upload, name="memory-upload"),
    path("download/<str:token>/<path:key>", views.download, name="memory-download"),
]
