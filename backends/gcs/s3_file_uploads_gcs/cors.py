"""GCS's CORS rules: the one a browser upload needs, what a bucket's rules lack, and a merge.

Rules are the dictionaries the JSON API and google-cloud-storage use (``origin``, ``method``,
``responseHeader``, ``maxAgeSeconds``), so they go to ``bucket.cors`` as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from s3_file_uploads.contract import origin_allowed

CORS_METHODS = ("POST", "PUT", "GET", "HEAD")
#: GCS documents no wildcard for ``responseHeader``, so the ``x-goog-*`` headers are named.
CORS_RESPONSE_HEADERS = (
    "Content-Type",
    "ETag",
    "x-goog-resumable",
    "x-goog-content-length-range",
    "x-goog-hash",
    "x-goog-generation",
)
CORS_MAX_AGE = 3600
#: What browser uploads need from a rule: POST forms, PUT parts, and the part ETags readable.
CORS_UPLOAD_METHODS = frozenset({"POST", "PUT"})
CORS_EXPOSED_HEADERS = ("ETag",)


def upload_cors_rule(origins: Sequence[str]) -> dict[str, Any]:
    """The rule ``configure_cors`` adds: browser uploads (single and multipart) from ``origins``."""
    return {
        "origin": list(origins),
        "method": list(CORS_METHODS),
        "responseHeader": list(CORS_RESPONSE_HEADERS),
        "maxAgeSeconds": CORS_MAX_AGE,
    }


def cors_shortfall(rules: Sequence[dict[str, Any]], origin: str) -> str:
    """What the rules lack for browser uploads from ``origin``; empty when nothing."""
    admitting = [r for r in rules if origin_allowed(origin, r.get("origin", []))]
    if not admitting:
        return f"no CORS rule admits {origin}"
    gaps = []
    for rule in admitting:
        methods = {m.upper() for m in rule.get("method", [])}
        exposed = {h.lower() for h in rule.get("responseHeader", [])}
        missing = sorted(CORS_UPLOAD_METHODS - methods)
        missing += [h for h in CORS_EXPOSED_HEADERS if not exposed & {h.lower(), "*"}]
        if not missing:
            return ""
        gaps.append(", ".join(missing))
    return f"the rules admitting {origin} lack {' / '.join(gaps)}"


def merge_cors_rules(current: Sequence[dict[str, Any]], origins: Sequence[str]) -> list[dict]:
    """``current`` plus browser uploads from ``origins``: an origin a rule already serves is
    left alone; the others join this backend's upload rule, or a new one."""
    rules = [dict(rule) for rule in current]
    missing = [o for o in origins if cors_shortfall(rules, o)]
    if not missing:
        return rules
    shape = {k: v for k, v in upload_cors_rule([]).items() if k != "origin"}
    for rule in rules:
        if {k: v for k, v in rule.items() if k != "origin"} == shape:
            rule["origin"] = [*rule.get("origin", []), *missing]
            return rules
    return [*rules, upload_cors_rule(missing)]
