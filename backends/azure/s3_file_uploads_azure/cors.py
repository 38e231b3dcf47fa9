"""The Blob service's CORS rules: the one a browser upload needs, what the rules lack, a merge.

CORS on Azure is a property of the account's whole Blob service, not of a container, and the
SDK's ``CorsRule`` keeps each list as comma-separated text. The merge policy and the wording
are the core's (:mod:`s3_file_uploads.cors`).
"""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase
from typing import Any

from azure.storage.blob import CorsRule

from s3_file_uploads import cors

#: The service-wide CORS rule limit, and what one browser upload rule allows.
MAXIMUM_CORS_RULES = 5
CORS_METHODS = ("PUT", "GET", "HEAD", "OPTIONS")
CORS_ALLOWED_HEADERS = ("x-ms-blob-type", "content-type", "content-md5", "x-ms-*")
CORS_EXPOSED_HEADERS = ("ETag",)
CORS_MAX_AGE = 3600
#: What a browser upload's preflight asks for: the PUT and the instruction's headers (an upload
#: or a part with a declared checksum sends Content-MD5).
CORS_UPLOAD_METHODS = ("PUT",)
CORS_UPLOAD_HEADERS = ("x-ms-blob-type", "content-type", "content-md5")


def upload_cors_rule(origins: Sequence[str]) -> CorsRule:
    """The rule ``configure_cors`` sets: browser PUTs (single and parts) from ``origins``."""
    return CorsRule(
        list(origins),
        list(CORS_METHODS),
        allowed_headers=list(CORS_ALLOWED_HEADERS),
        exposed_headers=list(CORS_EXPOSED_HEADERS),
        max_age_in_seconds=CORS_MAX_AGE,
    )


class AzureCorsRules(cors.CorsDialect[CorsRule]):
    """The Blob service's spelling of a CORS rule, for :mod:`s3_file_uploads.cors`."""

    def origins(self, rule: CorsRule) -> Sequence[str]:
        return _items(rule.allowed_origins)

    def lacks(self, rule: CorsRule) -> list[str]:
        methods = {m.upper() for m in _items(rule.allowed_methods)}
        allowed = [h.lower() for h in _items(rule.allowed_headers)]
        exposed = [h.lower() for h in _items(rule.exposed_headers)]
        missing = [m for m in CORS_UPLOAD_METHODS if m not in methods]
        missing += [h for h in CORS_UPLOAD_HEADERS if not any(fnmatchcase(h, p) for p in allowed)]
        return missing + [
            f"exposed {h}"
            for h in CORS_EXPOSED_HEADERS
            if not any(fnmatchcase(h.lower(), p) for p in exposed)
        ]

    def upload_rule(self, origins: Sequence[str]) -> CorsRule:
        return upload_cors_rule(origins)

    def is_upload_rule(self, rule: CorsRule) -> bool:
        methods = {m.lower() for m in _items(rule.allowed_methods)}
        headers = {h.lower() for h in _items(rule.allowed_headers)}
        return methods == {m.lower() for m in CORS_METHODS} and headers == {
            h.lower() for h in CORS_ALLOWED_HEADERS
        }

    def widened(self, rule: CorsRule, origins: Sequence[str]) -> CorsRule:
        return upload_cors_rule([*_items(rule.allowed_origins), *origins])


RULES = AzureCorsRules()
#: The names ``configure_cors``, ``check_storage`` and the tests use.
cors_shortfall = RULES.shortfall
merge_cors_rules = RULES.merged


def rule_dict(rule: CorsRule) -> dict[str, Any]:
    """A rule as ``configure_cors`` reports it: plain lists, as every backend's rules are."""
    return {
        "allowed_origins": _items(rule.allowed_origins),
        "allowed_methods": _items(rule.allowed_methods),
        "allowed_headers": _items(rule.allowed_headers),
        "exposed_headers": _items(rule.exposed_headers),
        "max_age_in_seconds": rule.max_age_in_seconds,
    }


def _items(value: str | Sequence[str] | None) -> list[str]:
    """A CORS rule's list, which the SDK keeps as comma-separated text."""
    if isinstance(value, str) or value is None:
        return [item.strip() for item in (value or "").split(",") if item.strip()]
    return [item.strip() for item in value if item.strip()]
