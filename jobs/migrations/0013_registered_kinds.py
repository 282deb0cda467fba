from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0012_executor_classes"),
    ]

    operations = [
        RunSQLFile("jobs/0012_registered_kinds.sql"),
    ]
