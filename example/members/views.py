"""The plain form page: the members, a form to add one, the same form to change one. And, for
the demo only, the admin's login done for the visitor (see ``demo_admin_login``)."""

from demo.views import sign_in_demo_user
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from .forms import MemberForm
from .models import Member


def members(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Add a member (no ``pk``) or change one; redirect to the list once saved."""
    if not sign_in_demo_user(request):
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
    if not sign_in_demo_user(request, staff=True):
        return admin.site.login(request)
    wanted = request.GET.get("next", "")
    safe = url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()})
    return redirect(wanted if safe and wanted else "admin:index")
