"""``manage.py configure_cors``: what it says for the local backend, and what it sets on Azurite."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from .servers.azurite import blob_service


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("configure_cors", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def local_default(settings, tmp_path):
    settings.S3_FILE_UPLOADS = {
        "BACKENDS": {"local": {"BACKEND": "local", "OPTIONS": {"location": str(tmp_path)}}}
    }
    settings.STORAGE_BACKEND = "local"


@pytest.mark.usefixtures("local_default")
def test_the_local_backend_needs_no_rules():
    output = run("--origin", "http://localhost:8000")
    assert "'local' backend (LocalBackend) sets no CORS rules" in output


@pytest.mark.usefixtures("local_default")
def test_an_unknown_configuration_is_an_error_with_its_fix():
    with pytest.raises(CommandError, match=r"No backend configuration named 'nope'.*BACKENDS"):
        run("--backend", "nope")


def cors_rules(azurite) -> list:
    return blob_service(azurite).get_service_properties()["cors"]


def test_sets_and_prints_the_rules_on_a_backend_with_cors(azure_container, azurite):
    output = run(
        "--backend",
        "azure",
        "--origin",
        "http://localhost:8000",
        "--origin",
        "HTTPS://App.Example/",
    )

    assert "CORS rules set on 'azure' for http://localhost:8000, https://app.example:" in output
    printed = json.loads(output.split(":\n", 1)[1])
    assert any("http://localhost:8000" in json.dumps(rule) for rule in printed)
    stored = [rule.allowed_origins for rule in cors_rules(azurite)]
    assert "http://localhost:8000,https://app.example" in stored


def test_origins_default_to_the_setting(azure_container, azurite, settings):
    settings.S3_FILE_UPLOADS = {"CORS_ORIGINS": ["https://from-settings.example"]}
    run()
    stored = [r.allowed_origins.split(",") for r in cors_rules(azurite)]
    assert any("https://from-settings.example" in origins for origins in stored)


@pytest.mark.parametrize(
    "origin", ["localhost:8000", "https://app.example/upload", "ftp://app.example", "https://"]
)
def test_what_is_not_an_origin_is_refused(azure_container, origin):
    with pytest.raises(CommandError, match="is not an origin"):
        run("--origin", origin)


def test_no_origin_at_all_is_refused(azure_container):
    with pytest.raises(CommandError, match="Name the origins"):
        run()
