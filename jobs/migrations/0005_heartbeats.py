from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    initial = False

    dependencies = [
        ("jobs", "0004_schedules"),
    ]

    operations = [
        RunSQLFile("jobs/0005_heartbeats.sql"),
    ]
