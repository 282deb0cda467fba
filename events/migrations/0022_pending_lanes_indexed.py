from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0021_capture_per_statement"),
    ]

    operations = [
        RunSQLFile("events/0020_pending_lanes_indexed.sql"),
    ]
