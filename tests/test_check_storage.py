"""``manage.py check_storage`` on real stand-ins: what it passes, what it fails, and the fix."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from .servers.azurite import blob_service
from .servers.moto import s3_client

ORIGIN = "https://app.example"


def check(*args: str) -> tuple[str, CommandError | None]:
    """Run the command; return its output and the CommandError it ended with, if any."""
    out = io.StringIO()
    try:
        call_command("check_storage", *args, stdout=out)
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None


def lines(output: str, outcome: str) -> list[str]:
    return [line for line in output.splitlines() if f"  {outcome}  " in line]


def the_one_failure(*args: str) -> str:
    """Run check_storage, which must fail; the one FAIL line it printed."""
    output, error = check(*args)
    assert error is not None, output
    [failure] = lines(output, "FAIL")
    return failure


@pytest.fixture
def restore_azurite_cors(azurite):
    """Azurite keeps one CORS list for the whole account: put back what a test changed."""
    service = blob_service(azurite)
    before = service.get_service_properties()["cors"]
    yield service
    service.set_service_properties(cors=before)


# --- S3 (moto) -----------------------------------------------------------------------------------


def test_a_working_s3_bucket_passes_every_check_and_leaves_nothing_behind(
    s3_bucket, moto_server, settings
):
    settings.S3_FILE_UPLOADS = {"CORS_ORIGINS": [ORIGIN]}

    output, error = check("--backend", "s3")

    assert error is None, output
    for name in ("settings", "credentials", "bucket", f"CORS for {ORIGIN}", "upload", "stat"):
        assert any(f"s3  PASS  {name}:" in line for line in lines(output, "PASS")), name
    assert any("download: the signed GET answered the same bytes" in x for x in output.split("\n"))
    assert "s3  PASS  delete: the object is gone" in output
    assert lines(output, "FAIL") == []
    assert "All " in output and "storage checks passed" in output
    stored = s3_client(moto_server).list_objects_v2(Bucket=s3_bucket).get("Contents", [])
    assert stored == []


def test_a_missing_s3_bucket_fails_with_the_setting_to_fix_and_skips_the_round_trip(
    s3_bucket, settings
):
    settings.AWS_BUCKET_NAME = "no-such-bucket-anywhere"

    output, error = check("--backend", "s3")

    assert error is not None
    assert "storage checks failed" in str(error)
    [failure] = lines(output, "FAIL")
    assert "bucket: S3 bucket 'no-such-bucket-anywhere' does not exist" in failure
    assert "Fix: Create the bucket 'no-such-bucket-anywhere', or correct AWS_BUCKET_NAME" in failure
    assert any(
        "upload round trip: fix the failures above first" in x for x in lines(output, "SKIP")
    )


def test_cors_rules_that_miss_an_origin_fail_with_the_configure_cors_command(
    s3_bucket, moto_server
):
    s3_client(moto_server).put_bucket_cors(
        Bucket=s3_bucket,
        CORSConfiguration={
            "CORSRules": [{"AllowedOrigins": ["https://other.example"], "AllowedMethods": ["GET"]}]
        },
    )

    output, error = check(
        "--backend", "s3", "--origin", ORIGIN, "--origin", "https://other.example"
    )

    assert error is not None
    failures = lines(output, "FAIL")
    assert any(
        f"CORS for {ORIGIN}: no CORS rule admits {ORIGIN}" in line
        and f"configure_cors --backend s3 --origin {ORIGIN}" in line
        for line in failures
    ), failures
    assert any(
        "CORS for https://other.example: the rules admitting https://other.example lack POST, PUT"
        in line
        for line in failures
    ), failures
    assert "s3  PASS  upload:" in output, "a CORS problem does not stop the round trip"


def test_no_origins_to_check_is_a_skip_that_says_which_setting_to_set(s3_bucket):
    output, error = check("--backend", "s3")

    assert error is None, output
    assert any(
        "CORS: no origins to check" in x and "CORS_ORIGINS" in x for x in lines(output, "SKIP")
    )


@pytest.mark.usefixtures("s3_without_credentials")
def test_s3_without_any_credentials_fails_the_credentials_check():
    failure = the_one_failure("--backend", "s3")

    assert "credentials: Unable to locate credentials" in failure
    assert "Fix: Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" in failure


# --- Azure (Azurite) -----------------------------------------------------------------------------


def test_a_working_azure_container_passes_every_check_and_leaves_nothing_behind(
    azure_container, settings, restore_azurite_cors
):
    settings.S3_FILE_UPLOADS = {"CORS_ORIGINS": [ORIGIN]}
    call_command("configure_cors", "--backend", "azure", stdout=io.StringIO())

    output, error = check("--backend", "azure")

    assert error is None, output
    for name in ("credentials", "container", f"CORS for {ORIGIN}", "upload", "stat", "download"):
        assert any(f"azure  PASS  {name}:" in line for line in output.splitlines()), name
    container = restore_azurite_cors.get_container_client(azure_container)
    assert list(container.list_blobs()) == []


def test_a_missing_azure_container_fails_with_the_setting_to_fix(azure_container, settings):
    settings.AZURE_CONTAINER = "no-such-container"

    failure = the_one_failure("--backend", "azure")

    assert "container: Azure container 'no-such-container' of account 'devstoreaccount1'" in failure
    assert "correct AZURE_CONTAINER" in failure


@pytest.mark.usefixtures("azure_with_a_wrong_account_key")
def test_a_wrong_azure_account_key_fails_the_credentials_check():
    failure = the_one_failure("--backend", "azure")

    assert "credentials: Azure refused access" in failure
    assert "Azure Blob Storage refused the request" in failure
    assert "Fix: Check AZURE_CONNECTION_STRING" in failure


# --- GCS (fake-gcs-server) -----------------------------------------------------------------------


def test_a_working_gcs_bucket_passes_the_bucket_and_the_round_trip(gcs_bucket):
    output, error = check("--backend", "gcs")

    assert error is None, output
    for name in ("credentials", "bucket", "upload", "stat", "download", "delete"):
        assert any(f"gcs  PASS  {name}:" in line for line in output.splitlines()), name


def test_a_missing_gcs_bucket_fails_and_nothing_is_sent_to_it(gcs_bucket, settings, fake_gcs):
    settings.GS_BUCKET_NAME = "no-such-bucket-anywhere"

    failure = the_one_failure("--backend", "gcs")

    assert "bucket: GCS bucket 'no-such-bucket-anywhere' does not exist" in failure
    assert "correct GS_BUCKET_NAME" in failure
    # fake-gcs-server creates a bucket a form is posted to: the skipped round trip sent none.
    output_again, _ = check("--backend", "gcs")
    assert "does not exist" in output_again


# --- local disk, settings, and the command's own arguments ---------------------------------------


@pytest.fixture
def local_backend(settings, tmp_path):
    settings.S3_FILE_UPLOADS = {
        "BACKENDS": {"local": {"BACKEND": "local", "OPTIONS": {"location": str(tmp_path)}}}
    }
    settings.STORAGE_BACKEND = "local"
    return tmp_path


def test_the_local_round_trip_goes_through_django_in_process(local_backend):
    output, error = check()

    assert error is None, output
    for name in ("upload", "stat", "download", "delete"):
        assert any(f"local  PASS  {name}:" in line for line in output.splitlines()), name
    objects = [p for p in local_backend.rglob("*") if p.is_file() and ".s3fu-meta" not in p.parts]
    assert objects == []


def test_the_local_round_trip_goes_over_http_to_a_running_site(local_backend, live_server):
    output, error = check("--base-url", live_server.url)

    assert error is None, output
    assert "local  PASS  download: the signed GET answered the same bytes" in output


def test_an_uninstalled_backend_fails_the_settings_check_with_its_hint(settings):
    settings.S3_FILE_UPLOADS = {"BACKENDS": {"files": {"BACKEND": "dropbox"}}}
    settings.STORAGE_BACKEND = "files"

    failure = the_one_failure("--backend", "files")

    assert "files  FAIL  settings: No storage backend named 'dropbox' is installed" in failure
    assert "Fix: Install the package that provides the 'dropbox' backend" in failure


def test_an_unknown_configuration_name_is_refused(local_backend):
    with pytest.raises(
        CommandError, match=r"No backend configuration named nope\. Configured: local"
    ):
        call_command("check_storage", "--backend", "nope", stdout=io.StringIO())


def test_no_round_trip_skips_writing_anything(local_backend):
    output, error = check("--no-round-trip")

    assert error is None, output
    assert "local  SKIP  upload round trip: --no-round-trip was given" in output
    assert "PASS  upload" not in output
