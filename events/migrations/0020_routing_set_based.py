from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0019_pending_set_based"),
    ]

    operations = [
        RunSQLFile("events/0018_routing_set_based.sql"),
    ]
