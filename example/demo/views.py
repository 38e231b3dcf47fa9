"""The demo's one page."""

from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie

from s3_file_uploads.profiles import DEFAULT_PROFILE, Profile, Quota, profiles

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


def types_label(content_types: tuple[str, ...]) -> str:
    """The accepted media types as the page shows them: "any type" for ``*/*``."""
    return "any type" if "*/*" in content_types else ", ".join(content_types)


def upload_area(profile: Profile, title: str) -> dict[str, object]:
    """What the page shows of one profile, and what its script checks before creating."""
    quota = profile.quota
    default = profile.name == DEFAULT_PROFILE
    return {
        "profile": profile.name,
        "title": title,
        # The default spans the page and keeps the ids the page had before profiles.
        "wide": default,
        "drop_id": "drop" if default else f"drop-{profile.name}",
        "queue_id": "queue" if default else f"queue-{profile.name}",
        "limit_id": "limit" if default else f"limit-{profile.name}",
        "max_size": profile.max_size or 0,
        "max_size_label": binary_size(profile.max_size) if profile.max_size else "",
        "content_types": ",".join(profile.content_types),
        "types_label": types_label(profile.content_types),
        "quota": quota,
        "quota_label": quota_label(quota),
    }


def quota_label(quota: Quota) -> str:
    """A profile's per-user quota in words ("50 MiB, 5 open at once"); empty without one."""
    parts = []
    if quota.bytes is not None:
        parts.append(binary_size(quota.bytes))
    if quota.open_uploads is not None:
        parts.append(f"{quota.open_uploads} open at once")
    return ", ".join(parts)


def upload_areas() -> list[dict[str, object]]:
    """One area per profile in ``DEMO_UPLOAD_AREAS`` that the settings declare, in its order."""
    declared = profiles()
    return [
        upload_area(declared[name], title)
        for name, title in settings.DEMO_UPLOAD_AREAS.items()
        if name in declared
    ]


def sign_in_demo_user(request: HttpRequest, *, staff: bool = False) -> bool:
    """Logs the visitor in as the demo user (DEMO_AUTO_LOGIN), so every page works at once;
    with ``staff``, as the demo user made staff for the admin, whoever was logged in before.
    Returns whether the visitor is logged in now, or for ``staff`` whether this logged them in
    (False when ``DEMO_AUTO_LOGIN`` is off). Demo only: never deploy that."""
    if request.user.is_authenticated and not staff:
        return True
    if not settings.DEMO_AUTO_LOGIN:
        return False
    user, _ = get_user_model().objects.get_or_create(username=DEMO_USERNAME)
    if staff and not (user.is_staff and user.is_superuser):
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return True


@ensure_csrf_cookie
def index(request: HttpRequest) -> HttpResponse:
    """The upload page; logs the visitor in as the demo user so it works at once."""
    sign_in_demo_user(request)
    areas = upload_areas()
    default = profiles()[DEFAULT_PROFILE]
    threshold = default.multipart_threshold
    return render(
        request,
        "demo/index.html",
        {
            "endpoint": reverse("s3_file_uploads:upload-file-create"),
            "storage": settings.STORAGE_BACKEND,
            "storage_note": settings.DEMO_STORAGE_NOTE,
            "areas": areas,
            "multipart_threshold_label": binary_size(threshold),
            "resumable": default.max_size is None or threshold < default.max_size,
        },
    )
