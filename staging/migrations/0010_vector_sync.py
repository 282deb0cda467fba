from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("staging", "0009_rules_explained"),
        ("jobs", "0016_job_act_statuses"),
        ("events", "0012_every_gate_off"),
        ("ops", "0008_orphaned_sample"),
    ]

    operations = [
        RunSQLFile("staging/0010_vector_sync.sql"),
    ]
