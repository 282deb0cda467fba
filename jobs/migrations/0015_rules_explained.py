from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0014_job_kind_class"),
        ("queuegov", "0015_rules_explained"),
    ]

    operations = [
        RunSQLFile("jobs/0014_rules_explained.sql"),
    ]
