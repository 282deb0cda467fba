from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0030_capture_keys_inserted_plainly"),
    ]

    operations = [
        RunSQLFile("events/0029_route_batch_typed.sql"),
    ]
