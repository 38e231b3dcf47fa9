"""The plugin manager: built-in plugins, entry points and project modules in one registry.

:func:`get_plugins` says which plugin provides which backends and implements which hooks, for
people and for the system checks, as ``manage.py s3_file_uploads_plugins`` prints it.
"""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

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


@dataclass(frozen=True)
class PluginInfo:
    """One registered plugin: where it comes from and what it adds."""

    name: str
    #: ``"name version"`` of the installed distribution that declared the entry point, if any.
    distribution: str | None
    hooks: tuple[str, ...]
    #: Backend name to backend class, as this plugin's ``s3_file_uploads_backends`` returned.
    backends: dict[str, Any]


def get_plugins() -> list[PluginInfo]:
    """Every registered plugin, built-in ones included, in registration order."""
    return list(_plugins_of(get_plugin_manager()))


def hook() -> pluggy.HookRelay:
    return get_plugin_manager().hook


def reset_plugin_manager() -> None:
    """Forget the manager so the next use rebuilds it (tests that change ``PLUGINS``)."""
    global _manager
    with _lock:
        _manager = None
        _plugins_of.cache_clear()


def _build_manager() -> pluggy.PluginManager:
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    for dotted in (*BUILTIN_PLUGINS, *app_setting("PLUGINS")):
        manager.register(importlib.import_module(dotted), name=dotted)
    manager.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    manager.check_pending()
    return manager


@lru_cache(maxsize=1)
def _plugins_of(manager: pluggy.PluginManager) -> tuple[PluginInfo, ...]:
    """Each plugin's own answers, through pluggy: the backends hook is called once per plugin
    with every other plugin left out, so a name two plugins claim shows under both."""
    distributions = {
        manager.get_name(plugin): f"{dist.project_name} {dist.version}"
        for plugin, dist in manager.list_plugin_distinfo()
    }
    plugins = manager.get_plugins()
    infos = []
    for name, plugin in manager.list_name_plugin():
        if plugin is None:  # blocked
            continue
        others = [p for p in plugins if p is not plugin]
        answers = manager.subset_hook_caller("s3_file_uploads_backends", others)()
        backends: dict[str, Any] = {}
        for provided in answers:
            backends.update(provided or {})
        hooks = tuple(sorted(caller.name for caller in manager.get_hookcallers(plugin) or []))
        infos.append(PluginInfo(name, distributions.get(name), hooks, backends))
    return tuple(infos)
