from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0023_pipeline_reviewed"),
    ]

    operations = [
        RunSQLFile("events/0022_batches_read_in_order.sql"),
    ]
