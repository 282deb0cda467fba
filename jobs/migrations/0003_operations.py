from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    initial = False

    dependencies = [
        ("jobs", "0002_job_queue"),
    ]

    operations = [
        RunSQLFile("jobs/0003_operations.sql"),
    ]
