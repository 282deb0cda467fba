from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("queuegov", "0008_volume_indexes"),
    ]

    operations = [
        RunSQLFile("queuegov/0009_payload_check_inline.sql"),
    ]
