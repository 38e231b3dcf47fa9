"""The plugin manager: built-in plugins, entry points and project modules in one registry."""

from __future__ import annotations

import importlib
import threading

import pluggy

from . import hookspecs
from .conf import app_setting

ENTRY_POINT_GROUP = "s3_file_uploads"
BUILTIN_PLUGINS: tuple[str, ...] = (
    "s3_file_uploads.local.plugin",
    "s3_file_uploads.memory.plugin",
)

_lock = threading.Lock()
_manager: pluggy.PluginManager | None = None


def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide manager, built on first use (normally by the AppConfig at start-up)."""
    global _manager
    if _manager is None:
        with _lock:
            if _manager is None:
                _manager = _build_manager()
    return _manager


def hook() -> pluggy.HookRelay:
    return get_plugin_manager().hook


def reset_plugin_manager() -> None:
    """Forget the manager so the next use rebuilds it (tests that change ``PLUGINS``)."""
    global _manager
    with _lock:
        _manager = None


def _build_manager() -> pluggy.PluginManager:
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    for dotted in (*BUILTIN_PLUGINS, *app_setting("PLUGINS")):
        manager.register(importlib.import_module(dotted), name=dotted)
    manager.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    manager.check_pending()
    return manager
