"""The browser client's ES modules after ``collectstatic`` with ``ManifestStaticFilesStorage``.

``upload.js`` loads its modules from ``upload/`` by relative paths. ``collectstatic`` runs in a
subprocess with the app installed as a project would have it; Node then loads the collected
entry point, so a path that does not resolve fails the test as it would fail a browser.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import REPO

SOURCE = REPO / "s3_file_uploads" / "static" / "s3_file_uploads"
STORAGE = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"

COLLECT = """
import sys
import django
from django.conf import settings
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from django.core.management import call_command


class ModuleManifestStorage(ManifestStaticFilesStorage):
    support_js_module_import_aggregation = True


settings.configure(
    INSTALLED_APPS=[
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.staticfiles",
        "s3_file_uploads",
    ],
    STATIC_URL="/static/",
    STATIC_ROOT=sys.argv[1],
    STORAGES={"staticfiles": {"BACKEND": sys.argv[2]}},
)
django.setup()
call_command("collectstatic", interactive=False, verbosity=0)
"""

SPECIFIER = re.compile(r"""^\s*(?:import|export)\b[^"']*?\bfrom\s*"(\.[^"]+)";""", re.MULTILINE)


def collect(root: Path, backend: str) -> dict[str, str]:
    """Runs collectstatic into ``root``; the manifest's map of source names to hashed names."""
    subprocess.run(
        [sys.executable, "-c", COLLECT, str(root), backend],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return json.loads((root / "staticfiles.json").read_text())["paths"]


def client_modules() -> list[str]:
    """Every module of the client, as a static name ("s3_file_uploads/upload/errors.js")."""
    return sorted(
        str(path.relative_to(SOURCE.parent)) for path in SOURCE.rglob("*.js") if path.is_file()
    )


def relative_imports(path: Path) -> list[Path]:
    """The files a collected module loads by relative path, resolved beside it."""
    return [(path.parent / spec).resolve() for spec in SPECIFIER.findall(path.read_text())]


def exported_names(entry: Path) -> list[str]:
    """The names Node finds exported by a module, which loads every module it reaches."""
    script = (
        "const m = await import(process.argv[1]);"
        " console.log(JSON.stringify(Object.keys(m).sort()));"
    )
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script, entry.as_uri()],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return json.loads(done.stdout)


needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="loads the modules in Node")


@needs_node
def test_with_import_aggregation_every_module_loads_the_others_by_their_hashed_names(tmp_path):
    manifest = collect(tmp_path, "__main__.ModuleManifestStorage")
    hashed = {tmp_path / name for name in manifest.values()}

    assert set(client_modules()) <= set(manifest)
    for name in client_modules():
        module = tmp_path / manifest[name]
        for target in relative_imports(module):
            assert target in hashed, f"{manifest[name]} loads {target.name}, not a hashed file"
    entry = tmp_path / manifest["s3_file_uploads/upload.js"]
    assert exported_names(entry) == exported_names(SOURCE / "upload.js")
    assert "uploadFile" in exported_names(entry)


@needs_node
def test_plain_manifest_storage_serves_the_modules_under_their_own_names(tmp_path):
    manifest = collect(tmp_path, STORAGE)
    entry = tmp_path / manifest["s3_file_uploads/upload.js"]

    targets = relative_imports(entry)
    assert targets, "the collected entry point loads no module"
    originals = {(tmp_path / name).resolve() for name in client_modules()}
    assert all(target.exists() for target in targets)
    assert set(targets) <= originals, "the entry point loads hashed names it was not told"
    assert exported_names(entry) == exported_names(SOURCE / "upload.js")
