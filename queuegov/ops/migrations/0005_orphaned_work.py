from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("ops", "0004_moved_from_queuegov"),
        ("jobs", "0012_executor_classes"),
    ]

    operations = [
        RunSQLFile("ops/0002_orphaned_work.sql"),
    ]
