"""A DRF relation that only accepts the requesting user's own completed uploads."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from .models import UploadedFile, UploadState


class UploadedFilePrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """0.1.0's field, stricter: an upload is attached only once it completed, so nothing can
    point at a file that never arrived or that complete refused."""

    default_error_messages = {
        "anonymous": "Log in to attach uploaded files.",
        "does_not_exist": 'No completed upload of yours has the id "{pk_value}".',
        "not_completed": 'No completed upload of yours has the id "{pk_value}": it is still '
        "awaiting completion; complete it first.",
        "failed": 'No completed upload of yours has the id "{pk_value}": it failed ({reason}); '
        "upload the file again.",
    }

    def get_queryset(self) -> Any:
        return UploadedFile.objects.filter(file_upload_state=UploadState.COMPLETED)

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
        """Say why the user's own upload cannot be attached yet, if it exists at all."""
        found = UploadedFile.objects.filter(user=user, pk=pk).values_list(
            "file_upload_state", "failure_reason"
        )
        for state, reason in found:
            if state == UploadState.FAILED:
                self.fail("failed", pk_value=pk, reason=(reason or "refused").rstrip("."))
            self.fail("not_completed", pk_value=pk)
