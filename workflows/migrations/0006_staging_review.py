from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0005_review_mends"),
        ("staging", "0012_dot_runs_on_queue"),
    ]

    operations = [
        RunSQLFile("workflows/0006_staging_review.sql"),
    ]
