"""Renderers the API can use in this project: the browsable API only when its templates exist."""

from __future__ import annotations

from collections.abc import Sequence

from django.apps import apps
from rest_framework.renderers import (
    BaseRenderer,
    BrowsableAPIRenderer,
    JSONRenderer,
    TemplateHTMLRenderer,
)

#: Renderers that draw a page from rest_framework's templates (AdminRenderer is a browsable one).
NEEDS_DRF_TEMPLATES = (BrowsableAPIRenderer, TemplateHTMLRenderer)


def browsable_api() -> bool:
    """Whether rest_framework's templates are there: it is in INSTALLED_APPS."""
    return apps.is_installed("rest_framework")


def usable_renderers(renderers: Sequence[BaseRenderer]) -> list[BaseRenderer]:
    """``renderers``, less those whose templates are missing because ``rest_framework`` is not in
    INSTALLED_APPS (0.1.0 projects do not list it): a browser then gets JSON, not a 500."""
    if browsable_api():
        return list(renderers)
    usable = [r for r in renderers if not isinstance(r, NEEDS_DRF_TEMPLATES)]
    return usable or [JSONRenderer()]
