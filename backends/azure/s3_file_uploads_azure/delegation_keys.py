"""User delegation keys: what signs SAS when a token credential, not an account key, is set.

Azure hands out a key valid for at most seven days; every SAS signed with it must end before
the key does. One key is cached per configuration and replaced shortly before it runs out.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from azure.storage.blob import UserDelegationKey

from s3_file_uploads.errors import BackendConfigurationError

#: Azure refuses a user delegation key valid for longer than this.
MAXIMUM_USER_DELEGATION_KEY_LIFETIME = 7 * 24 * 3600
#: A cached user delegation key is replaced once a new SAS would end this close to its expiry.
USER_DELEGATION_KEY_REFRESH_MARGIN = 5 * 60
#: How far back a new user delegation key's validity starts, for clocks that disagree.
CLOCK_SKEW = 5 * 60
#: A SAS signed with a user delegation key cannot outlive the key.
MAXIMUM_DELEGATION_SAS_EXPIRY = (
    MAXIMUM_USER_DELEGATION_KEY_LIFETIME - USER_DELEGATION_KEY_REFRESH_MARGIN
)


class UserDelegationKeyCache:
    """One user delegation key, shared by every thread and replaced before it runs out.

    ``key_until(moment)`` returns a key still valid ``USER_DELEGATION_KEY_REFRESH_MARGIN`` after
    ``moment``, fetching a new one (once, whichever thread asks first) when the cached key
    would expire sooner.
    """

    def __init__(
        self,
        fetch: Callable[[datetime, datetime], UserDelegationKey],
        lifetime: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._fetch, self._lifetime, self._clock = fetch, lifetime, clock
        self._lock = threading.Lock()
        self._key: UserDelegationKey | None = None
        self._expires_at = datetime.min.replace(tzinfo=UTC)

    def key_until(self, moment: datetime) -> UserDelegationKey:
        needed_until = moment + timedelta(seconds=USER_DELEGATION_KEY_REFRESH_MARGIN)
        with self._lock:
            if self._key is None or self._expires_at < needed_until:
                now = self._clock().replace(microsecond=0)
                expiry = min(
                    max(now + timedelta(seconds=self._lifetime), needed_until),
                    now + timedelta(seconds=MAXIMUM_USER_DELEGATION_KEY_LIFETIME),
                )
                key = self._fetch(now - timedelta(seconds=CLOCK_SKEW), expiry)
                self._key = key
                self._expires_at = _parse_time(key.signed_expiry) or expiry
            return self._key


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def check_lifetime(seconds: int) -> None:
    """Refuse a ``user_delegation_key_lifetime`` Azure would refuse, at start-up."""
    if not 0 < seconds <= MAXIMUM_USER_DELEGATION_KEY_LIFETIME:
        raise BackendConfigurationError(
            f"user_delegation_key_lifetime must be between 1 and "
            f"{MAXIMUM_USER_DELEGATION_KEY_LIFETIME} seconds (7 days).",
            hint="Leave it unset for the default of one day.",
        )
