from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0032_sql_route_payload_columns_named"),
    ]

    operations = [
        RunSQLFile("events/0031_fact_keys_reserved.sql"),
    ]
