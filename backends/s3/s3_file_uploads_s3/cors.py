"""S3's CORS rules: the one a browser upload needs, and how to read a bucket's rules.

Rules are the dictionaries boto3 reads and writes (``AllowedOrigins``, ``AllowedMethods``,
``ExposeHeaders`` ...), so they go to ``put_bucket_cors`` as they are. The merge policy and
the wording are the core's (:mod:`s3_file_uploads.cors`).
"""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase
from typing import Any

from s3_file_uploads import cors

Rule = dict[str, Any]

#: The rule a browser upload needs: POST for forms, PUT for create-only uploads and parts, the
#: headers a PUT sends, and the part ETags readable by the page.
CORS_METHODS = ("POST", "PUT", "GET", "HEAD")
CORS_UPLOAD_METHODS = frozenset({"POST", "PUT"})
CORS_EXPOSED_HEADERS = ("ETag",)
#: The headers a create-only PUT (or a part) may carry: the preflight must allow each.
CORS_REQUEST_HEADERS = (
    "Content-Type",
    "If-None-Match",
    "x-amz-acl",
    "Content-MD5",
    "x-amz-checksum-sha256",
)
CORS_MAX_AGE = 3000
#: Keys that do not make a rule another one: its origins, and the name S3 lets a rule carry.
_NOT_THE_RULE = frozenset({"AllowedOrigins", "ID"})


def upload_cors_rule(origins: Sequence[str]) -> Rule:
    """The rule ``configure_cors`` adds: browser uploads (single and multipart) from ``origins``."""
    return {
        "AllowedOrigins": list(origins),
        "AllowedMethods": list(CORS_METHODS),
        "AllowedHeaders": ["*"],
        "ExposeHeaders": list(CORS_EXPOSED_HEADERS),
        "MaxAgeSeconds": CORS_MAX_AGE,
    }


class S3CorsRules(cors.CorsDialect[Rule]):
    """S3's spelling of a CORS rule, for :mod:`s3_file_uploads.cors`."""

    def origins(self, rule: Rule) -> Sequence[str]:
        return rule.get("AllowedOrigins", [])

    def lacks(self, rule: Rule) -> list[str]:
        methods = {m.upper() for m in rule.get("AllowedMethods", [])}
        exposed = {h.lower() for h in rule.get("ExposeHeaders", [])}
        missing = sorted(CORS_UPLOAD_METHODS - methods)
        missing += [h for h in CORS_EXPOSED_HEADERS if h.lower() not in exposed]
        return missing + [f"header {h}" for h in _not_allowed(rule, CORS_REQUEST_HEADERS)]

    def upload_rule(self, origins: Sequence[str]) -> Rule:
        return upload_cors_rule(origins)

    def is_upload_rule(self, rule: Rule) -> bool:
        return _rule_proper(rule) == _rule_proper(upload_cors_rule([]))

    def widened(self, rule: Rule, origins: Sequence[str]) -> Rule:
        return {**rule, "AllowedOrigins": [*rule["AllowedOrigins"], *origins]}


RULES = S3CorsRules()
#: The names ``configure_cors``, ``check_storage`` and the tests use.
cors_shortfall = RULES.shortfall
merge_cors_rules = RULES.merged


def _not_allowed(rule: Rule, headers: Sequence[str]) -> list[str]:
    """Which ``headers`` the rule's ``AllowedHeaders`` (S3 allows one ``*`` per entry, as in
    ``x-amz-*``) do not admit in a preflight."""
    allowed = [pattern.lower() for pattern in rule.get("AllowedHeaders", [])]
    return [h for h in headers if not any(fnmatchcase(h.lower(), p) for p in allowed)]


def _rule_proper(rule: Rule) -> Rule:
    return {key: value for key, value in rule.items() if key not in _NOT_THE_RULE}
