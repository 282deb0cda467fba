from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0014_trigger_out_four_eyes"),
    ]

    operations = [
        RunSQLFile("events/0014_event_types_at_run_time.sql"),
    ]
