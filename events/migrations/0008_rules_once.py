from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0007_trust_boundary"),
        ("queuegov", "0013_rules_once"),
    ]

    operations = [
        RunSQLFile("events/0008_rules_once.sql"),
    ]
