from django.db import migrations, models

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0003_human_tasks"),
    ]

    operations = [
        RunSQLFile("workflows/0004_messages.sql"),
        migrations.CreateModel(
            name="Message",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("subject_ref", models.TextField()),
                ("thread_id", models.BigIntegerField()),
                ("author", models.TextField()),
                ("body", models.TextField()),
                ("recipients", models.JSONField()),
                ("event_id", models.BigIntegerField(null=True)),
                ("posted_at", models.DateTimeField()),
            ],
            options={
                "db_table": "subject_message",
                "ordering": ("-id",),
                "permissions": [("post_message", "Can post messages on subjects")],
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="MessageSubject",
            fields=[
                ("subject_table", models.TextField(primary_key=True, serialize=False)),
                ("key_column", models.TextField()),
                ("description", models.TextField()),
            ],
            options={
                "db_table": "message_subject_registry",
                "ordering": ("subject_table",),
                "managed": False,
            },
        ),
    ]
