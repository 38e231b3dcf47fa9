"""The demo's one page."""

from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie

from s3_file_uploads.conf import app_setting

DEMO_USERNAME = "demo"
BINARY_UNITS = ("B", "KiB", "MiB", "GiB", "TiB")


def binary_size(size: int) -> str:
    """Bytes in powers of 1024, labelled so (KiB, MiB): as the page's script writes them."""
    value, unit = float(size), 0
    while value >= 1024 and unit < len(BINARY_UNITS) - 1:
        value /= 1024
        unit += 1
    number = f"{value:.1f}".removesuffix(".0") if unit else str(size)
    return f"{number} {BINARY_UNITS[unit]}"


@ensure_csrf_cookie
def index(request: HttpRequest) -> HttpResponse:
    """The upload page; logs the visitor in as the demo user so it works at once."""
    if not request.user.is_authenticated and settings.DEMO_AUTO_LOGIN:
        user, _ = get_user_model().objects.get_or_create(username=DEMO_USERNAME)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    max_size = settings.MAX_FILE_UPLOAD_SIZE
    threshold = app_setting("MULTIPART_THRESHOLD")
    return render(
        request,
        "demo/index.html",
        {
            "endpoint": reverse("s3_file_uploads:upload-file-create"),
            "storage": settings.STORAGE_BACKEND,
            "storage_note": settings.DEMO_STORAGE_NOTE,
            "max_size": max_size,
            "max_size_label": binary_size(max_size),
            "multipart_threshold_label": binary_size(threshold),
            "resumable": threshold < max_size,
        },
    )
