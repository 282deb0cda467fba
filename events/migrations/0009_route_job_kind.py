from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0008_rules_once"),
        ("jobs", "0014_job_kind_class"),
    ]

    operations = [
        RunSQLFile("events/0009_route_job_kind.sql"),
    ]
