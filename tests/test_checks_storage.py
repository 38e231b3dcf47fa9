"""Every system check id with its message and hint; storage problems warn in every run (so a CI
step that only migrates or collects static files runs) and are errors under ``check --deploy``."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from s3_file_uploads.hookspecs import hookimpl
from s3_file_uploads.memory import MemoryBackend
from s3_file_uploads.registry import reset_backends

from .plugin_modules import plugin_module

ROOT = Path(__file__).resolve().parent.parent
TAG = "s3_file_uploads"


def run(*, deploy: bool = False) -> list[checks.CheckMessage]:
    return checks.run_checks(tags=[TAG], include_deployment_checks=deploy)


def only(messages: list[checks.CheckMessage]) -> checks.CheckMessage:
    [message] = messages
    return message


def warning_and_deploy_error(**overrides) -> tuple[checks.CheckMessage, checks.CheckMessage]:
    """The one message an ordinary run gives under ``overrides``, and the one error a
    ``--deploy`` run gives."""
    with override_settings(**overrides):
        warning = only(run())
        error = only([m for m in run(deploy=True) if m.level >= checks.ERROR])
    return warning, error


@pytest.fixture(autouse=True)
def fresh_backends():
    """override_settings on flat settings rebuilds backends; start and end each test clean."""
    reset_backends()
    yield
    reset_backends()


@pytest.fixture
def memory_default():
    with override_settings(
        STORAGE_BACKEND="memory", S3_FILE_UPLOADS={"BACKENDS": {"memory": {"BACKEND": "memory"}}}
    ):
        yield


# The project's own settings: errors in every run ------------------------------------------------


@pytest.mark.usefixtures("memory_default")
def test_e001_a_size_limit_that_is_not_a_positive_number_of_bytes():
    with override_settings(MAX_FILE_UPLOAD_SIZE="10MB"):
        error = only(run())

    assert error.id == "s3_file_uploads.E001"
    assert error.level == checks.ERROR
    assert error.msg == "MAX_FILE_UPLOAD_SIZE must be a positive number of bytes, not '10MB'."
    assert error.hint == "Set MAX_FILE_UPLOAD_SIZE = 10 * 1024 * 1024 in your settings, for 10 MiB."


def test_e004_an_acl_the_package_does_not_know():
    with override_settings(
        STORAGE_BACKEND="memory",
        S3_FILE_UPLOADS={
            "BACKENDS": {"memory": {"BACKEND": "memory"}},
            "ALLOWED_ACLS": ["private", "world"],
        },
    ):
        error = only(run())

    assert error.id == "s3_file_uploads.E004"
    assert error.msg == "S3_FILE_UPLOADS['ALLOWED_ACLS'] names unknown ACLs: world."
    assert error.hint == (
        "Choose from: private, public-read, public-read-write, authenticated-read."
    )


@pytest.fixture
def second_memory_plugin():
    @hookimpl
    def s3_file_uploads_backends():
        return {"memory": MemoryBackend}

    with plugin_module("second_memory_plugin", s3_file_uploads_backends) as name:
        yield name


def test_e002_two_plugins_providing_one_backend_name(second_memory_plugin):
    with override_settings(S3_FILE_UPLOADS={"PLUGINS": [second_memory_plugin]}):
        [error] = [m for m in run() if m.id == "s3_file_uploads.E002"]

    assert error.level == checks.ERROR
    assert error.msg == (
        "The backend name 'memory' is provided by several plugins: "
        "s3_file_uploads.memory.plugin, second_memory_plugin."
    )
    assert error.hint == "Uninstall one of them, or block one with the plugin manager."


# Storage: a warning in every run, an error under --deploy ----------------------------------------


def test_w007_no_bucket_warns_and_e007_fails_the_deployment_check():
    warning, error = warning_and_deploy_error(STORAGE_BACKEND="s3", AWS_BUCKET_NAME=None)

    assert warning.id == "s3_file_uploads.W007"
    assert warning.level == checks.WARNING
    assert warning.msg == "The S3 backend configuration 's3' has no bucket."
    assert "Set AWS_BUCKET_NAME (or AWS_STORAGE_BUCKET_NAME)" in warning.hint
    assert error.id == "s3_file_uploads.E007"
    assert (error.msg, error.hint) == (warning.msg, warning.hint)


def test_w005_a_backend_no_installed_package_provides():
    warning, error = warning_and_deploy_error(
        STORAGE_BACKEND="files", S3_FILE_UPLOADS={"BACKENDS": {"files": {"BACKEND": "dropbox"}}}
    )

    assert warning.id == "s3_file_uploads.W005"
    assert warning.msg.startswith(
        "No storage backend named 'dropbox' is installed (configuration 'files'). Installed: "
    )
    assert "memory" in warning.msg
    assert warning.hint.startswith("Install the package that provides the 'dropbox' backend")
    assert error.id == "s3_file_uploads.E005"


def test_w006_options_the_backend_does_not_take():
    warning, error = warning_and_deploy_error(
        STORAGE_BACKEND="memory",
        S3_FILE_UPLOADS={"BACKENDS": {"memory": {"BACKEND": "memory", "OPTIONS": {"bucket": "x"}}}},
    )

    assert warning.id == "s3_file_uploads.W006"
    assert warning.msg.startswith(
        "Backend configuration 'memory' has options the 'memory' backend does not take: "
    )
    assert "'bucket'" in warning.msg
    assert warning.hint == "Check S3_FILE_UPLOADS['BACKENDS']['memory']['OPTIONS']."
    assert error.id == "s3_file_uploads.E006"


def test_each_broken_configuration_is_reported_once_by_its_own_id():
    with override_settings(
        STORAGE_BACKEND="memory",
        AWS_BUCKET_NAME=None,
        S3_FILE_UPLOADS={
            "BACKENDS": {
                "memory": {"BACKEND": "memory"},
                "legacy": {"BACKEND": "s3"},
                "archive": {"BACKEND": "dropbox"},
            }
        },
    ):
        ids = sorted(m.id for m in run())

    assert ids == ["s3_file_uploads.W005", "s3_file_uploads.W007"]


@pytest.mark.usefixtures("memory_default")
def test_w008_the_memory_backend_in_a_deployment():
    assert run() == []

    warning = only(run(deploy=True))

    assert warning.id == "s3_file_uploads.W008"
    assert warning.level == checks.WARNING
    assert warning.msg == (
        "The backend configuration 'memory' keeps files in memory: they vanish when the "
        "process ends, and each process has its own."
    )
    assert warning.hint == ("The memory backend is for tests; deploy with s3, gcs, azure or local.")


def test_manage_py_check_passes_without_storage_settings_and_check_deploy_fails():
    shown = io.StringIO()
    with override_settings(STORAGE_BACKEND="s3", AWS_BUCKET_NAME=None):
        call_command("check", "--tag", TAG, stdout=io.StringIO(), stderr=shown)
        with pytest.raises(SystemCheckError, match=r"s3_file_uploads\.E007"):
            call_command("check", "--deploy", "--tag", TAG)

    assert "(s3_file_uploads.W007) The S3 backend configuration 's3' has no bucket." in (
        shown.getvalue()
    )


# The local backend's own checks -----------------------------------------------------------------

#: A URL configuration without the app's URLs (this module is its own ROOT_URLCONF below).
urlpatterns: list = []


def local_default(location: Path):
    return override_settings(
        STORAGE_BACKEND="disk",
        S3_FILE_UPLOADS={
            "BACKENDS": {"disk": {"BACKEND": "local", "OPTIONS": {"location": str(location)}}}
        },
    )


def test_local_e001_a_storage_location_this_process_cannot_write(tmp_path):
    not_a_folder = tmp_path / "store"
    not_a_folder.write_text("a file where the folder should be")

    with local_default(not_a_folder):
        error = only(run())

    assert error.id == "s3_file_uploads.local.E001"
    assert error.msg == f"The local backend 'disk' cannot write to {not_a_folder}."
    assert error.hint == ("Point 'location' (or MEDIA_ROOT) at a directory this process can write.")


def test_local_e002_the_local_views_are_not_in_the_url_configuration(tmp_path):
    with local_default(tmp_path), override_settings(ROOT_URLCONF=__name__):
        error = only(run())

    assert error.id == "s3_file_uploads.local.E002"
    assert error.msg == (
        "The local backend 'disk' needs its upload and download views, but their URLs are "
        "not installed."
    )
    assert error.hint.startswith(
        'Include the app\'s URLs: path("...", include("s3_file_uploads.urls"))'
    )


# A CI build step, as its own process: no storage settings at all --------------------------------

BUILD_SETTINGS = """
SECRET_KEY = "build-step"
INSTALLED_APPS = [
    "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.staticfiles",
    "rest_framework", "s3_file_uploads",
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": DB}}
STATIC_URL = "/static/"
STATIC_ROOT = STATIC
MAX_FILE_UPLOAD_SIZE = 10 * 1024 * 1024
ROOT_URLCONF = "build_urls"
USE_TZ = True
"""


@pytest.fixture
def build_step(tmp_path):
    (tmp_path / "build_settings.py").write_text(
        f"DB = {str(tmp_path / 'db.sqlite3')!r}\nSTATIC = {str(tmp_path / 'static')!r}\n"
        + textwrap.dedent(BUILD_SETTINGS)
    )
    (tmp_path / "build_urls.py").write_text(
        "from django.urls import include, path\n"
        'urlpatterns = [path("uploads/", include("s3_file_uploads.urls"))]\n'
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DJANGO_"))},
        "DJANGO_SETTINGS_MODULE": "build_settings",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
    }

    def manage(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "django", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return manage


def test_a_ci_build_with_no_storage_settings_migrates_collects_static_and_fails_deploy(
    build_step,
):
    migrated = build_step("migrate", "--no-input")
    collected = build_step("collectstatic", "--no-input")
    deploy = build_step("check", "--deploy", "--tag", TAG)

    assert migrated.returncode == 0, migrated.stderr
    assert "s3_file_uploads.W007" in migrated.stderr
    assert "Applying s3_file_uploads.0001_initial" in migrated.stdout
    assert collected.returncode == 0, collected.stderr
    assert "static files copied" in collected.stdout
    assert deploy.returncode == 1
    assert "s3_file_uploads.E007" in deploy.stderr
    assert "Set AWS_BUCKET_NAME" in deploy.stderr
