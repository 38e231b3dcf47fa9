"""DRF throttles for create and complete, and each profile's own scope, off until a rate is set.

Rates are DRF's own setting::

    REST_FRAMEWORK = {"DEFAULT_THROTTLE_RATES": {
        "s3_file_uploads_create": "60/min", "s3_file_uploads_complete": "120/min",
        "avatar_uploads": "10/hour"}}   # a profile's THROTTLE_SCOPE
"""

from __future__ import annotations

from types import SimpleNamespace
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


def profile_throttle_wait(request: Any, profile: Any) -> float | None:
    """Seconds to wait when ``profile``'s throttle scope is spent, else None (also when the
    profile has no scope or its scope no rate). The profile is known only once the body is
    read, so this runs in the view, after DRF's own throttles."""
    if not profile.throttle_scope:
        return None
    throttle = UploadRateThrottle()
    if throttle.allow_request(request, SimpleNamespace(throttle_scope=profile.throttle_scope)):
        return None
    return throttle.wait() or 1.0
