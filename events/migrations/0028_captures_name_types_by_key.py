from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0027_emit_check_inline"),
    ]

    operations = [
        RunSQLFile("events/0026_captures_name_types_by_key.sql"),
    ]
