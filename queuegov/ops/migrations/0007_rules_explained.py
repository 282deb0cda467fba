from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("ops", "0006_orphaned_kinds"),
    ]

    operations = [
        RunSQLFile("ops/0004_rules_explained.sql"),
    ]
