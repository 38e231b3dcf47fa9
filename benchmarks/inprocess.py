"""Time one kind of request in-process with Django's test client; print the figures as JSON.

Run by ``benchmarks/run.py`` once per variant, each in the virtualenv that has its code:

- ``ours``: ``POST /`` of this project on the S3 backend;
- ``seed``: the same request to django-s3-file-upload 0.1.0 (its own virtualenv);
- ``floor``: a bare DRF view doing the same single INSERT and the same raw boto3 POST-policy
  signature with a client built once, returning a constant;
- ``sign``: the raw signature alone.

SQLite in memory, no network: signing a POST policy needs no call to S3.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench-key")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench-secret")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

BUCKET = "bench-bucket"
LIMIT = 10 * 1024 * 1024


def configure(variant: str) -> None:
    import django
    from django.conf import settings

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
        AWS_BUCKET_NAME=BUCKET,
        AWS_S3_REGION_NAME="us-east-1",
        MAX_FILE_UPLOAD_SIZE=LIMIT,
        STORAGE_BACKEND="s3",
        REST_FRAMEWORK={"DEFAULT_AUTHENTICATION_CLASSES": []},
    )
    django.setup()


urlpatterns: list = []


def floor_urls() -> list:
    import boto3
    from django.urls import path
    from rest_framework.response import Response
    from rest_framework.views import APIView

    from s3_file_uploads.models import UploadedFile

    client = boto3.client("s3", region_name="us-east-1")

    class FloorView(APIView):
        def post(self, request):
            UploadedFile.objects.create(
                file_key="uploads/k/f.txt", filename="f.txt", backend="s3", user=request.user
            )
            client.generate_presigned_post(
                BUCKET,
                "uploads/k/f.txt",
                Fields={"Content-Type": "text/plain", "acl": "private"},
                Conditions=[
                    {"Content-Type": "text/plain"},
                    {"acl": "private"},
                    ["content-length-range", 1, LIMIT],
                ],
                ExpiresIn=300,
            )
            return Response({"ok": True}, status=201)

    return [path("api/s3-file-uploads/", FloorView.as_view())]


def measure(variant: str, iterations: int, warmup: int) -> dict:
    configure(variant)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.urls import include, path

    global urlpatterns
    if variant == "floor":
        urlpatterns = floor_urls()
    elif variant in ("ours", "seed"):
        urlpatterns = [path("api/s3-file-uploads/", include("s3_file_uploads.urls"))]
    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench")

    if variant == "sign":
        import boto3

        client = boto3.client("s3", region_name="us-east-1")

        def one() -> None:
            client.generate_presigned_post(
                BUCKET,
                "k",
                Fields={"acl": "private"},
                Conditions=[{"acl": "private"}, ["content-length-range", 1, LIMIT]],
                ExpiresIn=300,
            )
    else:
        from rest_framework.test import APIClient

        api = APIClient()
        api.force_authenticate(user)
        body = {"filename": "f.txt", "acl": "private"}

        def one() -> None:
            reply = api.post("/api/s3-file-uploads/", body, format="json")
            assert reply.status_code == 201, reply.content

    for _ in range(warmup):
        one()
    timings = []
    for _ in range(iterations):
        start = time.perf_counter_ns()
        one()
        timings.append((time.perf_counter_ns() - start) / 1e6)
    timings.sort()
    return {
        "variant": variant,
        "iterations": iterations,
        "median_ms": statistics.median(timings),
        "p99_ms": timings[min(len(timings) - 1, int(len(timings) * 0.99))],
        "mean_ms": statistics.fmean(timings),
        "python": sys.version.split()[0],
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("variant", choices=["ours", "seed", "floor", "sign"])
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=100)
    args = parser.parse_args()
    print(json.dumps(measure(args.variant, args.iterations, args.warmup)))
