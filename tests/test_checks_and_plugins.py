"""Start-up checks and the plugin registry: misconfiguration is reported with its fix."""

from __future__ import annotations

import pytest
from django.core import checks

from s3_file_uploads.contract import StorageBackend
from s3_file_uploads.hookspecs import hookimpl
from s3_file_uploads.registry import backend_classes

from .plugin_modules import plugin_module


def run() -> list[checks.CheckMessage]:
    return checks.run_checks(tags=["s3_file_uploads"])


def test_default_settings_pass(s3_bucket):
    assert run() == []


def test_unknown_backend_lists_installed_ones_and_how_to_install(settings):
    settings.STORAGE_BACKEND = "dropbox"
    [error] = run()
    assert error.id == "s3_file_uploads.W005"
    assert "No storage backend named 'dropbox'" in error.msg
    assert "s3" in error.msg


def test_uninstalled_third_party_backend_says_what_to_install(settings):
    settings.STORAGE_BACKEND = "x"
    settings.S3_FILE_UPLOADS = {"BACKENDS": {"x": {"BACKEND": "s3x"}}}
    [error] = run()
    assert "Install the package that provides the 's3x' backend" in error.hint


@pytest.mark.parametrize("limit", [None, 0, -5, "10MB", True])
def test_size_limit_must_be_a_positive_integer(settings, s3_bucket, limit):
    settings.MAX_FILE_UPLOAD_SIZE = limit
    assert [e.id for e in run()] == ["s3_file_uploads.E001"]


def test_unknown_acl_in_allow_list(settings, s3_bucket):
    settings.S3_FILE_UPLOADS = {"ALLOWED_ACLS": ["private", "everyone"]}
    [error] = run()
    assert error.id == "s3_file_uploads.E004"
    assert "everyone" in error.msg


def test_wrong_option_names_are_reported(settings, s3_bucket):
    settings.S3_FILE_UPLOADS = {"BACKENDS": {"s3": {"BACKEND": "s3", "OPTIONS": {"buckit": "b"}}}}
    [error] = run()
    assert error.id == "s3_file_uploads.W006"
    assert "buckit" in error.msg


class MemoBackend(StorageBackend):
    def sign_upload(self, upload):
        raise AssertionError("not used")

    def presign_download(self, **kwargs):
        raise AssertionError("not used")

    def stat(self, key):
        raise AssertionError("not used")

    def delete(self, key):
        raise AssertionError("not used")


@pytest.fixture
def project_plugin(settings):
    @hookimpl
    def s3_file_uploads_backends():
        return {"memo": MemoBackend}

    with plugin_module("project_upload_plugin", s3_file_uploads_backends) as name:
        settings.S3_FILE_UPLOADS = {"PLUGINS": [name]}
        yield name


def test_project_plugin_modules_register_backends(project_plugin):
    assert backend_classes()["memo"] is MemoBackend


def test_hook_implementation_matching_no_spec_is_refused(settings):
    from pluggy import PluginValidationError

    from s3_file_uploads.plugins import get_plugin_manager

    @hookimpl
    def s3_file_uploads_upload_complete(upload):  # the spec is ..._completed
        return None

    try:
        with plugin_module("typo_plugin", s3_file_uploads_upload_complete) as name:
            settings.S3_FILE_UPLOADS = {"PLUGINS": [name]}
            with pytest.raises(PluginValidationError, match="upload_complete"):
                get_plugin_manager()
    finally:
        settings.S3_FILE_UPLOADS = {}


def test_two_plugins_with_one_backend_name_fail_the_checks(settings, s3_bucket):
    @hookimpl
    def s3_file_uploads_backends():
        return {"s3": MemoBackend}

    with plugin_module("second_s3_plugin", s3_file_uploads_backends) as name:
        settings.S3_FILE_UPLOADS = {"PLUGINS": [name]}
        ids = [e.id for e in run()]
        assert "s3_file_uploads.E002" in ids
