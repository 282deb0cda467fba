"""The database as the trust boundary: resolved actors, the audit hash chain, audited gate changes.

Runs after every app's current schema because the actor it resolves is read by
all of them; the role names come from settings (queuegov.dbroles writes them into fn_db_role).
"""

from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


def record_role_names(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    from queuegov.dbroles import record_role_names as record

    with schema_editor.connection.cursor() as cursor:
        record(cursor)


class Migration(migrations.Migration):
    dependencies = [
        ("queuegov", "0009_payload_check_inline"),
        ("jobs", "0007_enqueue_fast_path"),
        ("events", "0006_triggers"),
        ("staging", "0006_cut_per_document"),
    ]

    operations = [
        RunSQLFile("queuegov/0010_trust_boundary.sql"),
        migrations.RunPython(record_role_names, migrations.RunPython.noop, elidable=False),
    ]
