from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0022_pending_lanes_indexed"),
    ]

    operations = [
        RunSQLFile("events/0021_pipeline_reviewed.sql"),
    ]
