"""Hook implementations registered for one test, the way a project registers its plugin module."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def plugin_module(name: str, *hooks: Callable[..., Any]) -> Iterator[str]:
    """Make ``name`` importable, as a module holding ``hooks`` each under its own name, while
    the block runs; yields ``name``, for ``S3_FILE_UPLOADS["PLUGINS"]``."""
    module = types.ModuleType(name)
    for hook in hooks:
        setattr(module, hook.__name__, hook)
    sys.modules[name] = module
    try:
        yield name
    finally:
        del sys.modules[name]
