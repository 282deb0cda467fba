from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0006_triggers"),
        ("jobs", "0008_trust_boundary"),
    ]

    operations = [
        RunSQLFile("events/0007_trust_boundary.sql"),
    ]
