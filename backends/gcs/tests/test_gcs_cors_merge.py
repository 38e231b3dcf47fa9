"""The GCS CORS merge and check, on their own: fake-gcs-server accepts CORS rules but keeps none,
so what ``configure_cors`` writes and ``check_storage`` reads is proven here on the rule lists."""

from __future__ import annotations

from s3_file_uploads_gcs.backend import cors_shortfall, merge_cors_rules, upload_cors_rule

ORIGIN = "https://app.example"
OTHER = {"origin": ["https://reports.example"], "method": ["GET"], "maxAgeSeconds": 60}


def test_merge_keeps_another_origins_rule_and_adds_the_upload_rule():
    merged = merge_cors_rules([OTHER], [ORIGIN])

    assert merged == [OTHER, upload_cors_rule([ORIGIN])]


def test_merge_is_idempotent():
    once = merge_cors_rules([OTHER], [ORIGIN])

    assert merge_cors_rules(once, [ORIGIN]) == once


def test_a_new_origin_joins_the_upload_rule_instead_of_adding_one():
    merged = merge_cors_rules(merge_cors_rules([OTHER], [ORIGIN]), ["https://admin.example"])

    assert len(merged) == 2
    assert merged[1]["origin"] == [ORIGIN, "https://admin.example"]


def test_an_origin_a_rule_already_serves_for_uploads_adds_nothing():
    wildcard = {"origin": ["*"], "method": ["POST", "PUT", "GET"], "responseHeader": ["*"]}

    assert merge_cors_rules([wildcard], [ORIGIN]) == [wildcard]


def test_shortfall_names_what_a_rule_lacks_for_uploads():
    assert cors_shortfall([OTHER], ORIGIN) == f"no CORS rule admits {ORIGIN}"
    assert cors_shortfall([{**OTHER, "origin": [ORIGIN]}], ORIGIN).startswith(
        f"the rules admitting {ORIGIN} lack POST, PUT, ETag, header Content-Type"
    )
    assert cors_shortfall([upload_cors_rule([ORIGIN])], ORIGIN) == ""


def test_a_rule_must_list_the_headers_a_create_only_put_sends():
    rule = {
        "origin": [ORIGIN],
        "method": ["POST", "PUT"],
        "responseHeader": ["Content-Type", "ETag", "x-goog-content-length-range"],
    }

    assert cors_shortfall([rule], ORIGIN) == (
        f"the rules admitting {ORIGIN} lack header Content-MD5, header x-goog-acl, "
        "header x-goog-if-generation-match"
    )
    assert merge_cors_rules([rule], [ORIGIN]) == [rule, upload_cors_rule([ORIGIN])]
