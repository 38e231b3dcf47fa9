from django.apps import AppConfig


class UploadFieldAppConfig(AppConfig):
    name = "tests.upload_field_app"
    label = "upload_field_app"
    default_auto_field = "django.db.models.BigAutoField"
