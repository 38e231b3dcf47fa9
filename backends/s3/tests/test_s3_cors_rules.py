"""S3 CORS rules: which ones admit browser uploads from an origin, S3's one-``*`` wildcard too."""

from __future__ import annotations

from s3_file_uploads_s3.backend import cors_shortfall, merge_cors_rules, upload_cors_rule

ORIGIN = "https://app.example"


def test_a_wildcard_origin_pattern_admits_a_subdomain_but_not_another_site():
    rules = [upload_cors_rule(["https://*.example"])]

    assert cors_shortfall(rules, ORIGIN) == ""
    assert cors_shortfall(rules, "https://app.example.org") == (
        "no CORS rule admits https://app.example.org"
    )


def test_a_rule_without_exposed_etag_is_not_enough_for_multipart():
    rule = {"AllowedOrigins": [ORIGIN], "AllowedMethods": ["POST", "PUT"], "AllowedHeaders": ["*"]}

    assert cors_shortfall([rule], ORIGIN) == f"the rules admitting {ORIGIN} lack ETag"
    assert merge_cors_rules([rule], [ORIGIN]) == [rule, upload_cors_rule([ORIGIN])]


def test_a_rule_must_allow_the_headers_of_a_create_only_put():
    rule = {
        "AllowedOrigins": [ORIGIN],
        "AllowedMethods": ["POST", "PUT"],
        "AllowedHeaders": ["content-type", "x-amz-*"],
        "ExposeHeaders": ["ETag"],
    }

    assert cors_shortfall([rule], ORIGIN) == (
        f"the rules admitting {ORIGIN} lack header If-None-Match, header Content-MD5"
    )
    assert merge_cors_rules([rule], [ORIGIN]) == [rule, upload_cors_rule([ORIGIN])]


def test_the_upload_rule_allows_every_header_a_put_sends():
    assert cors_shortfall([upload_cors_rule([ORIGIN])], ORIGIN) == ""
