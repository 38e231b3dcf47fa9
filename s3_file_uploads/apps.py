from django.apps import AppConfig


class S3FileUploadsConfig(AppConfig):
    name = "s3_file_uploads"
    label = "s3_file_uploads"
    verbose_name = "File uploads"
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
        from .drf_mapping import install as map_upload_fields_in_serializers
        from .plugins import get_plugin_manager

        get_plugin_manager()
        # DRF has no registry for relational fields: ModelSerializer learns UploadField here.
        map_upload_fields_in_serializers()
