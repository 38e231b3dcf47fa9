"""``manage.py configure_cors`` adds to the rules storage holds (``--replace`` drops them), changes
nothing when run twice, and ends every failure with one line that names the bucket or container.
Over moto, Azurite and fake-gcs-server."""

from __future__ import annotations

import io

import pytest
from azure.storage.blob import CorsRule
from django.core.management import CommandError, call_command

from .servers.azurite import blob_service
from .servers.moto import s3_client

ORIGIN = "https://app.example"
SECOND = "https://admin.example"
OTHER_RULE = {"AllowedOrigins": ["https://reports.example"], "AllowedMethods": ["GET"]}


def configure(*args: str) -> str:
    out = io.StringIO()
    call_command("configure_cors", *args, stdout=out)
    return out.getvalue()


def assert_one_line_naming(error: CommandError, *names: str) -> None:
    message = str(error)
    assert "\n" not in message
    assert "Traceback" not in message
    for name in names:
        assert name in message, message


def assert_a_second_run_changes_nothing(backend: str, rules) -> None:
    configure("--backend", backend, "--origin", ORIGIN)
    once = rules()
    configure("--backend", backend, "--origin", ORIGIN)
    assert rules() == once


# --- S3 (moto) -----------------------------------------------------------------------------------


@pytest.fixture
def s3_rules(s3_bucket, moto_server):
    """The bucket starts with one rule of its own, for another origin; returns a reader."""
    client = s3_client(moto_server)
    client.put_bucket_cors(Bucket=s3_bucket, CORSConfiguration={"CORSRules": [OTHER_RULE]})
    return lambda: client.get_bucket_cors(Bucket=s3_bucket)["CORSRules"]


def test_s3_keeps_a_rule_for_another_origin_and_adds_the_upload_rule(s3_rules):
    output = configure("--backend", "s3", "--origin", ORIGIN)

    rules = s3_rules()
    assert rules[0] == OTHER_RULE
    assert rules[1]["AllowedOrigins"] == [ORIGIN]
    assert {"POST", "PUT"} <= set(rules[1]["AllowedMethods"])
    assert rules[1]["ExposeHeaders"] == ["ETag"]
    assert "other rules were kept" in output


def test_s3_run_twice_changes_nothing_and_a_new_origin_joins_the_upload_rule(s3_rules):
    assert_a_second_run_changes_nothing("s3", s3_rules)

    configure("--backend", "s3", "--origin", SECOND)

    rules = s3_rules()
    assert len(rules) == 2
    assert rules[0] == OTHER_RULE
    assert rules[1]["AllowedOrigins"] == [ORIGIN, SECOND]


def test_s3_replace_leaves_only_the_upload_rule(s3_rules):
    output = configure("--backend", "s3", "--origin", ORIGIN, "--replace")

    rules = s3_rules()
    assert [rule["AllowedOrigins"] for rule in rules] == [[ORIGIN]]
    assert "every other rule was dropped" in output


@pytest.mark.usefixtures("s3_without_credentials")
def test_s3_without_credentials_is_one_line_naming_the_bucket(s3_bucket):
    with pytest.raises(CommandError) as caught:
        configure("--backend", "s3", "--origin", ORIGIN)

    assert_one_line_naming(caught.value, f"S3 bucket '{s3_bucket}'", "AWS_ACCESS_KEY_ID")
    assert "Unable to locate credentials" in str(caught.value)


def test_s3_missing_bucket_is_one_line_naming_it_and_its_setting(s3_bucket, settings):
    settings.AWS_BUCKET_NAME = "no-such-bucket-anywhere"

    with pytest.raises(CommandError) as caught:
        configure("--backend", "s3", "--origin", ORIGIN)

    assert_one_line_naming(caught.value, "'no-such-bucket-anywhere'", "AWS_BUCKET_NAME")


# --- Azure (Azurite): CORS belongs to the account's whole Blob service ---------------------------


@pytest.fixture
def azure_rules(azure_container, azurite):
    """The service starts with one rule of its own; put back what was there before the test."""
    service = blob_service(azurite)
    before = service.get_service_properties()["cors"]
    service.set_service_properties(cors=[CorsRule(["https://reports.example"], ["GET"])])
    yield lambda: [
        (rule.allowed_origins, rule.allowed_methods)
        for rule in service.get_service_properties()["cors"]
    ]
    service.set_service_properties(cors=before)


def test_azure_keeps_other_rules_run_twice_changes_nothing_and_origins_join_one_rule(azure_rules):
    assert_a_second_run_changes_nothing("azure", azure_rules)

    configure("--backend", "azure", "--origin", SECOND)

    rules = azure_rules()
    assert rules[0] == ("https://reports.example", "GET")
    assert [origins for origins, _ in rules[1:]] == [f"{ORIGIN},{SECOND}"]


def test_azure_replace_leaves_only_the_upload_rule(azure_rules):
    configure("--backend", "azure", "--origin", ORIGIN, "--replace")

    assert [origins for origins, _ in azure_rules()] == [ORIGIN]


@pytest.mark.usefixtures("azure_with_a_wrong_account_key")
def test_azure_refused_credentials_are_one_line_naming_the_container(azure_container):
    with pytest.raises(CommandError) as caught:
        configure("--backend", "azure", "--origin", ORIGIN)

    assert_one_line_naming(caught.value, f"Azure container '{azure_container}'", "refused")


# --- GCS (fake-gcs-server: it takes CORS rules but keeps none, so the merge is tested on its own
# in backends/gcs/tests/test_gcs_cors_merge.py) --------------------------------------------------


def test_gcs_sets_the_upload_rule_and_prints_it(gcs_bucket):
    output = configure("--backend", "gcs", "--origin", ORIGIN)

    assert f"GCS bucket '{gcs_bucket}': other rules were kept." in output
    assert f"CORS rules set on 'gcs' for {ORIGIN}:" in output
    assert '"origin": [\n      "https://app.example"\n    ]' in output


def test_gcs_missing_bucket_is_one_line_naming_it_and_its_setting(gcs_bucket, settings):
    settings.GS_BUCKET_NAME = "no-such-bucket-anywhere"

    with pytest.raises(CommandError) as caught:
        configure("--backend", "gcs", "--origin", ORIGIN)

    assert_one_line_naming(caught.value, "GCS bucket 'no-such-bucket-anywhere'", "GS_BUCKET_NAME")
