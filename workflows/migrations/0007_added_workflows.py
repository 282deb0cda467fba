from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0006_staging_review"),
    ]

    operations = [
        RunSQLFile("workflows/0007_added_workflows.sql"),
    ]
