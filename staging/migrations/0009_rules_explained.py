from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("staging", "0008_rules_once"),
        ("events", "0010_rules_explained"),
    ]

    operations = [
        RunSQLFile("staging/0009_rules_explained.sql"),
    ]
