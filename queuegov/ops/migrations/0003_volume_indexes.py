from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    replaces = [("queuegov", "0008_volume_indexes")]

    dependencies = [
        ("ops", "0002_retention"),
    ]

    operations = [
        RunSQLFile("queuegov/0008_volume_indexes.sql"),
    ]
