from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0015_event_types_at_run_time"),
        ("staging", "0009_rules_explained"),
    ]

    operations = [
        RunSQLFile("events/0015_documents_views.sql"),
    ]
