"""The Uppy page: Uppy's Dashboard uploading through the app's API with the package's plugin."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie

from .views import sign_in_demo_user, upload_areas


def profile_choices() -> list[tuple[str, str]]:
    """The demo's profiles the settings declare, as (name, title), in the plain page's order."""
    return [(area["profile"], area["title"]) for area in upload_areas()]


@ensure_csrf_cookie
def uppy_page(request: HttpRequest) -> HttpResponse:
    """Uppy's Dashboard inline, a profile to upload in, and what this page uploaded."""
    sign_in_demo_user(request)
    context = {
        "endpoint": reverse("s3_file_uploads:upload-file-create"),
        "storage": settings.STORAGE_BACKEND,
        "profiles": profile_choices(),
        # Without the bundle (npm missing, or the demo started by hand) the page says so.
        "uppy_installed": bool(settings.STATICFILES_DIRS),
        "uppy_major": settings.DEMO_UPPY_MAJOR,
    }
    return render(request, "demo/uppy.html", context)
