from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0006_triggers"),
        ("queuegov", "0009_payload_check_inline"),
    ]

    operations = [
        RunSQLFile("jobs/0007_enqueue_fast_path.sql"),
    ]
