"""Relations to uploads: the model field that names a profile, and the DRF relation field that
only accepts the requesting user's own completed uploads (of that profile, when it names one)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from rest_framework import serializers

from .models import UploadedFile, UploadState

#: The model an UploadField points at, as migrations spell it.
UPLOADED_FILE = "s3_file_uploads.UploadedFile"


class UploadField(models.ForeignKey):
    """A foreign key to :class:`~s3_file_uploads.models.UploadedFile` that names the profile
    its uploads are made under: ``avatar = UploadField(profile="avatar")``.

    Defaults differ from a plain foreign key so a model can attach an upload with no more than
    the profile: ``on_delete=SET_NULL``, ``null=True``, ``blank`` as ``null`` and
    ``related_name="+"`` (no reverse accessor, so a model may hold several). Only completed
    uploads of the profile are offered (``limit_choices_to``) and ``full_clean()`` refuses any
    other with a message that says why. Whose upload it is stays the form's or serializer's
    check: the ORM does not know the request's user.
    """

    description = "An upload of one profile"

    def __init__(
        self,
        to: Any = UPLOADED_FILE,
        on_delete: Any = models.SET_NULL,
        *,
        profile: str = "default",
        **kwargs: Any,
    ) -> None:
        self.profile = profile
        self.extra_limit = kwargs.pop("limit_choices_to", None)
        if callable(self.extra_limit):
            raise TypeError("UploadField takes limit_choices_to as a dict or Q, not a callable.")
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", kwargs["null"])
        kwargs.setdefault("related_name", "+")
        super().__init__(to, on_delete, limit_choices_to=self._limit(), **kwargs)

    def _limit(self) -> models.Q:
        rule = models.Q(file_upload_state=UploadState.COMPLETED, profile=self.profile)
        if isinstance(self.extra_limit, dict):
            return rule & models.Q(**self.extra_limit)
        return rule if self.extra_limit is None else rule & self.extra_limit

    def deconstruct(self) -> tuple[str, str, list[Any], dict[str, Any]]:
        """Every argument whose default is this field's own is written out, so a migration
        rebuilds the same field; the profile's rule is rebuilt from ``profile``."""
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("limit_choices_to", None)
        if self.extra_limit is not None:
            kwargs["limit_choices_to"] = self.extra_limit
        kwargs["profile"] = self.profile
        kwargs["null"] = self.null
        kwargs["blank"] = self.blank
        kwargs["related_name"] = self.remote_field.related_name
        return name, path, args, kwargs

    def validate(self, value: Any, model_instance: Any) -> None:
        """Refuse a missing, unfinished or other profile's upload, saying what to change."""
        models.Field.validate(self, value, model_instance)
        if value is None:
            return
        cached = self.get_cached_value(model_instance, None) if model_instance else None
        if cached is not None and str(cached.pk) == str(value):  # a form just loaded it
            found = (cached.file_upload_state, cached.failure_reason, cached.profile)
        else:
            found = (
                UploadedFile._base_manager.filter(pk=value)
                .values_list("file_upload_state", "failure_reason", "profile")
                .first()
            )
        if found is None:
            raise DjangoValidationError(
                'No upload has the id "%(pk)s".', code="does_not_exist", params={"pk": value}
            )
        state, reason, profile = found
        problem = _unfinished(state, reason)
        if problem:
            raise DjangoValidationError(
                'The upload "%(pk)s" ' + problem, code="not_completed", params={"pk": value}
            )
        if profile != self.profile:
            raise DjangoValidationError(
                'The upload "%(pk)s" was made under the "%(found)s" profile; this field takes '
                '"%(wanted)s" uploads: upload the file with profile "%(wanted)s".',
                code="wrong_profile",
                params={"pk": value, "found": profile, "wanted": self.profile},
            )
        if self.extra_limit is not None:
            super().validate(value, model_instance)

    def formfield(self, **kwargs: Any) -> Any:
        """The upload form field and widget, so every model form and the admin upload from the
        browser; a widget of another kind (the admin's ``raw_id_fields`` or
        ``autocomplete_fields``, a form's own) gets the plain foreign key's select instead."""
        from .forms import UploadFormField
        from .widgets import UploadWidget

        widget = kwargs.get("widget") or UploadWidget
        form_class = kwargs.get("form_class") or UploadFormField
        widget_class = widget if isinstance(widget, type) else type(widget)
        if not (issubclass(widget_class, UploadWidget) and issubclass(form_class, UploadFormField)):
            return super().formfield(**kwargs)
        kwargs["form_class"] = form_class
        return models.Field.formfield(self, profile=self.profile, **kwargs)


def _unfinished(state: str, reason: str) -> str:
    """Why an upload in ``state`` cannot be attached, or "" when it can."""
    if state == UploadState.COMPLETED:
        return ""
    if state == UploadState.FAILED:
        return f"failed ({(reason or 'refused').rstrip('.')}); upload the file again."
    return "is still awaiting completion; complete it before attaching it."


class UploadedFilePrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """0.1.0's field, stricter: an upload is attached only once it completed, so nothing can
    point at a file that never arrived or that complete refused. With ``profile``, only uploads
    made under that profile."""

    default_error_messages = {
        "anonymous": "Log in to attach uploaded files.",
        "does_not_exist": 'No completed upload of yours has the id "{pk_value}".',
        "not_completed": 'No completed upload of yours has the id "{pk_value}": it is still '
        "awaiting completion; complete it first.",
        "failed": 'No completed upload of yours has the id "{pk_value}": it failed ({reason}); '
        "upload the file again.",
        "wrong_profile": 'The upload "{pk_value}" was made under the "{found}" profile; this '
        'field takes "{wanted}" uploads: upload the file with profile "{wanted}".',
    }

    def __init__(self, *, profile: str | None = None, **kwargs: Any) -> None:
        self.profile = profile
        kwargs.pop("queryset", None)  # the rows come from get_queryset, whatever DRF derived
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        rows = UploadedFile.objects.filter(file_upload_state=UploadState.COMPLETED)
        return rows if self.profile is None else rows.filter(profile=self.profile)

    def to_internal_value(self, data: Any) -> UploadedFile:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            self.fail("anonymous")
        try:
            return self.get_queryset().get(user=user, pk=data)
        except UploadedFile.DoesNotExist:
            self._fail_for_unfinished(user, data)
            self.fail("does_not_exist", pk_value=data)
        except (TypeError, ValueError, DjangoValidationError):
            self.fail("incorrect_type", data_type=type(data).__name__)

    def _fail_for_unfinished(self, user: Any, pk: Any) -> None:
        """Say why the user's own upload cannot be attached, if it exists at all."""
        found = UploadedFile.objects.filter(user=user, pk=pk).values_list(
            "file_upload_state", "failure_reason", "profile"
        )
        for state, reason, profile in found:
            if state == UploadState.FAILED:
                self.fail("failed", pk_value=pk, reason=(reason or "refused").rstrip("."))
            if state != UploadState.COMPLETED:
                self.fail("not_completed", pk_value=pk)
            if self.profile is not None and profile != self.profile:
                self.fail("wrong_profile", pk_value=pk, found=profile, wanted=self.profile)
