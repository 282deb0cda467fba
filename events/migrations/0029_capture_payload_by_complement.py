from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0028_captures_name_types_by_key"),
    ]

    operations = [
        RunSQLFile("events/0027_capture_payload_by_complement.sql"),
    ]
