from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("queuegov", "0005_triggers"),
        ("ops", "0003_volume_indexes"),
    ]

    operations = [
        RunSQLFile("queuegov/0009_payload_check_inline.sql"),
    ]
