"""S3's CORS rules: the one a browser upload needs, what a bucket's rules lack, and a merge.

Rules are the dictionaries boto3 reads and writes (``AllowedOrigins``, ``AllowedMethods``,
``ExposeHeaders`` ...), so they go to ``put_bucket_cors`` as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from s3_file_uploads.contract import origin_allowed

#: The rule a browser upload needs: POST for one-request uploads, PUT for parts, and the part
#: ETags readable by the page.
CORS_METHODS = ("POST", "PUT", "GET", "HEAD")
CORS_UPLOAD_METHODS = frozenset({"POST", "PUT"})
CORS_EXPOSED_HEADERS = ("ETag",)
CORS_MAX_AGE = 3000


def upload_cors_rule(origins: Sequence[str]) -> dict[str, Any]:
    """The rule ``configure_cors`` adds: browser uploads (single and multipart) from ``origins``."""
    return {
        "AllowedOrigins": list(origins),
        "AllowedMethods": list(CORS_METHODS),
        "AllowedHeaders": ["*"],
        "ExposeHeaders": list(CORS_EXPOSED_HEADERS),
        "MaxAgeSeconds": CORS_MAX_AGE,
    }


def cors_shortfall(rules: Sequence[dict[str, Any]], origin: str) -> str:
    """What the rules lack for browser uploads from ``origin``; empty when nothing."""
    admitting = [r for r in rules if origin_allowed(origin, r.get("AllowedOrigins", []))]
    if not admitting:
        return f"no CORS rule admits {origin}"
    gaps = []
    for rule in admitting:
        methods = {m.upper() for m in rule.get("AllowedMethods", [])}
        exposed = {h.lower() for h in rule.get("ExposeHeaders", [])}
        missing = sorted(CORS_UPLOAD_METHODS - methods)
        missing += [h for h in CORS_EXPOSED_HEADERS if h.lower() not in exposed]
        if not missing:
            return ""
        gaps.append(", ".join(missing))
    return f"the rules admitting {origin} lack {' / '.join(gaps)}"


def merge_cors_rules(current: Sequence[dict[str, Any]], origins: Sequence[str]) -> list[dict]:
    """``current`` plus browser uploads from ``origins``: an origin a rule already serves is
    left alone; the others join this project's upload rule, or a new one."""
    rules = [dict(rule) for rule in current]
    missing = [o for o in origins if cors_shortfall(rules, o)]
    if not missing:
        return rules
    ours = upload_cors_rule([])
    for rule in rules:
        if {k: v for k, v in rule.items() if k not in {"AllowedOrigins", "ID"}} == {
            k: v for k, v in ours.items() if k != "AllowedOrigins"
        }:
            rule["AllowedOrigins"] = [*rule["AllowedOrigins"], *missing]
            return rules
    return [*rules, upload_cors_rule(missing)]
