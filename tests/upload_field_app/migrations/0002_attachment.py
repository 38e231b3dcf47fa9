"""Attachment: a member's further files, an inline of the member in the admin. The upload field
is written with its own defaults left out: it rebuilds to the same field."""

from django.db import migrations, models
from django.db.models.deletion import CASCADE, DO_NOTHING

from s3_file_uploads.fields import UploadField

ID = models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")


class Migration(migrations.Migration):
    dependencies = [
        ("s3_file_uploads", "0006_uploadedfile_detected_type"),
        ("upload_field_app", "0001_initial"),
    ]
    operations = [
        migrations.CreateModel(
            name="Attachment",
            fields=[
                ("id", ID),
                ("file", UploadField(profile="document", on_delete=DO_NOTHING)),
                ("member", models.ForeignKey("upload_field_app.member", CASCADE, "attachments")),
            ],
        ),
    ]
