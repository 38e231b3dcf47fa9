"""Azure CORS rules on their own: what a rule admitting an origin lacks for browser uploads."""

from __future__ import annotations

from azure.storage.blob import CorsRule
from s3_file_uploads_azure.cors import cors_shortfall, merge_cors_rules, upload_cors_rule

ORIGIN = "https://app.example"


def test_the_upload_rule_lacks_nothing():
    assert cors_shortfall([upload_cors_rule([ORIGIN])], ORIGIN) == ""


def test_a_rule_must_allow_the_content_md5_a_declared_checksum_sends():
    rule = CorsRule(
        [ORIGIN],
        ["PUT"],
        allowed_headers=["x-ms-blob-type", "content-type"],
        exposed_headers=["ETag"],
    )

    assert cors_shortfall([rule], ORIGIN) == f"the rules admitting {ORIGIN} lack content-md5"
    merged = merge_cors_rules([rule], [ORIGIN])
    assert [r.allowed_origins for r in merged] == [ORIGIN, ORIGIN]
    assert cors_shortfall(merged[1:], ORIGIN) == ""


def test_a_header_pattern_can_allow_content_md5():
    rule = CorsRule([ORIGIN], ["PUT"], allowed_headers=["*"], exposed_headers=["ETag"])

    assert cors_shortfall([rule], ORIGIN) == ""
