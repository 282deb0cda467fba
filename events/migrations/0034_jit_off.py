from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0033_fact_keys_reserved"),
    ]

    operations = [
        RunSQLFile("events/0032_jit_off.sql"),
    ]
