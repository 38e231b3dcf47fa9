"""The browser client's multipart upload beside boto3's ``upload_file``, to the same S3 server.

    .venv/bin/python -m benchmarks.multipart_browser                 # 1 GiB, 8 MiB parts, 4 at once
    .venv/bin/python -m benchmarks.multipart_browser --size-mib 256 --runs 3

One run starts a moto server (bucket with CORS), the demo project twice (``runserver``, S3
storage pointed at moto; it only signs, the bytes never pass through it), once as configured by
default (every part signed with the SHA-256 the page computes) and once with the backend's
``part_checksums`` option off, and headless Chromium. Each round uploads the same file four
times, alternately: through each demo page with ``s3_file_uploads/upload.js`` (timed in the
page, from choosing the file to the completed upload), and with boto3's ``upload_file`` (a
``TransferConfig`` with the same part size and concurrency), once as people use it (botocore
sends a CRC32 of every part) and once without part checksums. All include starting and
completing the upload. moto lists no part checksums, so the server reads each checksummed part
back on complete (S3 lists them, and nothing is read back there): the "parts alone" figures
leave that step out.

It prints MB/s (10^6 bytes) of each and their ratio, medians over the rounds, for the whole
upload and for the parts alone (from the start to the last part stored, before the request to
complete, which moto takes seconds to serve for a big object), and how busy the moto server
was: moto serves from one Python process, so at about one core busy it, not the client, sets
the pace.

Not a test: nothing here asserts. Needs /usr/bin/chromium and moto[server] (the dev extra).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from types import SimpleNamespace

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from playwright.sync_api import sync_playwright

from benchmarks.common import REPO
from benchmarks.stores import start_moto
from tests.browser.chromium import launch_options
from tests.servers import ServerProcess, free_port
from tests.servers.moto import REGION, create_browser_bucket

ACCESS_KEY, SECRET_KEY = "bench-key", "bench-secret"
BUCKET = "bench"
MiB = 1024 * 1024
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
#: The page with part checksums (the default), without, and boto3 with and without.
BROWSER, PLAIN_BROWSER = "browser", "browser (no checksums)"
VARIANTS = (BROWSER, PLAIN_BROWSER, "boto3", "boto3 (no checksums)")

TIME_THE_UPLOAD = """
window.__bench = {};
document.addEventListener("change", () => { window.__bench.start = performance.now(); }, true);
document.addEventListener("upload-progress", (event) => {
  if (event.detail.loaded === event.detail.total) window.__bench.parts ??= performance.now();
});
document.addEventListener("upload-done", (event) => {
  window.__bench.end = performance.now();
  window.__bench.id = event.detail.upload.id;
});
document.addEventListener("upload-failed", (event) => {
  window.__bench.error = event.detail.message;
});
"""


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process and its reaped children, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:15]) / CLOCK_TICKS


def make_file(path: Path, size: int) -> Path:
    if path.exists() and path.stat().st_size == size:
        return path
    with path.open("wb") as out:
        left = size
        while left:
            chunk = os.urandom(min(left, 4 * MiB))
            out.write(chunk)
            left -= len(chunk)
    return path


def s3_client(url: str, *, checksums: bool = True):
    """boto3 as people use it (``checksums``: a CRC32 of every part, botocore's default since
    1.36), or sending what the browser sends: parts without checksums."""
    return boto3.client(
        "s3",
        endpoint_url=url,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
        config=Config(
            request_checksum_calculation="when_supported" if checksums else "when_required"
        ),
    )


def browser_round(page, demo_url: str, path: Path) -> tuple[float, float]:
    """Seconds from choosing the file to the completed upload, and to the last part stored,
    timed by the page itself."""
    page.goto(demo_url + "/")
    page.wait_for_selector("#app")
    page.set_input_files("#files", str(path))
    page.wait_for_function(
        "() => window.__bench.end !== undefined || window.__bench.error !== undefined",
        timeout=900_000,
        polling=200,
    )
    timing = page.evaluate("window.__bench")
    if timing.get("error"):
        raise SystemExit(f"the browser upload failed: {timing['error']}")
    uploads = page.request.get(demo_url + "/api/s3-file-uploads/").json()
    row = next(u for u in uploads if u["id"] == timing["id"])
    if row["state"] != "COMPLETED" or row["size"] != path.stat().st_size:
        raise SystemExit(f"the browser upload did not complete: {row}")
    return (timing["end"] - timing["start"]) / 1000, (timing["parts"] - timing["start"]) / 1000


def boto3_round(client, path: Path, part_size: int, concurrency: int) -> tuple[float, float]:
    """Seconds for ``upload_file``, and until it asked to complete (every part stored)."""
    config = TransferConfig(
        multipart_threshold=part_size,
        multipart_chunksize=part_size,
        max_concurrency=concurrency,
        use_threads=True,
    )
    key = f"boto3/{time.time_ns()}/{path.name}"
    marks: list[float] = []
    event = "before-call.s3.CompleteMultipartUpload"
    handler = client.meta.events.register(event, lambda **_: marks.append(time.perf_counter()))
    started = time.perf_counter()
    client.upload_file(str(path), BUCKET, key, Config=config)
    elapsed = time.perf_counter() - started
    client.meta.events.unregister(event, handler)
    size = client.head_object(Bucket=BUCKET, Key=key)["ContentLength"]
    if size != path.stat().st_size:
        raise SystemExit(f"boto3 stored {size} bytes")
    client.delete_object(Bucket=BUCKET, Key=key)
    return elapsed, marks[0] - started


def empty_bucket(client) -> None:
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.multipart_browser", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--part-size-mib", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3, help="rounds of (browser, boto3)")
    parser.add_argument("--file-dir", default=str(REPO / ".tools" / "bench"))
    args = parser.parse_args()
    size, part_size = args.size_mib * MiB, args.part_size_mib * MiB

    file_dir = Path(args.file_dir)
    file_dir.mkdir(parents=True, exist_ok=True)
    print(f"making a {args.size_mib} MiB file in {file_dir} ...", flush=True)
    path = make_file(file_dir / f"bench-{args.size_mib}mib.bin", size)

    with tempfile.TemporaryDirectory(prefix="s3fu-bench-") as temp, ExitStack() as stack:
        work = Path(temp)
        moto = start_moto("bench-multipart-moto")
        stack.callback(moto.stop)
        # The bucket with the CORS rules a browser upload needs, as the tests make it, and the
        # demo's flat AWS_* settings pointing at it.
        flat = SimpleNamespace()
        create_browser_bucket(moto, BUCKET, flat, (ACCESS_KEY, SECRET_KEY))
        client = s3_client(moto.url)
        plain_client = s3_client(moto.url, checksums=False)
        env = {
            "DJANGO_SETTINGS_MODULE": "demo.settings",
            "PYTHONUNBUFFERED": "1",
            "DEMO_DB": str(work / "demo.sqlite3"),
            "DEMO_MEDIA_ROOT": str(work / "media"),
            "DEMO_STORAGE": "s3",
            "DEMO_MAX_FILE_UPLOAD_SIZE": str(size),
            "DEMO_MULTIPART_THRESHOLD": str(part_size),
            "DEMO_MULTIPART_PART_SIZE": str(part_size),
            "DEMO_MULTIPART_CONCURRENCY": str(args.concurrency),
            **{name: value for name, value in vars(flat).items() if name.startswith("AWS_")},
            # boto3's own read timeout: moto takes seconds to complete a big upload.
            "DEMO_BACKEND_OPTIONS": '{"timeout": 60}',
        }
        manage = [sys.executable, str(REPO / "example" / "manage.py")]
        subprocess.run(
            [*manage, "migrate", "--no-input", "-v0"], env={**os.environ, **env}, check=True
        )
        demo_urls = {
            BROWSER: start_demo(stack, manage, env, {}),
            PLAIN_BROWSER: start_demo(stack, manage, env, {"part_checksums": False}),
        }
        playwright = stack.enter_context(sync_playwright())
        browser = playwright.chromium.launch(**launch_options(work / "chromium"))
        page = browser.new_page()
        page.add_init_script(TIME_THE_UPLOAD)
        results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in VARIANTS}
        for round_number in range(1, args.runs + 1):
            for name in VARIANTS:
                busy = cpu_seconds(moto.process.pid)
                if name in demo_urls:
                    seconds, parts = browser_round(page, demo_urls[name], path)
                else:
                    sender = client if name == "boto3" else plain_client
                    seconds, parts = boto3_round(sender, path, part_size, args.concurrency)
                moto_busy = (cpu_seconds(moto.process.pid) - busy) / seconds
                results[name].append((seconds, parts, moto_busy))
                print(
                    f"round {round_number} {name:>20}: {seconds:6.2f} s "
                    f"{size / seconds / 1e6:6.1f} MB/s; parts alone {parts:5.2f} s "
                    f"{size / parts / 1e6:6.1f} MB/s; moto {moto_busy:4.0%} of a core",
                    flush=True,
                )
                empty_bucket(client)
        browser.close()

    print()
    print(
        f"{args.size_mib} MiB in {args.part_size_mib} MiB parts, {args.concurrency} at once, "
        f"{args.runs} round(s), {os.cpu_count()} CPUs; moto server {moto_version()}"
    )
    rates, part_rates = {}, {}
    for name, runs in results.items():
        rates[name] = size / statistics.median(seconds for seconds, _, _ in runs) / 1e6
        part_rates[name] = size / statistics.median(parts for _, parts, _ in runs) / 1e6
        best = size / min(seconds for seconds, _, _ in runs) / 1e6
        moto = statistics.median(busy for _, _, busy in runs)
        print(
            f"  {name:>20}: median {rates[name]:6.1f} MB/s (best {best:6.1f}); parts alone "
            f"{part_rates[name]:6.1f} MB/s; moto busy {moto:.0%} of a core"
        )
    for browser_variant in demo_urls:
        for name in VARIANTS[2:]:
            print(
                f"  ratio {browser_variant} / {name}: "
                f"{rates[browser_variant] / rates[name]:.2f} "
                f"(parts alone: {part_rates[browser_variant] / part_rates[name]:.2f})"
            )


def start_demo(
    stack: ExitStack, manage: list[str], env: dict[str, str], options: dict[str, object]
) -> str:
    """The demo project on a port of its own, its S3 backend given ``options``; its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    backend_options = json.dumps({**json.loads(env["DEMO_BACKEND_OPTIONS"]), **options})
    env = {**env, "DEMO_CORS_ORIGINS": url, "DEMO_BACKEND_OPTIONS": backend_options}
    serve = [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"]
    demo = ServerProcess(f"bench-multipart-demo-{port}", serve, port, env=env)
    stack.callback(demo.stop)
    return url


def moto_version() -> str:
    from importlib.metadata import version

    return version("moto")


if __name__ == "__main__":
    main()
