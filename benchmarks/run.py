"""Run every benchmark side by side, in one run, and print Markdown tables with ratios.

From the repository's root (the benchmarks are a package, run as modules)::

    .venv/bin/python -m benchmarks.run            # everything, 6 to 9 minutes on 2 cores
    .venv/bin/python -m benchmarks.run --quick    # in-process only, a few hundred requests
    .venv/bin/python -m benchmarks.run --docs     # also update docs/benchmarks.md and its plot

In one run, on the same Django, DRF and database engine (SQLite), against local storage servers
(moto for S3, fake-gcs-server, Azurite; started here with the test suite's helpers):

- in-process (``inprocess.py``): create, complete and fetch of this project on each backend,
  interleaved with the floor's (``floor.py``: a bare DRF view doing the same single INSERT or
  SELECT/UPDATE and the raw SDK call with a client built once), then django-s3-file-upload
  0.1.0 (S3 only; its own virtualenv, ``.tools/seed-venv``, made by scripts/setup.sh); median,
  p99 and database queries per request; and the raw SDK signatures alone (GCS RSA, Azure SAS);
- where a create request's time goes (``breakdown.py``), with a cProfile of it;
- over HTTP (``overhttp.py``): the example project under gunicorn (2 workers) for each variant,
  loaded by wrk at a fixed concurrency: requests per second and worker CPU per request;
- memory: each worker's RSS after every run of requests, over 30,000 requests.

Raw figures and the machine's description (and its load) go to
``benchmarks/results/benchmarks.json``, the tables to ``benchmarks.md``, the plot to
``benchmarks.png`` beside it (quick mode: ``quick.*``); ``--docs`` copies the tables into
docs/benchmarks.md and the plot to docs/img/benchmarks.png.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

from benchmarks import overhttp, report, stores
from benchmarks.common import HERE, REPO, RESULTS, SEED_VENV, child_imports, machine, versions

DOCS_PAGE = REPO / "docs" / "benchmarks.md"
DOCS_PLOT = REPO / "docs" / "img" / "benchmarks.png"
START, END = "<!-- results:start -->", "<!-- results:end -->"
SEED_PYTHON = SEED_VENV / "bin" / "python"


def child(python: Path | str, module: str, *args: str, env: dict[str, str]) -> dict:
    """Run one benchmark module in a virtualenv; its last stdout line is JSON."""
    done = subprocess.run(
        [str(python), "-m", f"benchmarks.{module}", *args],
        cwd=HERE,
        env={**os.environ, **env, **child_imports()},
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"{module} {' '.join(args)} failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="in-process only, a few seconds")
    parser.add_argument("--http", action="store_true", help="in quick mode, add a tiny HTTP run")
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP and memory parts")
    parser.add_argument("--docs", action="store_true", help="update docs/benchmarks.md and plot")
    args = parser.parse_args()
    quick = args.quick
    settings = {
        "iterations": 100 if quick else 2000,
        "max_seconds": 1.0 if quick else 3.0,
        "rounds": 2 if quick else 4,
        "http": {
            "workers": 2,
            "connections": 8,
            "rounds": 1 if quick else 3,
            "seconds": 1 if quick else 2,
            "warmup": 0 if quick else 1,
            "rows": 2000 if quick else 6000,
        },
        "memory": {"requests": 30_000, "burst_seconds": 3},
    }
    http = not args.no_http and (args.http or not quick)
    if not SEED_PYTHON.exists():
        raise SystemExit("0.1.0's virtualenv is missing: run scripts/setup.sh")
    if http and (missing := overhttp.wrk_missing()):
        print(f"Skipping the HTTP part: {missing}", file=sys.stderr)
        http = False

    began = time.monotonic()
    figures: dict = {"machine": machine(), "settings": settings, "quick": quick}
    print(f"Load average at the start: {figures['machine']['load_average']}", file=sys.stderr)
    with ExitStack() as stack:
        bench = stores.start(stack)
        inprocess_args = [
            f"--iterations={settings['iterations']}",
            f"--max-seconds={settings['max_seconds']}",
            f"--rounds={settings['rounds']}",
        ]
        print("In-process: this project and the floor, interleaved", file=sys.stderr)
        main_run = child(sys.executable, "inprocess", "ours,floor", *inprocess_args, env=bench)
        print("In-process: 0.1.0", file=sys.stderr)
        seed_run = child(SEED_PYTHON, "inprocess", "seed", *inprocess_args, env=bench)
        figures["inprocess"] = main_run["results"] + seed_run["results"]
        figures["versions"] = {"ours": main_run["versions"], "seed": seed_run["versions"]}
        if not quick:
            print("Where a create request's time goes", file=sys.stderr)
            figures["breakdown"] = child(sys.executable, "breakdown", env=bench)
        if http:
            h = settings["http"]
            figures["http"] = []
            for backend in ("s3", "local", "gcs", "azure"):
                variants = ["ours", "floor", "seed"] if backend == "s3" else ["ours", "floor"]
                print(f"Over HTTP: {backend}", file=sys.stderr)
                figures["http"] += overhttp.measure_group(
                    backend,
                    variants,
                    bench,
                    rounds=h["rounds"],
                    seconds=h["seconds"],
                    warmup=h["warmup"],
                    rows=h["rows"],
                )
            if not quick:
                m = settings["memory"]
                print(f"Memory: {m['requests']:,} requests", file=sys.stderr)
                figures["memory"] = overhttp.memory_run(
                    "s3", bench, m["requests"], m["burst_seconds"]
                )
    figures["versions"]["ours"]["wrk"] = _wrk_version()
    figures["versions"]["ours"]["gunicorn"] = versions().get("gunicorn", "")
    figures["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    figures["seconds"] = round(time.monotonic() - began, 1)
    figures["targets"] = report.targets(figures)

    text = report.markdown(figures)
    print(text)
    print(f"\n({figures['seconds']:.0f} s)")
    RESULTS.mkdir(exist_ok=True)
    name = "quick" if quick else "benchmarks"
    (RESULTS / f"{name}.json").write_text(json.dumps(figures, indent=1))
    (RESULTS / f"{name}.md").write_text(text + "\n")
    report.plot(figures, RESULTS / f"{name}.png")
    if args.docs:
        update_docs(text, RESULTS / f"{name}.png")


def update_docs(text: str, plot: Path) -> None:
    page = DOCS_PAGE.read_text()
    head, rest = page.split(START, 1)
    _, tail = rest.split(END, 1)
    DOCS_PAGE.write_text(f"{head}{START}\n{text}\n{END}{tail}")
    DOCS_PLOT.parent.mkdir(exist_ok=True)
    shutil.copyfile(plot, DOCS_PLOT)
    print(f"Updated {DOCS_PAGE.relative_to(REPO)} and {DOCS_PLOT.relative_to(REPO)}")


def _wrk_version() -> str:
    try:
        done = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    except OSError:
        return ""
    words = (done.stdout + done.stderr).split()
    return words[1] if len(words) > 1 else ""


if __name__ == "__main__":
    main()
