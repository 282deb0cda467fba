from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("staging", "0001_tables"),
    ]

    operations = [
        RunSQLFile("staging/0002_mark.sql"),
    ]
