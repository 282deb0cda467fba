from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0017_use_case_models"),
    ]

    operations = [
        RunSQLFile("events/0016_horizon_per_database.sql"),
    ]
