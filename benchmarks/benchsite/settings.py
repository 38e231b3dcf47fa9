"""The demo's settings, for a benchmark: no DEBUG, a database of the run's own, the floor's URLs.

``BENCH_VARIANT`` says what is served: ``ours`` (this project), ``seed`` (0.1.0, the same demo
project in 0.1.0's virtualenv) or ``floor`` (the bare views of ``floor.py``, beside this
project's). The storage comes from the environment exactly as the demo reads it
(``DEMO_STORAGE`` and the ``AWS_*``, ``GS_*``, ``AZURE_*`` variables).

The demo's optional extras that 0.1.0's virtualenv lacks are left out there (see below).
SQLite, in a file on tmpfs shared by the workers, in WAL mode so the two workers' reads do not
wait for each other's writes; every variant gets the same settings.
"""

import os
from importlib.util import find_spec

from demo.settings import *  # noqa: F403

# 0.1.0's virtualenv has Django and DRF only: leave out the demo's optional extras
# (drf-spectacular, for the demo's OpenAPI page), which no request benchmarked here touches.
INSTALLED_APPS = [app for app in INSTALLED_APPS if find_spec(app.split(".")[0])]  # noqa: F405
if not find_spec("drf_spectacular"):
    REST_FRAMEWORK = {
        name: value
        for name, value in globals().get("REST_FRAMEWORK", {}).items()
        if "drf_spectacular" not in str(value)
    }

DEBUG = False
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["BENCH_DB"],
        "OPTIONS": {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            # BENCH_SQLITE_CACHE: SQLite's page cache, in pages or (negative) KiB; -2000 is
            # SQLite's own default. Each worker's cache fills as the database grows.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            f"PRAGMA cache_size={int(os.environ.get('BENCH_SQLITE_CACHE', '-2000'))};",
        },
    }
}
ROOT_URLCONF = "benchmarks.benchsite.urls"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django": {"handlers": ["console"], "level": "ERROR"}},
}
