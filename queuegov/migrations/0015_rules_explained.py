from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("queuegov", "0014_rules_named"),
    ]

    operations = [
        RunSQLFile("queuegov/0015_rules_explained.sql"),
    ]
