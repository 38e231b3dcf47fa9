"""GCS's CORS rules: the one a browser upload needs, and how to read a bucket's rules.

Rules are the dictionaries the JSON API and google-cloud-storage use (``origin``, ``method``,
``responseHeader``, ``maxAgeSeconds``), so they go to ``bucket.cors`` as they are. The merge
policy and the wording are the core's (:mod:`s3_file_uploads.cors`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from s3_file_uploads import cors

Rule = dict[str, Any]

CORS_METHODS = ("POST", "PUT", "GET", "HEAD")
#: What a create-only PUT (or a part) sends, which a preflight must find in ``responseHeader``.
CORS_REQUEST_HEADERS = (
    "Content-Type",
    "Content-MD5",
    "x-goog-acl",
    "x-goog-content-length-range",
    "x-goog-if-generation-match",
)
#: GCS documents no wildcard for ``responseHeader``, so the ``x-goog-*`` headers are named.
CORS_RESPONSE_HEADERS = (
    *CORS_REQUEST_HEADERS,
    "ETag",
    "x-goog-resumable",
    "x-goog-hash",
    "x-goog-generation",
)
CORS_MAX_AGE = 3600
#: What browser uploads need from a rule: POST forms, PUT uploads and parts, the headers a PUT
#: sends, and the part ETags readable.
CORS_UPLOAD_METHODS = frozenset({"POST", "PUT"})
CORS_EXPOSED_HEADERS = ("ETag",)


def upload_cors_rule(origins: Sequence[str]) -> Rule:
    """The rule ``configure_cors`` adds: browser uploads (single and multipart) from ``origins``."""
    return {
        "origin": list(origins),
        "method": list(CORS_METHODS),
        "responseHeader": list(CORS_RESPONSE_HEADERS),
        "maxAgeSeconds": CORS_MAX_AGE,
    }


class GCSCorsRules(cors.CorsDialect[Rule]):
    """GCS's spelling of a CORS rule, for :mod:`s3_file_uploads.cors`."""

    def origins(self, rule: Rule) -> Sequence[str]:
        return rule.get("origin", [])

    def lacks(self, rule: Rule) -> list[str]:
        methods = {m.upper() for m in rule.get("method", [])}
        exposed = {h.lower() for h in rule.get("responseHeader", [])}
        missing = sorted(CORS_UPLOAD_METHODS - methods)
        missing += [h for h in CORS_EXPOSED_HEADERS if not exposed & {h.lower(), "*"}]
        return missing + [
            f"header {h}" for h in CORS_REQUEST_HEADERS if not exposed & {h.lower(), "*"}
        ]

    def upload_rule(self, origins: Sequence[str]) -> Rule:
        return upload_cors_rule(origins)

    def is_upload_rule(self, rule: Rule) -> bool:
        return _without_origins(rule) == _without_origins(upload_cors_rule([]))

    def widened(self, rule: Rule, origins: Sequence[str]) -> Rule:
        return {**rule, "origin": [*rule.get("origin", []), *origins]}


RULES = GCSCorsRules()
#: The names ``configure_cors``, ``check_storage`` and the tests use.
cors_shortfall = RULES.shortfall
merge_cors_rules = RULES.merged


def _without_origins(rule: Rule) -> Rule:
    return {key: value for key, value in rule.items() if key != "origin"}
