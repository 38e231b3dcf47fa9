"""Time requests in-process with Django's test client; print the figures as JSON.

Run by ``benchmarks.run`` in two processes, each in the virtualenv that has its code:

- ``ours,floor``: this project's create, complete and fetch on each backend (local, S3, GCS,
  Azure) and its backend's ``presign_upload``/``presign_download`` alone, interleaved in rounds
  with the bare views of ``floor.py`` and the raw SDK calls alone (the GCS RSA signature, the
  Azure SAS, ...), so that load from elsewhere on the machine falls on both alike;
- ``seed``: django-s3-file-upload 0.1.0 (its own virtualenv), S3 only.

SQLite in memory; the user is forced (no session lookup). Create and fetch only sign, so they
make no network call; complete asks the backend's local server (moto, fake-gcs-server, Azurite)
over loopback, as the backend would ask the cloud. Each request is timed alone; each kind runs
``--iterations`` times or for ``--max-seconds``, whichever ends first.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable

from benchmarks.common import (
    AWS_ACCESS_KEY,
    AWS_REGION,
    AWS_SECRET_KEY,
    BUCKET,
    CREATE_BODY,
    LIMIT,
    OBJECT_KEY,
    backend_options,
    versions,
)

os.environ.update(
    AWS_ACCESS_KEY_ID=AWS_ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY=AWS_SECRET_KEY,
    AWS_DEFAULT_REGION=AWS_REGION,
)
PREFIX = "/api/s3-file-uploads/"
EXPECTED = {"create": 201, "create_profile": 201, "complete": 200, "fetch": 302}
#: A named profile beside the default one, to show what choosing a profile costs on create.
PROFILE = "bench"
urlpatterns: list = []


def configure(variant: str, backends: list[str]) -> None:
    import django
    from django.conf import settings

    s3 = backend_options("s3") if "s3" in backends else {}
    settings.configure(
        SECRET_KEY="bench",
        DEBUG=False,
        ALLOWED_HOSTS=["*"],
        USE_TZ=True,
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "rest_framework",
            "s3_file_uploads",
        ],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        MAX_FILE_UPLOAD_SIZE=LIMIT,
        # 0.1.0 reads these flat settings (and boto3 the AWS_* environment variables).
        AWS_BUCKET_NAME=BUCKET,
        AWS_S3_ENDPOINT_URL=s3.get("endpoint_url"),
        STORAGE_BACKEND=backends[0],
        S3_FILE_UPLOADS={
            "BACKENDS": {
                name: {"BACKEND": name, "OPTIONS": backend_options(name)} for name in backends
            },
            "PROFILES": {PROFILE: {"MAX_SIZE": LIMIT, "KEY_PREFIX": "bench/"}},
        }
        if variant != "seed"
        else {},
        REST_FRAMEWORK={"DEFAULT_AUTHENTICATION_CLASSES": []},
    )
    django.setup()


class Sampler:
    """Per-request timings of one variant's kind of request, gathered over several rounds."""

    def __init__(self, one: Callable[[], object]) -> None:
        self.one, self.timings = one, []

    def run(self, iterations: int, max_seconds: float) -> None:
        deadline = time.perf_counter() + max_seconds
        for done in range(iterations):
            if done >= 5 and time.perf_counter() > deadline:
                break
            start = time.perf_counter_ns()
            self.one()
            self.timings.append((time.perf_counter_ns() - start) / 1e6)

    def figures(self) -> dict:
        timings = sorted(self.timings)
        return {
            "iterations": len(timings),
            "median_ms": statistics.median(timings),
            "p99_ms": timings[min(len(timings) - 1, int(len(timings) * 0.99))],
            "mean_ms": statistics.fmean(timings),
        }


def queries_per_request(one: Callable[[], object], samples: int = 10) -> float:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        for _ in range(samples):
            one()
    return len(captured.captured_queries) / samples


def measure(
    variants: list[str], backends: list[str], iterations: int, max_seconds: float, rounds: int
) -> dict:
    """Every kind of request of ``variants``, interleaved: ``rounds`` times a share of each
    variant's iterations in turn, so that load from elsewhere falls on all of them alike."""
    configure(variants[0], backends)
    from django.conf import settings
    from django.core.management import call_command
    from django.urls import include, path
    from rest_framework.test import APIClient

    from benchmarks import fixtures

    global urlpatterns
    urlpatterns = [path(PREFIX.strip("/") + "/", include("s3_file_uploads.urls"))]
    if "floor" in variants:
        from benchmarks import floor

        urlpatterns.append(path("floor/", include(floor.urlpatterns())))
    call_command("migrate", verbosity=0)
    api = APIClient()
    api.force_authenticate(fixtures.user())
    warmup = max(5, iterations // 20)
    share = -(-iterations // rounds)
    results: list[dict] = []

    def request(method: str, url: str, expected: int, body: dict | None = None) -> None:
        reply = (
            getattr(api, method)(url, body, format="json")
            if body
            else api.generic(method.upper(), url)
        )
        assert reply.status_code == expected, (url, reply.status_code, reply.content[:300])

    def requests_of(variant: str, backend: str) -> dict[str, Callable[[], object]]:
        base = f"/floor/{backend}/" if variant == "floor" else PREFIX
        open_ids = iter(fixtures.open_rows(variant, backend, iterations + 2 * warmup + 20))
        fetch_id = fixtures.completed_row(variant, backend)
        kinds: dict[str, Callable[[], object]] = {
            "create": lambda: request("post", base, 201, CREATE_BODY),
            "complete": lambda: request("post", f"{base}{next(open_ids)}/complete/", 200),
            "fetch": lambda: request("get", f"{base}{fetch_id}/", 302),
        }
        if variant == "ours":
            from s3_file_uploads.registry import get_backend

            with_profile = {**CREATE_BODY, "profile": PROFILE}
            kinds["create_profile"] = lambda: request("post", base, 201, with_profile)

            storage = get_backend(backend)
            kinds["presign_upload"] = lambda: storage.presign_upload(
                key=OBJECT_KEY,
                max_size=LIMIT,
                content_type="text/plain",
                acl="private",
                expires_in=300,
            )
            kinds["presign_download"] = lambda: storage.presign_download(
                key=OBJECT_KEY,
                content_disposition="attachment",
                content_type="text/plain",
                expires_in=300,
            )
        if variant == "floor":
            from benchmarks import floor

            client = floor.raw(backend)
            kinds["raw_sign_upload"] = lambda: client.sign_upload(OBJECT_KEY)
            kinds["raw_sign_download"] = lambda: client.sign_download(OBJECT_KEY)
        return kinds

    for backend in backends:
        if "seed" not in variants:
            fixtures.store_object(backend)
            settings.STORAGE_BACKEND = backend
        kinds = {variant: requests_of(variant, backend) for variant in variants}
        names = list(dict.fromkeys(name for found in kinds.values() for name in found))
        for name in names:
            samplers, queries = {}, {}
            for variant, found in kinds.items():
                if name in found:
                    one = found[name]
                    for _ in range(warmup):
                        one()
                    if name in EXPECTED:
                        queries[variant] = queries_per_request(one)
                    samplers[variant] = Sampler(one)
            for _ in range(rounds):
                for sampler in samplers.values():
                    sampler.run(share, max_seconds / rounds)
            for variant, sampler in samplers.items():
                figures = sampler.figures()
                results.append(
                    {
                        "variant": variant,
                        "backend": backend,
                        "operation": name,
                        "queries": queries.get(variant),
                        **figures,
                    }
                )
                print(
                    f"  {variant:5} {backend:5} {name:17} {figures['median_ms']:8.3f} ms "
                    f"median ({figures['iterations']} requests)",
                    file=sys.stderr,
                )
    return {
        "variants": variants,
        "python": sys.version.split()[0],
        "versions": versions(),
        "rounds": rounds,
        "results": results,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("variants", help="ours,floor (interleaved) or seed")
    parser.add_argument("--backends", default="local,s3,gcs,azure")
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--max-seconds", type=float, default=5.0, help="per kind and variant")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    variants = args.variants.split(",")
    backends = ["s3"] if variants == ["seed"] else args.backends.split(",")
    figures = measure(variants, backends, args.iterations, args.max_seconds, args.rounds)
    print(json.dumps(figures))
