"""DRF's ``ModelSerializer`` maps an UploadField to a relation that checks whose upload it is.

DRF builds every forward relation from ``serializer_related_field``, whatever the model field,
and has no registry for relational fields; left alone, a plain ``ModelSerializer`` would accept
any user's upload. :func:`install` wraps ``ModelSerializer.build_relational_field`` once, at app
start-up, so that an UploadField's relation becomes an ``UploadedFilePrimaryKeyRelatedField`` of
its profile and every other relation is built exactly as before.
"""

from __future__ import annotations

import functools
from typing import Any

#: Marks the wrapper, so installing twice wraps once.
INSTALLED = "_s3_file_uploads_upload_fields"


def upload_relation(
    field_class: type, field_kwargs: dict[str, Any], relation_info: Any
) -> tuple[type, dict[str, Any]]:
    """The field DRF built for a relation, or, for an UploadField's forward relation, the one
    that takes only the requesting user's completed uploads of its profile."""
    from .fields import UploadedFilePrimaryKeyRelatedField, UploadField

    if not isinstance(relation_info.model_field, UploadField) or relation_info.reverse:
        return field_class, field_kwargs
    kwargs = dict(field_kwargs)  # the field drops the queryset DRF derived
    kwargs["profile"] = relation_info.model_field.profile
    if issubclass(field_class, UploadedFilePrimaryKeyRelatedField):  # a serializer's own
        return field_class, kwargs
    return UploadedFilePrimaryKeyRelatedField, kwargs


def install() -> None:
    """Wrap ``ModelSerializer.build_relational_field``; nothing when DRF is not installed."""
    try:
        from rest_framework.serializers import ModelSerializer
    except ImportError:  # pragma: no cover (a dependency; kept for projects that strip it)
        return
    original = ModelSerializer.build_relational_field
    if getattr(original, INSTALLED, False):
        return

    @functools.wraps(original)
    def build_relational_field(self: Any, field_name: str, relation_info: Any) -> Any:
        return upload_relation(*original(self, field_name, relation_info), relation_info)

    setattr(build_relational_field, INSTALLED, True)
    ModelSerializer.build_relational_field = build_relational_field
