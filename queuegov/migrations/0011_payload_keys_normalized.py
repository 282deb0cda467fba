from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("queuegov", "0010_trust_boundary"),
    ]

    operations = [
        RunSQLFile("queuegov/0011_payload_keys_normalized.sql"),
    ]
