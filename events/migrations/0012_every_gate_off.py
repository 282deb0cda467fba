from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0011_inbox_entries_plural"),
    ]

    operations = [
        RunSQLFile("events/0011_every_gate_off.sql"),
    ]
