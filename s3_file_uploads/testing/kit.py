"""The whole conformance kit in one class: the fixtures base and every mixin.

The pieces live in their own modules (``fixtures``, ``contract``, ``http_api``, ``multipart``);
the names this module held before are still importable from it.
"""

from __future__ import annotations

from .api import CREATE_URL_NAME as API
from .api import api_url as reverse_create
from .browser import TIMEOUT, send_instruction
from .content import sample_bytes
from .contract import BODY, ContractConformance
from .file_access import FileAccessConformance
from .fixtures import ConformanceFixtures
from .http_api import HttpApiConformance
from .multipart import MultipartConformance


class BackendConformance(
    ContractConformance, HttpApiConformance, MultipartConformance, FileAccessConformance
):
    """Contract tests every backend passes: the contract's verbs, the HTTP API, multipart and
    server-side reads and writes (the last two skipped where the backend declares neither).

    Subclass it and override ``conformance_backend`` (see :class:`ConformanceFixtures` for the
    other fixtures and switches). Needs pytest-django (``db``, ``settings``).
    """


#: The class this module defines, and the names it held before the kit was split (the mixins
#: stay importable from here too, as the base classes above).
__all__ = [
    "API",
    "BODY",
    "TIMEOUT",
    "BackendConformance",
    "ConformanceFixtures",
    "reverse_create",
    "sample_bytes",
    "send_instruction",
]
