from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("ops", "0008_orphaned_sample"),
    ]

    operations = [
        RunSQLFile("ops/0006_metric_sample_one_index.sql"),
    ]
