from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0013_registered_kinds"),
    ]

    operations = [
        RunSQLFile("jobs/0013_job_kind_class.sql"),
    ]
