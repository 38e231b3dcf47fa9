"""What refers to an upload: every relation to ``UploadedFile`` that Django knows, found at run
time from the models' meta API rather than from a list kept by hand.

A relation is a concrete ``ForeignKey`` or ``OneToOneField`` (or a subclass of either, such as a
model field made for uploads) on any installed model, the project's and third-party apps' alike,
whose target is ``UploadedFile``. A ``ManyToManyField`` counts through its table, whose foreign
key to ``UploadedFile`` is one of these relations too. This app's own bookkeeping (the part
checksums a multipart upload declared) is part of the upload, not a use of it, and does not
count. Each relation becomes one ``EXISTS`` subquery, so deciding whether an upload is
referenced never loads the referring rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.apps.registry import Apps
from django.db import models
from django.db.models import Exists, OuterRef, Q

from .models import UploadedFile

#: Relations from this app's own models are bookkeeping of an upload, never a reference to it.
OWN_APP = UploadedFile._meta.app_label


@dataclass(frozen=True)
class Relation:
    """One foreign key column, somewhere, that may hold an upload's id."""

    model: type[models.Model]
    field: models.ForeignKey

    @property
    def label(self) -> str:
        """``app_label.Model.field``, as logs and the command's summary name it."""
        return f"{self.model._meta.label}.{self.field.name}"

    def exists(self) -> Exists:
        """True for an upload this relation points at; used inside a query of UploadedFile.

        The base manager sees every row, also those a custom default manager hides (soft
        deleted ones still hold the foreign key).
        """
        rows = self.model._base_manager.filter(
            **{self.field.attname: OuterRef(self.field.target_field.attname)}
        )
        return Exists(rows)


def upload_relations(registry: Apps = apps) -> list[Relation]:
    """Every relation to ``UploadedFile`` among the installed models (of ``registry``),
    many-to-many tables included; a proxy or swapped-out model adds none (its table is another
    model's, or none)."""
    found = []
    for model in registry.get_models(include_auto_created=True):
        if model._meta.proxy or model._meta.swapped or model._meta.app_label == OWN_APP:
            continue
        for field in model._meta.local_concrete_fields:
            if _points_at_uploads(field):
                found.append(Relation(model, field))
    return found


def unreferenced(relations: list[Relation]) -> Q:
    """A condition on UploadedFile: none of ``relations`` points at the row. Matches every row
    when the list is empty."""
    return Q(*(~relation.exists() for relation in relations))


def referrers(upload_pk: object, relations: list[Relation]) -> list[str]:
    """The labels of those of ``relations`` pointing at one upload, for a log line."""
    return [
        relation.label
        for relation in relations
        if UploadedFile.objects.filter(relation.exists(), pk=upload_pk).exists()
    ]


def _points_at_uploads(field: models.Field) -> bool:
    if not (field.is_relation and (field.many_to_one or field.one_to_one)):
        return False
    target = field.related_model
    return isinstance(target, type) and target._meta.concrete_model is UploadedFile
