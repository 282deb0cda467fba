"""The operations layer leaves the governance core: handler paths and content types follow.

Renaming the content types keeps the permissions (``run_retention``, the
``view_`` ones) and every group that holds them; on a fresh database there is
nothing to rename and post_migrate creates them under ``ops``.
"""

from django.db import migrations

from queuegov.sqlfiles import RunSQLFile

MOVED_MODELS = ("queuemetricsample", "jobarchive")


def move_content_types(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED_MODELS:
        if not content_type.objects.using(db).filter(app_label="ops", model=model).exists():
            content_type.objects.using(db).filter(app_label="queuegov", model=model).update(app_label="ops")


def restore_content_types(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    content_type.objects.using(db).filter(app_label="ops", model__in=MOVED_MODELS).update(app_label="queuegov")


class Migration(migrations.Migration):
    dependencies = [
        ("ops", "0003_volume_indexes"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("jobs", "0010_attempts"),
    ]

    operations = [
        RunSQLFile("ops/0001_handler_refs.sql"),
        migrations.RunPython(move_content_types, restore_content_types, elidable=False),
    ]
