"""DRF throttles for create and complete, off until a rate is set.

Rates are DRF's own setting::

    REST_FRAMEWORK = {"DEFAULT_THROTTLE_RATES": {
        "s3_file_uploads_create": "60/min", "s3_file_uploads_complete": "120/min"}}
"""

from __future__ import annotations

from typing import Any

from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

CREATE_SCOPE = "s3_file_uploads_create"
COMPLETE_SCOPE = "s3_file_uploads_complete"


class UploadRateThrottle(ScopedRateThrottle):
    """ScopedRateThrottle that lets everything through when its scope has no rate, and reads
    the rates when asked (so a settings change applies without a restart of the class)."""

    @property
    def THROTTLE_RATES(self) -> dict[str, str]:
        return api_settings.DEFAULT_THROTTLE_RATES

    def allow_request(self, request: Any, view: Any) -> bool:
        scope = getattr(view, self.scope_attr, None)
        if not scope or scope not in self.THROTTLE_RATES:
            return True
        return super().allow_request(request, view)
