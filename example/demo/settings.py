"""Settings of the demo project. Everything a person may want to change comes from the environment.

``DEMO_STORAGE`` picks the storage: ``local`` (default: files under ``DEMO_MEDIA_ROOT``, served by
this Django), ``s3``, ``azure`` or ``gcs``; each has its own SQLite file, ``demo-<storage>.sqlite3``
(``DEMO_DB`` names another). For the cloud ones, every ``AWS_*``, ``AZURE_*`` and
``GS_*`` environment variable becomes the Django setting of the same name (the names
django-storages uses), so a local emulator is one variable away::

    DEMO_STORAGE=s3 AWS_S3_ENDPOINT_URL=http://127.0.0.1:5000 AWS_BUCKET_NAME=demo \\
    AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing python manage.py runserver

Two upload profiles sit beside the default, each shown as an area of its own on the page:
``image`` (PNG, JPEG, WebP, GIF up to ``DEMO_IMAGE_MAX_SIZE``, 2 MiB) and ``document`` (PDF and
plain text up to ``DEMO_DOCUMENT_MAX_SIZE``, 20 MiB, with a per-user quota of
``DEMO_DOCUMENT_QUOTA_BYTES``, 50 MiB, and ``DEMO_DOCUMENT_QUOTA_OPEN_UPLOADS``, 5, open at once);
both go to the storage ``DEMO_STORAGE`` names.

``DEMO_BACKEND_OPTIONS`` (JSON) adds options to the backend configuration. Files larger than
``DEMO_MULTIPART_THRESHOLD`` bytes go in parts of ``DEMO_MULTIPART_PART_SIZE`` bytes,
``DEMO_MULTIPART_CONCURRENCY`` at a time (the app's defaults: 64 MiB, 8 MiB, 4). The cloud bucket or
container must allow the page's origin: ``python manage.py configure_cors --origin
http://127.0.0.1:8000``.
"""

import json
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


SECRET_KEY = env("DEMO_SECRET_KEY", "demo-only-not-secret")
DEBUG = env("DEMO_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", *filter(None, env("DEMO_HOSTS").split(","))]
#: The page logs every visitor in as the user "demo", so it works at once. Never deploy that.
DEMO_AUTO_LOGIN = env("DEMO_AUTO_LOGIN", "1") == "1"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "s3_file_uploads",
    "demo",
    # The example model with upload fields, its admin and its form page.
    "django.contrib.admin",
    "members",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "demo.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DEMO_STORAGE = env("DEMO_STORAGE", "local")
#: Shown beside the storage's name on the page (scripts/demo_cloud.py says which stand-in).
DEMO_STORAGE_NOTE = env("DEMO_STORAGE_NOTE")
# One database per storage: rows of one storage never show while the demo runs on another,
# where their files are not.
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": env("DEMO_DB", str(BASE_DIR / f"demo-{DEMO_STORAGE}.sqlite3")),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "/static/"
#: Uppy's prebuilt bundle (scripts/common.sh installs it from npm into .tools/uppy/<major>/),
#: served at /static/uppy/ for the Uppy page; DEMO_UPPY_MAJOR picks the major (6 or 5).
DEMO_UPPY_MAJOR = env("DEMO_UPPY_MAJOR", "6")
DEMO_UPPY_DIST = BASE_DIR.parent / ".tools" / "uppy" / DEMO_UPPY_MAJOR / "node_modules/uppy/dist"
STATICFILES_DIRS = [("uppy", str(DEMO_UPPY_DIST))] if DEMO_UPPY_DIST.is_dir() else []
MEDIA_ROOT = env("DEMO_MEDIA_ROOT", str(BASE_DIR / "media"))

# The app's settings.
MAX_FILE_UPLOAD_SIZE = int(env("DEMO_MAX_FILE_UPLOAD_SIZE", str(100 * 1024 * 1024)))
STORAGE_BACKEND = DEMO_STORAGE
for _name, _value in os.environ.items():
    if _name.startswith(("AWS_", "AZURE_", "GS_")):
        globals()[_name] = _value
S3_FILE_UPLOADS = {
    "BACKENDS": {
        DEMO_STORAGE: {
            "BACKEND": DEMO_STORAGE,
            "OPTIONS": json.loads(env("DEMO_BACKEND_OPTIONS", "{}")),
        }
    },
    "CORS_ORIGINS": [o for o in env("DEMO_CORS_ORIGINS", "http://127.0.0.1:8000").split(",") if o],
    # Two kinds of upload beside the default, on the same storage: the page shows one area each.
    "PROFILES": {
        "image": {
            "MAX_SIZE": int(env("DEMO_IMAGE_MAX_SIZE", str(2 * 1024 * 1024))),
            "CONTENT_TYPES": ["image/png", "image/jpeg", "image/webp", "image/gif"],
            "KEY_PREFIX": "images/",
            "BACKEND": DEMO_STORAGE,
        },
        "document": {
            "MAX_SIZE": int(env("DEMO_DOCUMENT_MAX_SIZE", str(20 * 1024 * 1024))),
            "CONTENT_TYPES": ["application/pdf", "text/plain"],
            "KEY_PREFIX": "documents/",
            "BACKEND": DEMO_STORAGE,
            "QUOTA": {
                "BYTES": int(env("DEMO_DOCUMENT_QUOTA_BYTES", str(50 * 1024 * 1024))),
                "OPEN_UPLOADS": int(env("DEMO_DOCUMENT_QUOTA_OPEN_UPLOADS", "5")),
            },
        },
    },
}
#: The page's upload areas, in order, by profile, with their titles: the default spans the
#: page, the others sit side by side beneath it.
DEMO_UPLOAD_AREAS = {"default": "Any file", "image": "Images", "document": "Documents"}
for _name, _key in (
    ("DEMO_MULTIPART_THRESHOLD", "MULTIPART_THRESHOLD"),
    ("DEMO_MULTIPART_PART_SIZE", "MULTIPART_PART_SIZE"),
    ("DEMO_MULTIPART_CONCURRENCY", "MULTIPART_CONCURRENCY"),
):
    if env(_name):
        S3_FILE_UPLOADS[_key] = int(env(_name))

# The OpenAPI schema of the upload API, served at /api/schema/.
REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}
SPECTACULAR_SETTINGS = {"TITLE": "django-s3-file-upload demo", "SERVE_INCLUDE_SCHEMA": False}
