from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("staging", "0006_cut_per_document"),
        ("events", "0007_trust_boundary"),
    ]

    operations = [
        RunSQLFile("staging/0007_trust_boundary.sql"),
    ]
