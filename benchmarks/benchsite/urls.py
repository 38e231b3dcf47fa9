"""The demo's URLs, plus the floor's bare views under ``floor/`` when the floor is served."""

import os

from django.urls import include, path

try:
    from demo.urls import urlpatterns as demo_urlpatterns
except ImportError:
    # 0.1.0's virtualenv lacks what the demo's page imports (drf-spectacular, and this
    # version's s3_file_uploads.conf); no benchmarked request asks for the page.
    demo_urlpatterns = [path("api/s3-file-uploads/", include("s3_file_uploads.urls"))]

urlpatterns = list(demo_urlpatterns)
if os.environ.get("BENCH_VARIANT") == "floor":
    from benchmarks import floor

    urlpatterns.append(path("floor/", include(floor.urlpatterns())))
