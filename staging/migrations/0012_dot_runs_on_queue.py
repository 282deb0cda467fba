from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("staging", "0011_staging_puller"),
    ]

    operations = [
        RunSQLFile("staging/0012_dot_runs_on_queue.sql"),
    ]
