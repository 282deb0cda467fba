from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("staging", "0003_cut"),
    ]

    operations = [
        RunSQLFile("staging/0004_cleanup.sql"),
    ]
