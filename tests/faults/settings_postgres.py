"""The test settings on PostgreSQL: ``pytest --ds=tests.faults.settings_postgres``.

HOST and PORT are placeholders: the ``postgres_server`` fixture starts a throwaway cluster on a
free port and fills them in before the test database is created.
"""

from tests.settings import *  # noqa: F403

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "s3fu",
        "USER": "postgres",
        "HOST": "127.0.0.1",
        "PORT": "",
        "CONN_MAX_AGE": 0,
    }
}
