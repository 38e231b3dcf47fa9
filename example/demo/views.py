"""The demo's one page."""

from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie

DEMO_USERNAME = "demo"


@ensure_csrf_cookie
def index(request: HttpRequest) -> HttpResponse:
    """The upload page; logs the visitor in as the demo user so it works at once."""
    if not request.user.is_authenticated and settings.DEMO_AUTO_LOGIN:
        user, _ = get_user_model().objects.get_or_create(username=DEMO_USERNAME)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return render(
        request,
        "demo/index.html",
        {
            "endpoint": reverse("s3_file_uploads:upload-file-create"),
            "storage": settings.STORAGE_BACKEND,
            "max_size": settings.MAX_FILE_UPLOAD_SIZE,
        },
    )
