# The schema of django-s3-file-upload 0.1.0, restated without django-fsm: an FSMField is a
# CharField in the database, so databases made by 0.1.0 carry on from here unchanged.

import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="UploadedFile",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("created", models.DateTimeField(auto_now_add=True, db_index=True)),
                ("modified", models.DateTimeField(auto_now=True)),
                ("file_key", models.CharField(blank=True, max_length=255)),
                ("filename", models.CharField(blank=True, max_length=255)),
                ("file_upload_state", models.CharField(default="NEW", max_length=50)),
            ],
            options={"ordering": ["-created"]},
        ),
    ]
