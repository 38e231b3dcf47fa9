"""A plain form page for Member, as a project would write one: add at /members/, change at
/members/<pk>/, back to the list once saved."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from s3_file_uploads.forms import UploadFormMixin

from .models import Member


class MemberForm(UploadFormMixin, forms.ModelForm):
    class Meta:
        model = Member
        fields = ["name", "avatar", "resume"]


@login_required(login_url="/admin/login/")
def member_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    member = get_object_or_404(Member, pk=pk) if pk is not None else None
    form = MemberForm(instance=member, user=request.user)
    if request.method == "POST":
        form = MemberForm(request.POST, request.FILES, instance=member, user=request.user)
        if form.is_valid():
            saved = form.save()
            return redirect("member-saved", pk=saved.pk)
    return render(request, "upload_field_app/member_form.html", {"form": form})


def member_saved(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(f"Saved member {pk}.")
