from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0015_rules_explained"),
    ]

    operations = [
        RunSQLFile("jobs/0015_job_act_statuses.sql"),
    ]
