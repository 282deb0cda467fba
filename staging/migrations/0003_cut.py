from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("staging", "0002_mark"),
    ]

    operations = [
        RunSQLFile("staging/0003_cut.sql"),
    ]
