"""What a create request costs, piece by piece, beside the floor's pieces; and a cProfile of it.

    .venv/bin/python -m benchmarks.breakdown     # prints JSON, writes the profile

Each piece is timed alone, in-process, on the S3 backend (signing needs no server), as the
median of several runs of many calls. The pieces of this project's create are the calls its
view and its create step make (``s3_file_uploads/views.py``, ``creation.py``); the floor's are
the INSERT and the raw signature (``floor.py``). The cProfile of 2,000 creates goes to
``results/profile-create.txt``, sorted by cumulative time (profiling inflates small calls, so
read it for shares, not for times).
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable

from benchmarks.common import CREATE_BODY, RESULTS

os.environ.setdefault("BENCH_MOTO_URL", "http://127.0.0.1:9")  # signing only: never contacted


class Stopwatch:
    """Wraps callables so that every call adds its time to a named piece."""

    def __init__(self) -> None:
        self.spent: dict[str, list[float]] = {}
        self.on = False
        self._originals: list[tuple[object, str, object, bool]] = []

    def wrap(self, owner: object, name: str, piece: str, kind: str = "method") -> None:
        own = name in vars(owner)
        original = vars(owner)[name] if own else getattr(owner, name)
        self._originals.append((owner, name, original, own))
        function = original.fget if kind == "property" else original
        function = function.__func__ if isinstance(function, staticmethod) else function

        def timed(*args, **kwargs):
            start = time.perf_counter_ns()
            try:
                return function(*args, **kwargs)
            finally:
                if self.on:
                    self.spent[piece][-1] += (time.perf_counter_ns() - start) / 1e3

        self.spent[piece] = [0.0]
        if kind == "property":
            setattr(owner, name, property(timed))
        elif isinstance(original, staticmethod):
            setattr(owner, name, staticmethod(timed))
        else:
            setattr(owner, name, timed)

    def restore(self) -> None:
        for owner, name, original, own in reversed(self._originals):
            if own:
                setattr(owner, name, original)
            else:
                delattr(owner, name)

    def request(self, send: Callable[[], object]) -> None:
        self.on = True
        try:
            send()
        finally:
            self.on = False
        for values in self.spent.values():
            values.append(0.0)

    def medians(self, skip: int) -> dict[str, float]:
        return {piece: statistics.median(v[skip:-1]) for piece, v in self.spent.items()}


def main(requests: int = 1500) -> dict:
    from benchmarks import inprocess

    inprocess.configure("ours", ["s3"])
    from django.core.management import call_command
    from django.urls import include, path
    from rest_framework.renderers import JSONRenderer
    from rest_framework.request import Request
    from rest_framework.test import APIClient
    from rest_framework.views import APIView

    from benchmarks import fixtures, floor

    inprocess.urlpatterns[:] = [
        path("api/s3-file-uploads/", include("s3_file_uploads.urls")),
        path("floor/", include(floor.urlpatterns())),
    ]
    call_command("migrate", verbosity=0)
    from django.db.models.query import QuerySet

    from s3_file_uploads import creation, views
    from s3_file_uploads.models import UploadedFile
    from s3_file_uploads.registry import get_backend

    api = APIClient()
    api.force_authenticate(fixtures.user())
    figures: dict[str, dict[str, float]] = {}
    for variant, url in (("ours", "/api/s3-file-uploads/"), ("floor", "/floor/s3/")):
        watch = Stopwatch()
        watch.wrap(APIView, "dispatch", "the view, in all (DRF dispatch)")
        watch.wrap(APIView, "initial", "DRF: authentication, permissions, throttles")
        watch.wrap(Request, "data", "parsing the JSON body", kind="property")
        watch.wrap(JSONRenderer, "render", "rendering the reply as JSON")
        if variant == "ours":
            watch.wrap(
                views.UploadRequestSerializer, "is_valid", "validating the body (serializer)"
            )
            watch.wrap(creation, "generate_key", "generating the object key")
            watch.wrap(get_backend("s3"), "presign_upload", "signing the upload instruction")
            watch.wrap(UploadedFile, "save", "the INSERT")
            watch.wrap(views.UploadedFileCreateView, "_reply", "building the reply")
        else:
            watch.wrap(floor.RawS3, "sign_upload", "signing the upload instruction")
            watch.wrap(QuerySet, "create", "the INSERT")
        try:
            for _ in range(requests):
                watch.request(lambda url=url: api.post(url, CREATE_BODY, format="json"))
        finally:
            watch.restore()
        figures[variant] = watch.medians(skip=requests // 5)
    pieces = list(dict.fromkeys([*figures["ours"], *figures["floor"]]))
    rows = [
        {
            "piece": piece,
            "ours_us": figures["ours"].get(piece, 0.0),
            "floor_us": figures["floor"].get(piece, 0.0),
        }
        for piece in pieces
    ]
    total = rows[0]
    named = [r for r in rows[1:] if r["piece"] != "rendering the reply as JSON"]
    rows.append(
        {
            "piece": "the rest of the view (row construction, hooks, settings, Response)",
            "ours_us": max(0.0, total["ours_us"] - sum(r["ours_us"] for r in named)),
            "floor_us": max(0.0, total["floor_us"] - sum(r["floor_us"] for r in named)),
        }
    )
    for row in rows:
        print(
            f"  {row['piece']:60} {row['ours_us']:8.1f} us   floor {row['floor_us']:8.1f} us",
            file=sys.stderr,
        )

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(2000):
        api.post("/api/s3-file-uploads/", CREATE_BODY, format="json")
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(45)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "profile-create.txt").write_text(text.getvalue())
    return {"requests": requests, "pieces": rows}


if __name__ == "__main__":
    print(json.dumps(main()))
