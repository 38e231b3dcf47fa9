"""One version for the core and its three backend distributions, and pins between them.

The version lives in one place, ``__version__`` in ``s3_file_uploads/__init__.py``. Each of the
four ``pyproject.toml`` files lists ``version`` (and the requirements that name a sibling
distribution) as dynamic and points its ``[tool.hatch.metadata.hooks.custom]`` table here; this
hatchling metadata hook fills them in, replacing ``{version}`` in a requirement with that version.
So a backend always requires the exact core it was built with, and the core's ``s3``, ``gcs``,
``azure`` and ``all`` extras pin the backends built beside it: the four are released together.

Builds from the repository (``make dist``, ``pip install ./backends/s3``) find this file; a
backend's sdist on its own would not, so releases are built from the repository.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from hatchling.metadata.plugin.interface import MetadataHookInterface

VERSION_FILE = Path(__file__).resolve().parent / "s3_file_uploads" / "__init__.py"
_VERSION = re.compile(r'^__version__ = "([^"]+)"$', re.MULTILINE)


def project_version() -> str:
    """The version every distribution of this repository is built with."""
    match = _VERSION.search(VERSION_FILE.read_text(encoding="utf-8"))
    if match is None:
        raise ValueError(f'{VERSION_FILE} must hold a line __version__ = "X.Y.Z"')
    return match.group(1)


def _pinned(requirements: list[str], version: str) -> list[str]:
    return [requirement.replace("{version}", version) for requirement in requirements]


class PinnedVersionHook(MetadataHookInterface):
    """Sets the version, and the requirements given in the hook's table with ``{version}``."""

    def update(self, metadata: dict[str, Any]) -> None:
        version = project_version()
        metadata["version"] = version
        if "dependencies" in self.config:
            metadata["dependencies"] = _pinned(self.config["dependencies"], version)
        if "optional-dependencies" in self.config:
            metadata["optional-dependencies"] = {
                extra: _pinned(requirements, version)
                for extra, requirements in self.config["optional-dependencies"].items()
            }
