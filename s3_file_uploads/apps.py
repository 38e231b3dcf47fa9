from django.apps import AppConfig


class S3FileUploadsConfig(AppConfig):
    name = "s3_file_uploads"
    label = "s3_file_uploads"
    verbose_name = "File uploads"
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
        from .plugins import get_plugin_manager

        get_plugin_manager()
