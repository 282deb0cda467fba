from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0020_routing_set_based"),
    ]

    operations = [
        RunSQLFile("events/0019_capture_per_statement.sql"),
    ]
