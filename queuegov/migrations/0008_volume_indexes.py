from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("queuegov", "0007_retention"),
    ]

    operations = [
        RunSQLFile("queuegov/0008_volume_indexes.sql"),
    ]
