from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0011_rules_once"),
        ("queuegov", "0014_rules_named"),
    ]

    operations = [
        RunSQLFile("jobs/0011_executor_classes.sql"),
    ]
