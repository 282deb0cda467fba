from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0029_capture_payload_by_complement"),
    ]

    operations = [
        RunSQLFile("events/0028_capture_keys_inserted_plainly.sql"),
    ]
