"""``make dist``: four wheels at the version of ``s3_file_uploads.__version__``, pinned together.

Runs scripts/dist.py (what ``make dist`` runs) into a temporary folder, reads the wheels'
metadata, and installs them into a fresh virtualenv without a package index, to see the
backends register under the core's entry-point group.
"""

from __future__ import annotations

import email.parser
import importlib.util
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import s3_file_uploads
from tests.servers import REPO

VERSION = s3_file_uploads.__version__
BACKENDS = ("s3", "gcs", "azure")
DISTRIBUTIONS = ["django-s3-file-upload", *(f"django-s3-file-upload-{b}" for b in BACKENDS)]

pytestmark = pytest.mark.skipif(shutil.which("uv") is None, reason="make dist needs uv")


def load_dist_script():
    spec = importlib.util.spec_from_file_location("dist_script", REPO / "scripts" / "dist.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def metadata(wheel: Path):
    with zipfile.ZipFile(wheel) as archive:
        [name] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return email.parser.Parser().parsestr(archive.read(name).decode())


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    built = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "dist.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    return out


def wheel_of(dist: Path, distribution: str) -> Path:
    [wheel] = dist.glob(distribution.replace("-", "_") + "-*.whl")
    return wheel


def test_make_dist_builds_four_wheels_at_the_packages_own_version(dist):
    names = sorted(p.name for p in dist.glob("*.whl"))
    assert names == sorted(
        f"{d.replace('-', '_')}-{VERSION}-py3-none-any.whl" for d in DISTRIBUTIONS
    )
    for distribution in DISTRIBUTIONS:
        assert metadata(wheel_of(dist, distribution))["Version"] == VERSION


def test_the_cores_extras_pin_each_backend_at_exactly_that_version(dist):
    requires = metadata(wheel_of(dist, "django-s3-file-upload")).get_all("Requires-Dist")
    for backend in BACKENDS:
        pin = f"django-s3-file-upload-{backend}=={VERSION}"
        assert f"{pin}; extra == '{backend}'" in requires
        assert f"{pin}; extra == 'all'" in requires


def test_each_backend_requires_exactly_the_core_it_was_built_with(dist):
    for backend in BACKENDS:
        requires = metadata(wheel_of(dist, f"django-s3-file-upload-{backend}")).get_all(
            "Requires-Dist"
        )
        assert f"django-s3-file-upload=={VERSION}" in requires


def test_the_wheels_install_without_an_index_and_register_their_backends(dist, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run(["uv", "venv", "--quiet", "-p", sys.executable, str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        ["uv", "pip", "install", "--quiet", "-p", str(python), "--no-index", "--no-deps",
         *map(str, dist.glob("*.whl"))],
        check=True,
    )  # fmt: skip
    listed = subprocess.run(
        [str(python), "-c",
         "import json; from importlib.metadata import entry_points, version;"
         "print(json.dumps({'core': version('django-s3-file-upload'),"
         " 'backends': {e.name: e.value for e in entry_points(group='s3_file_uploads')}}))"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert json.loads(listed.stdout) == {
        "core": VERSION,
        "backends": {b: f"s3_file_uploads_{b}.plugin" for b in BACKENDS},
    }


def test_wheels_at_different_versions_are_refused(dist, tmp_path):
    script = load_dist_script()
    wheels = {d: wheel_of(dist, d) for d in DISTRIBUTIONS}
    assert script.pin_problems(wheels) == []

    # A backend wheel whose METADATA says another version.
    original = wheels["django-s3-file-upload-gcs"]
    stale = tmp_path / original.name
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(stale, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.endswith(".dist-info/METADATA"):
                data = data.replace(f"Version: {VERSION}".encode(), b"Version: 0.9.0")
            target.writestr(item, data)
    problems = script.pin_problems({**wheels, "django-s3-file-upload-gcs": stale})
    assert problems == [f"django-s3-file-upload-gcs is 0.9.0, the core {VERSION}"]
