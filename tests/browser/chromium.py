"""How the browser tests and the benchmarks launch Debian's Chromium through Playwright."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
#: Every host name but the loopback ones fails to resolve: a page reaches nothing outside.
LOOPBACK_ONLY = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost"


def launch_options(home: Path) -> dict[str, Any]:
    """Playwright's launch options: Debian's Chromium, loopback only, its profile under ``home``."""
    return {
        "executable_path": CHROMIUM,
        "args": [LOOPBACK_ONLY],
        "env": {
            **os.environ,
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_CACHE_HOME": str(home / "cache"),
        },
    }
