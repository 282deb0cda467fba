from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("staging", "0007_trust_boundary"),
    ]

    operations = [
        RunSQLFile("staging/0008_rules_once.sql"),
    ]
