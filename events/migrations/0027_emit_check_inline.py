from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0026_outbox_one_index_on_id"),
    ]

    operations = [
        RunSQLFile("events/0025_emit_check_inline.sql"),
    ]
