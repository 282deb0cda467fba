from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0010_attempts"),
        ("queuegov", "0013_rules_once"),
    ]

    operations = [
        RunSQLFile("jobs/0010_rules_once.sql"),
    ]
