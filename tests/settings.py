"""Django settings for the test suite: SQLite in memory, the seed's flat S3 settings."""

import os
import tempfile

SECRET_KEY = "tests-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "tests.urls"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    # Serves the upload widget's script (and the admin's) to browser tests on the live server.
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "s3_file_uploads",
    # Models relating to uploads in every way, for reclaiming unattached uploads.
    "tests.reclaim_app",
    # A model with UploadFields and its migration.
    "tests.upload_field_app",
]
MIDDLEWARE = [
    "django.middleware.common.CommonMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
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
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("TEST_SQLITE_NAME", ":memory:"),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
STATIC_URL = "/static/"
MEDIA_ROOT = tempfile.mkdtemp(prefix="s3fu-media-")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The seed's settings; fixtures point them at a real local server.
STORAGE_BACKEND = "s3"
AWS_BUCKET_NAME = "unset-bucket"
MAX_FILE_UPLOAD_SIZE = 1024 * 1024

# The OpenAPI schema at /api/schema/ (tests/test_openapi.py, tests/test_fuzz.py).
REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}
SPECTACULAR_SETTINGS = {
    "TITLE": "django-s3-file-upload",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
}
