from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0018_horizon_per_database"),
    ]

    operations = [
        RunSQLFile("events/0017_pending_set_based.sql"),
    ]
