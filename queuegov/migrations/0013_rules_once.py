from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    # Follows the queuegov migration before it (re-point when one is inserted).
    dependencies = [
        ("queuegov", "0012_triggers"),
    ]

    operations = [
        RunSQLFile("queuegov/0013_rules_once.sql"),
    ]
