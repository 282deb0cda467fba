from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("ops", "0007_rules_explained"),
    ]

    operations = [
        RunSQLFile("ops/0005_orphaned_sample.sql"),
    ]
