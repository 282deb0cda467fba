from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("ops", "0005_orphaned_work"),
    ]

    operations = [
        RunSQLFile("ops/0003_orphaned_kinds.sql"),
    ]
