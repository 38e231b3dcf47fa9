# The type complete identifies from an object's first bytes. Existing rows were never checked:
# they get an empty value, which means "not checked". Reversible: the column is dropped again.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("s3_file_uploads", "0005_upload_profiles_and_quota_locks"),
    ]

    operations = [
        migrations.AddField(
            model_name="uploadedfile",
            name="detected_type",
            field=models.CharField(
                blank=True,
                default="",
                help_text="The type identified from the stored bytes on complete; empty when not checked.",
                max_length=255,
            ),
        ),
    ]
