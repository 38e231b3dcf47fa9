"""The plain form page: the members, a form to add one, the same form to change one. And, for
the demo only, the admin's login done for the visitor (see ``demo_admin_login``)."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model, login
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from .forms import MemberForm
from .models import Member

DEMO_USERNAME = "demo"


def members(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Add a member (no ``pk``) or change one; redirect to the list once saved."""
    if not request.user.is_authenticated and not log_in_demo_visitor(request):
        return redirect_to_login(request.get_full_path(), login_url="admin:login")
    member = get_object_or_404(Member, pk=pk) if pk is not None else None
    if request.method == "POST":
        form = MemberForm(request.POST, request.FILES, instance=member, user=request.user)
        if form.is_valid():
            form.save()
            return redirect("members:list")
    else:
        form = MemberForm(instance=member, user=request.user)
    listed = Member.objects.select_related("picture", "cv")
    return render(
        request, "members/members.html", {"form": form, "member": member, "members": listed}
    )


def demo_admin_login(request: HttpRequest) -> HttpResponse:
    """The demo's visitor is the user "demo"; here it is also staff, so the admin opens at once.
    With ``DEMO_AUTO_LOGIN=0`` this is the admin's own login (``manage.py createsuperuser``)."""
    if not log_in_demo_visitor(request, staff=True):
        return admin.site.login(request)
    wanted = request.GET.get("next", "")
    safe = url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()})
    return redirect(wanted if safe and wanted else "admin:index")


def log_in_demo_visitor(request: HttpRequest, *, staff: bool = False) -> bool:
    """Log the visitor in as the demo user (made staff for the admin), as the upload page does;
    False when ``DEMO_AUTO_LOGIN`` is off. Demo only: never deploy that."""
    if not settings.DEMO_AUTO_LOGIN:
        return False
    user, _ = get_user_model().objects.get_or_create(username=DEMO_USERNAME)
    if staff and not (user.is_staff and user.is_superuser):
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return True
