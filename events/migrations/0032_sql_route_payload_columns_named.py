from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0031_route_batch_typed"),
    ]

    operations = [
        RunSQLFile("events/0030_sql_route_payload_columns_named.sql"),
    ]
