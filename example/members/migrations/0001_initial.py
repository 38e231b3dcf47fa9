"""The demo's Member: makemigrations' operation, with the two upload fields built by one helper."""

from django.db import migrations, models
from django.db.models.deletion import SET_NULL

from s3_file_uploads.fields import UploadField


def upload_field(profile: str, help_text: str, **options: str) -> UploadField:
    return UploadField(
        blank=True,
        null=True,
        on_delete=SET_NULL,
        profile=profile,
        related_name="+",
        to="s3_file_uploads.uploadedfile",
        help_text=help_text,
        **options,
    )


class Migration(migrations.Migration):
    initial = True
    dependencies = [("s3_file_uploads", "0006_uploadedfile_detected_type")]
    operations = [
        migrations.CreateModel(
            name="Member",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100)),
                (
                    "cv",
                    upload_field("document", "PDF or plain text, up to 20 MiB.", verbose_name="CV"),
                ),
                ("picture", upload_field("image", "PNG, JPEG, WebP or GIF, up to 2 MiB.")),
            ],
            options={"ordering": ["name"]},
        ),
    ]
