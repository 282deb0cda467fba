from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("staging", "0010_vector_sync"),
        ("events", "0015_event_types_at_run_time"),  # the types it adds answer the inclusion rubric
    ]

    operations = [
        RunSQLFile("staging/0011_staging_puller.sql"),
    ]
