"""The form field of an :class:`~s3_file_uploads.fields.UploadField`: what any Django form (and the
admin) uses to attach an upload without trusting the browser.

The browser submits a signed field value (see :mod:`s3_file_uploads.field_values`), never a
bare id, so a form attaches only an upload its owner was handed, completed and of the field's
profile, even with no access to the request. A form that knows the user (``UploadFormMixin``,
the admin's ``UploadAdminMixin``) also refuses any upload that is not that user's. Without
JavaScript the file itself arrives with the form and is stored through the field's profile.
"""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from .creation import store_file
from .errors import StorageError, UploadRefused
from .field_values import MAX_AGE, FieldValueInvalid, read_field_value
from .models import UploadedFile, UploadState
from .quotas import QuotaExceeded
from .widgets import CHOSEN, SubmittedUpload, UploadWidget

logger = logging.getLogger(__name__)

#: Arguments Django passes to a foreign key's form field that mean nothing to this one.
FOREIGN_KEY_ONLY = ("queryset", "limit_choices_to", "to_field_name", "empty_label", "blank")


class UploadFormField(forms.Field):
    """An upload of one profile: its signed field value, a file posted without JavaScript, or
    nothing (with "clear" ticked, or no value). Cleans to an ``UploadedFile`` or None.

    ``user``: when set (by a form or admin mixin), only that user's uploads are accepted and a
    posted file is stored as theirs; otherwise a posted file is stored as an anonymous upload
    and a value is accepted when the row still has the owner it was signed for. The initial
    upload is always accepted back unchanged.
    """

    default_error_messages = {
        "invalid": "This upload could not be verified; choose the file again.",
        "expired": "This upload was made too long ago to attach; choose the file again.",
        "not_yours": "This upload is not yours; choose a file of your own.",
        "missing": "This upload no longer exists; choose the file again.",
        "pending": "This upload is still awaiting completion; wait until it has finished, "
        "then send the form again.",
        "failed": "This upload failed (%(reason)s); choose the file again.",
        "wrong_profile": 'This upload was made under the "%(found)s" profile; this field takes '
        '"%(wanted)s" uploads; choose the file here again.',
        "contradiction": "Either choose a file or tick Clear, not both.",
        "refused": "%(reason)s",
        "unavailable": "The file could not be stored just now; try again in a moment.",
    }

    def __init__(
        self,
        *,
        profile: str = "default",
        user: Any = None,
        max_age: int = MAX_AGE,
        **kwargs: Any,
    ) -> None:
        for name in FOREIGN_KEY_ONLY:
            kwargs.pop(name, None)
        self.profile = profile
        self.user = user
        self.max_age = max_age
        #: What clean decided, shown when the bound form is rendered again.
        self._shown: tuple[Any] | None = None
        super().__init__(**kwargs)

    @property
    def widget(self) -> Any:
        return self.__dict__.get("_widget", UploadWidget)

    @widget.setter
    def widget(self, widget: Any) -> None:
        """Keeps the upload widget itself when the admin wraps it: the wrapper's add, change
        and view links follow a select's value, and this widget has none."""
        widget = _unwrapped(widget)
        if hasattr(widget, "profile"):
            widget.profile = self.profile
        self.__dict__["_widget"] = widget

    def _clean_bound_field(self, bound_field: forms.BoundField) -> UploadedFile | None:
        """As Django's FileField does: cleaning needs the initial value too. A disabled field
        keeps its initial upload, whatever was sent."""
        try:
            if self.disabled:
                upload = self.prepare_value(bound_field.initial)
            else:
                upload = self.clean(bound_field.data, bound_field.initial)
        except ValidationError:
            self._shown = (bound_field.initial,)
            raise
        if upload is not None and str(upload.pk) != _pk(bound_field.initial):
            setattr(upload, CHOSEN, True)  # its sender holds its value, or owns it
        self._shown = (upload,)
        return upload

    def clean(self, value: Any, initial: Any = None) -> UploadedFile | None:
        submitted = _submitted(value)
        if submitted.file and submitted.clear:
            raise ValidationError(self.error_messages["contradiction"], code="contradiction")
        if submitted.file:
            upload = self._store(submitted.file)
        elif submitted.clear or not submitted.value:
            upload = None
        else:
            upload = self._verified(submitted.value, _pk(initial))
        self.validate(upload)
        self.run_validators(upload)
        return upload

    def bound_data(self, data: Any, initial: Any) -> Any:
        return self._shown[0] if self._shown is not None else initial

    def prepare_value(self, value: Any) -> UploadedFile | None:
        """The row the widget shows: from a row, or from the id a model form's initial holds."""
        if value is None or isinstance(value, UploadedFile):
            return value
        try:
            return UploadedFile.objects.filter(pk=value).first()
        except (TypeError, ValueError, ValidationError):
            return None

    def has_changed(self, initial: Any, data: Any) -> bool:
        if self.disabled or not isinstance(data, SubmittedUpload):
            return False
        if data.file:
            return True
        if data.clear or not data.value:
            return initial is not None
        try:
            return read_field_value(data.value).upload_id != str(_pk(initial))
        except FieldValueInvalid:
            return True

    def _verified(self, value: str, initial_pk: str | None) -> UploadedFile:
        """The upload ``value`` names, if this form may attach it."""
        try:
            named = read_field_value(value)
        except FieldValueInvalid:
            raise self._refusal("invalid", None) from None
        unchanged = named.upload_id == initial_pk
        if named.keeps_only and not unchanged:  # seen in some form, never handed to its owner
            raise self._refusal("not_yours", named.upload_id)
        if named.expired(self.max_age) and not unchanged:
            raise self._refusal("expired", named.upload_id)
        upload = UploadedFile.objects.filter(pk=named.upload_id).first()
        if upload is None:
            raise self._refusal("missing", named.upload_id)
        if not unchanged and not (
            named.names_owner_of(upload) and (self.user is None or named.owned_by(self.user))
        ):
            raise self._refusal("not_yours", upload.pk)
        if upload.file_upload_state == UploadState.FAILED:
            reason = (upload.failure_reason or "refused").rstrip(".")
            raise self._refusal("failed", upload.pk, reason=reason)
        if upload.file_upload_state != UploadState.COMPLETED:
            raise self._refusal("pending", upload.pk)
        if upload.profile != self.profile:
            raise self._refusal(
                "wrong_profile", upload.pk, found=upload.profile, wanted=self.profile
            )
        return upload

    def _refusal(self, code: str, upload_id: Any, **params: str) -> ValidationError:
        """The form error for ``code``, logged with the upload it names (never the value)."""
        logger.info("A form refused upload %s for profile %s: %s", upload_id, self.profile, code)
        return ValidationError(self.error_messages[code], code=code, params=params or None)

    def _store(self, posted: Any) -> UploadedFile:
        """Store a file posted with the form (no JavaScript) under the field's profile."""
        owner = self.user if self.user is not None and self.user.is_authenticated else None
        try:
            upload = store_file(
                posted,
                filename=posted.name or "",
                user=owner,
                profile=self.profile,
                content_type=getattr(posted, "content_type", None) or None,
                size=posted.size,
            )
        except (UploadRefused, QuotaExceeded) as refusal:
            logger.info("A file posted with a form was refused in %s: %s", self.profile, refusal)
            raise ValidationError(
                self.error_messages["refused"], code="refused", params={"reason": str(refusal)}
            ) from None
        except StorageError as error:
            logger.warning(
                "A file posted with a form was not stored in %s: %s", self.profile, error
            )
            raise ValidationError(self.error_messages["unavailable"], code="unavailable") from None
        logger.info(
            "Stored a file posted with a form as upload %s (backend %s, key %s)",
            upload.pk,
            upload.backend,
            upload.file_key,
        )
        return upload


class UploadFormMixin:
    """Give a form the user: ``MyForm(request.POST, request.FILES, user=request.user)``. Its
    upload fields then take only that user's uploads and store posted files as theirs."""

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, UploadFormField):
                field.user = user


def _submitted(value: Any) -> SubmittedUpload:
    """The widget's data, or a bare value (a signed value or nothing) from other callers."""
    if isinstance(value, SubmittedUpload):
        return value
    return SubmittedUpload(value=value if isinstance(value, str) else "", file=None, clear=False)


def _pk(value: Any) -> str | None:
    """The id of an initial value: a row, its id, or nothing."""
    if value is None or value == "":
        return None
    return str(value.pk if isinstance(value, UploadedFile) else value)


def _unwrapped(widget: Any) -> Any:
    """The widget inside the admin's related-object wrapper, or ``widget`` itself."""
    try:
        from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
    except ImportError:  # pragma: no cover (the admin ships with Django)
        return widget
    if isinstance(widget, RelatedFieldWidgetWrapper) and isinstance(widget.widget, UploadWidget):
        return widget.widget
    return widget
