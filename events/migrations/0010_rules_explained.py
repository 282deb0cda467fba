from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0009_route_job_kind"),
        ("jobs", "0015_rules_explained"),
    ]

    operations = [
        RunSQLFile("events/0010_rules_explained.sql"),
    ]
