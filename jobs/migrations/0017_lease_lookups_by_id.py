from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0016_job_act_statuses"),
    ]

    operations = [
        RunSQLFile("jobs/0016_lease_lookups_by_id.sql"),
    ]
