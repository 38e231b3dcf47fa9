"""A DRF relation that only accepts the requesting user's own completed uploads."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from .models import UploadedFile, UploadState


class UploadedFilePrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {
        "anonymous": "Log in to attach uploaded files.",
        "does_not_exist": 'No completed upload of yours has the id "{pk_value}".',
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
            self.fail("does_not_exist", pk_value=data)
        except (TypeError, ValueError, DjangoValidationError):
            self.fail("incorrect_type", data_type=type(data).__name__)
