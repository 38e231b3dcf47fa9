"""Run every variant side by side, in one run, and print a Markdown table with ratios.

    .venv/bin/python benchmarks/run.py            # 2,000 requests a variant
    .venv/bin/python benchmarks/run.py --quick    # a few seconds: the test command runs this

Each variant runs in its own process; ours and the floor in this virtualenv, the original
0.1.0 in ``.tools/seed-venv`` (made by scripts/setup.sh), all on the same Django and DRF.
Raw figures and the machine's description go to ``benchmarks/results/inprocess.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SEED_PYTHON = REPO / ".tools" / "seed-venv" / "bin" / "python"
VARIANTS = [
    ("sign", sys.executable),
    ("floor", sys.executable),
    ("ours", sys.executable),
    ("seed", str(SEED_PYTHON)),
]


def run(variant: str, python: str, iterations: int, warmup: int) -> dict:
    done = subprocess.run(
        [
            python,
            str(HERE / "inprocess.py"),
            variant,
            f"--iterations={iterations}",
            f"--warmup={warmup}",
        ],
        cwd=HERE,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONSAFEPATH": "1"},
    )
    if done.returncode:
        raise SystemExit(f"{variant} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, {platform.system()}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="a few hundred requests a variant")
    args = parser.parse_args()
    iterations, warmup = (300, 30) if args.quick else (2000, 100)

    results = {name: run(name, python, iterations, warmup) for name, python in VARIANTS}
    ours, seed, floor = results["ours"], results["seed"], results["floor"]
    print(f"In-process create request, SQLite in memory, {iterations} requests a variant")
    print(f"Machine: {machine()}\n")
    print("| variant | median ms | p99 ms |")
    print("|---|---:|---:|")
    labels = {
        "sign": "raw boto3 POST-policy signature",
        "floor": "floor: bare DRF view, one INSERT + raw signature",
        "ours": "this project, POST / (S3 backend)",
        "seed": "django-s3-file-upload 0.1.0, POST /",
    }
    for name, figures in results.items():
        print(f"| {labels[name]} | {figures['median_ms']:.3f} | {figures['p99_ms']:.3f} |")
    print()
    print(f"- this project / floor: {ours['median_ms'] / floor['median_ms']:.2f}x (median)")
    print(f"- 0.1.0 / this project: {seed['median_ms'] / ours['median_ms']:.1f}x faster (median)")
    out = HERE / "results" / "inprocess.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"machine": machine(), "results": results}, indent=2))


if __name__ == "__main__":
    main()
