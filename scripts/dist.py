"""Build the core's wheel and the three backends' wheels, at one version, into dist/.

    python3 scripts/dist.py                      # what `make dist` runs
    python3 scripts/dist.py --with-dependencies  # `make wheelhouse`: every dependency too

Every wheel is checked after the build: one version for all four, the core's ``s3``, ``gcs``,
``azure`` and ``all`` extras pinned to exactly that version of each backend, and each backend
requiring exactly that core. With ``--with-dependencies`` pip also downloads the wheels of every
dependency (for this machine's Python and platform), so that ``pip install --no-index`` installs
from the folder alone, without a network.

Needs only the standard library and uv (``python3 -m pip install uv``).
"""

from __future__ import annotations

import argparse
import email.parser
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORE = "django-s3-file-upload"
#: Each backend's distribution, by the extra of the core that installs it.
BACKENDS = {
    "s3": "django-s3-file-upload-s3",
    "gcs": "django-s3-file-upload-gcs",
    "azure": "django-s3-file-upload-azure",
}
PROJECTS = {CORE: REPO, **{BACKENDS[name]: REPO / "backends" / name for name in BACKENDS}}


def wheel_prefix(distribution: str) -> str:
    """The start of a wheel's file name for a distribution: ``django_s3_file_upload-``."""
    return re.sub(r"[-_.]+", "_", distribution) + "-"


def build(out: Path) -> dict[str, Path]:
    """Builds the four wheels into ``out`` (replacing older ones of ours); their paths by name."""
    uv = shutil.which("uv")
    if uv is None:
        raise SystemExit("make dist needs uv: python3 -m pip install uv")
    out.mkdir(parents=True, exist_ok=True)
    wheels = {}
    for number, (distribution, project) in enumerate(PROJECTS.items(), 1):
        for old in out.glob(wheel_prefix(distribution) + "*.whl"):
            old.unlink()
        print(f"[{number}/{len(PROJECTS)}] {distribution} from {project.relative_to(REPO) or '.'}")
        subprocess.run(
            [uv, "build", "--wheel", "--quiet", "--out-dir", str(out), str(project)], check=True
        )
        [wheels[distribution]] = out.glob(wheel_prefix(distribution) + "*.whl")
    return wheels


def metadata(wheel: Path) -> email.message.Message:
    """The core metadata (the METADATA file) of a wheel."""
    with zipfile.ZipFile(wheel) as archive:
        [name] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return email.parser.Parser().parsestr(archive.read(name).decode())


def pin_problems(wheels: dict[str, Path]) -> list[str]:
    """What is wrong with the versions and pins of the four wheels; empty when all is well."""
    versions = {name: metadata(wheel)["Version"] for name, wheel in wheels.items()}
    version = versions[CORE]
    problems = [
        f"{name} is {v}, the core {version}" for name, v in versions.items() if v != version
    ]
    core_requires = metadata(wheels[CORE]).get_all("Requires-Dist") or []
    for extra, distribution in BACKENDS.items():
        for wanted_extra in (extra, "all"):
            pin = f"{distribution}=={version}; extra == '{wanted_extra}'"
            if pin not in core_requires:
                problems.append(f"the core's [{wanted_extra}] extra does not pin {pin}")
        backend_requires = metadata(wheels[distribution]).get_all("Requires-Dist") or []
        if f"{CORE}=={version}" not in backend_requires:
            problems.append(f"{distribution} does not require {CORE}=={version}")
    return problems


def download_dependencies(out: Path, version: str) -> None:
    """Every dependency's wheel next to ours, for ``pip install --no-index --find-links``."""
    print("[deps] the wheels of every dependency, for this Python and platform")
    subprocess.run(
        [
            sys.executable, "-m", "pip", "download", "--only-binary", ":all:",
            "--dest", str(out), "--find-links", str(out),
            f"{CORE}[all,openapi]=={version}",
        ],
        check=True,
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=REPO / "dist", help="default: dist/")
    parser.add_argument(
        "--with-dependencies",
        action="store_true",
        help="also download every dependency's wheel, for an install without a network",
    )
    args = parser.parse_args(argv)
    out = args.out.resolve()
    wheels = build(out)
    problems = pin_problems(wheels)
    if problems:
        print("The wheels do not match:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    version = metadata(wheels[CORE])["Version"]
    if args.with_dependencies:
        download_dependencies(out, version)
    print(f"\n{len(wheels)} wheels at {version} in {out}:")
    for wheel in wheels.values():
        print(f"  {wheel.name}")
    index = "--no-index " if args.with_dependencies else ""
    print(
        f"\nInstall (here or on another machine, with {out.name}/ copied there):\n"
        f'  pip install {index}--find-links {out.name} "{CORE}[s3]>={version}"'
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
