from django.apps import AppConfig


class ReclaimAppConfig(AppConfig):
    name = "tests.reclaim_app"
    label = "reclaim_app"
    default_auto_field = "django.db.models.BigAutoField"
