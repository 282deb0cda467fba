from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0024_batches_read_in_order"),
    ]

    operations = [
        RunSQLFile("events/0023_route_log_names_routes_by_key.sql"),
    ]
