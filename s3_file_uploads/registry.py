"""Backend classes by name, and backend instances by configuration name, built once and reused.

An instance holds its SDK client, so building one per request would pay client construction
(tens of milliseconds on boto3) on every request; here it is paid once per process.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from . import __version__
from .conf import BackendConfig, backend_configs, default_backend_name
from .contract import StorageBackend
from .errors import BackendConfigurationError
from .plugins import get_plugins, reset_plugin_manager

logger = logging.getLogger(__name__)

#: The distribution of each backend this project publishes, for the hint of a missing one. They
#: are released with the core at one version, so the hint pins that version: an unpinned extra
#: could resolve to an older core from the package index and downgrade this one.
KNOWN_DISTRIBUTIONS = {
    "s3": "django-s3-file-upload-s3",
    "gcs": "django-s3-file-upload-gcs",
    "azure": "django-s3-file-upload-azure",
}

_lock = threading.Lock()
_instances: dict[str, StorageBackend] = {}


def backend_classes() -> dict[str, type[StorageBackend]]:
    """Every backend class the installed plugins provide, by backend name.

    Read from :func:`~s3_file_uploads.plugins.get_plugins`, which asks each plugin once per
    plugin manager; a name two plugins claim goes to the one registered last (and is a system
    check error).
    """
    classes: dict[str, type[StorageBackend]] = {}
    for plugin in get_plugins():
        classes.update(plugin.backends)
    return classes


def duplicate_backend_names() -> dict[str, list[str]]:
    """Backend names that more than one plugin provides, with the plugins providing them."""
    providers: dict[str, list[str]] = {}
    for plugin in get_plugins():
        for name in plugin.backends:
            providers.setdefault(name, []).append(plugin.name)
    return {name: plugins for name, plugins in providers.items() if len(plugins) > 1}


def get_backend(name: str | None = None) -> StorageBackend:
    """The shared instance of the named configuration (the default one when ``name`` is None)."""
    name = name or default_backend_name()
    backend = _instances.get(name)
    if backend is None:
        with _lock:
            backend = _instances.get(name)
            if backend is None:
                backend = _instances[name] = build_backend(_config(name))
    return backend


def build_backend(config: BackendConfig) -> StorageBackend:
    """A new instance for one configuration; raises BackendConfigurationError with a hint."""
    classes = backend_classes()
    cls = classes.get(config.backend)
    if cls is None:
        raise BackendConfigurationError(
            f"No storage backend named '{config.backend}' is installed "
            f"(configuration '{config.name}'). Installed: {', '.join(sorted(classes)) or 'none'}.",
            hint=_install_hint(config.backend),
            backend=config.name,
        )
    options = {**cls.settings_defaults(settings), **config.options}
    try:
        backend = cls(name=config.name, **options)
    except TypeError as exc:
        raise BackendConfigurationError(
            f"Backend configuration '{config.name}' has options the '{config.backend}' "
            f"backend does not take: {exc}",
            hint=f"Check S3_FILE_UPLOADS['BACKENDS']['{config.name}']['OPTIONS'].",
            backend=config.name,
        ) from exc
    except BackendConfigurationError as error:
        error.backend = error.backend or config.name
        raise
    logger.info("Built storage backend %s: %s", config.name, backend.describe())
    return backend


def reset_backends() -> None:
    """Drop every built instance, so the next request builds them from the current settings."""
    with _lock:
        _instances.clear()


def _config(name: str) -> BackendConfig:
    configs = backend_configs()
    try:
        return configs[name]
    except KeyError:
        raise BackendConfigurationError(
            f"No backend configuration named '{name}'. Configured: {', '.join(sorted(configs))}.",
            hint="Add it to S3_FILE_UPLOADS['BACKENDS'].",
            backend=name,
        ) from None


def _install_hint(backend: str) -> str:
    distribution = KNOWN_DISTRIBUTIONS.get(backend)
    if distribution:
        return (
            f'Install it at this core\'s version: pip install "{distribution}=={__version__}" '
            f"(or, from a clone of the project: pip install ./backends/{backend})."
        )
    return (
        f"Install the package that provides the '{backend}' backend, or correct "
        "STORAGE_BACKEND / S3_FILE_UPLOADS['BACKENDS']."
    )


@receiver(setting_changed)
def _forget_on_settings_change(*, setting: str, **kwargs: object) -> None:
    if setting == "S3_FILE_UPLOADS":
        reset_plugin_manager()
    if setting in {"S3_FILE_UPLOADS", "STORAGE_BACKEND"} or setting.startswith(
        ("AWS_", "GS_", "AZURE_")
    ):
        reset_backends()
