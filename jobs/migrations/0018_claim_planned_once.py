from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0017_lease_lookups_by_id"),
    ]

    operations = [
        RunSQLFile("jobs/0017_claim_planned_once.sql"),
    ]
