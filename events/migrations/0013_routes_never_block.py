from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0012_every_gate_off"),
    ]

    operations = [
        RunSQLFile("events/0012_routes_never_block.sql"),
    ]
