"""Which plugin provides which backend and hooks, asked once per plugin manager."""

from __future__ import annotations

import json
import sys
import types
from io import StringIO

import pytest
from django.core.management import call_command

from s3_file_uploads import __version__
from s3_file_uploads.hookspecs import hookimpl
from s3_file_uploads.local import LocalBackend
from s3_file_uploads.plugins import get_plugins
from s3_file_uploads.registry import backend_classes, duplicate_backend_names


@pytest.fixture
def counting_plugin(settings):
    """A project plugin that counts how often pluggy asks it for backends."""
    module = types.ModuleType("counting_upload_plugin")
    module.calls = 0

    @hookimpl
    def s3_file_uploads_backends():
        module.calls += 1
        return {"counted": LocalBackend}

    @hookimpl
    def s3_file_uploads_upload_completed(upload):
        return None

    module.s3_file_uploads_backends = s3_file_uploads_backends
    module.s3_file_uploads_upload_completed = s3_file_uploads_upload_completed
    sys.modules[module.__name__] = module
    settings.S3_FILE_UPLOADS = {"PLUGINS": [module.__name__]}
    yield module
    del sys.modules[module.__name__]


def test_each_plugin_names_its_source_hooks_and_backends(counting_plugin):
    plugins = {plugin.name: plugin for plugin in get_plugins()}

    assert plugins["s3_file_uploads.local.plugin"].backends == {"local": LocalBackend}
    assert plugins["s3_file_uploads.local.plugin"].distribution is None
    assert plugins["s3"].distribution == f"django-s3-file-upload-s3 {__version__}"
    project = plugins["counting_upload_plugin"]
    assert project.backends == {"counted": LocalBackend}
    assert project.hooks == ("s3_file_uploads_backends", "s3_file_uploads_upload_completed")


def test_the_backends_hook_runs_once_per_plugin_manager(counting_plugin):
    for _ in range(5):
        assert backend_classes()["counted"] is LocalBackend
        assert duplicate_backend_names() == {}

    assert counting_plugin.calls == 1


def test_a_name_two_plugins_claim_is_listed_under_both(counting_plugin, settings):
    twin = types.ModuleType("twin_upload_plugin")
    twin.s3_file_uploads_backends = hookimpl(lambda: {"counted": LocalBackend})
    sys.modules[twin.__name__] = twin
    settings.S3_FILE_UPLOADS = {"PLUGINS": [counting_plugin.__name__, twin.__name__]}
    try:
        assert duplicate_backend_names() == {
            "counted": ["counting_upload_plugin", "twin_upload_plugin"]
        }
    finally:
        del sys.modules[twin.__name__]


def test_the_command_lists_plugins_as_text_and_json(counting_plugin):
    text, raw = StringIO(), StringIO()
    call_command("s3_file_uploads_plugins", stdout=text)
    call_command("s3_file_uploads_plugins", "--json", stdout=raw)

    assert "counting_upload_plugin  (project or built-in)" in text.getvalue()
    assert "  backend local: s3_file_uploads.local.backend.LocalBackend" in text.getvalue()
    listed = {row["name"]: row for row in json.loads(raw.getvalue())}
    assert listed["counting_upload_plugin"]["hooks"] == [
        "s3_file_uploads_backends",
        "s3_file_uploads_upload_completed",
    ]
