from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("staging", "0005_triggers"),
    ]

    operations = [
        RunSQLFile("staging/0006_cut_per_document.sql"),
    ]
