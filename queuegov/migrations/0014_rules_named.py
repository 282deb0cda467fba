from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("queuegov", "0013_rules_once"),
        ("events", "0008_rules_once"),
    ]

    operations = [
        RunSQLFile("queuegov/0014_rules_named.sql"),
    ]
