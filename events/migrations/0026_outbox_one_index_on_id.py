from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0025_route_log_names_routes_by_key"),
    ]

    operations = [
        RunSQLFile("events/0024_outbox_one_index_on_id.sql"),
    ]
