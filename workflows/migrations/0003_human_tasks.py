from django.db import migrations, models

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0002_step_retry"),
        ("events", "0023_pipeline_reviewed"),
    ]

    operations = [
        RunSQLFile("workflows/0003_human_tasks.sql"),
        migrations.CreateModel(
            name="HumanTask",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("task_kind", models.TextField()),
                ("title", models.TextField()),
                ("description", models.TextField()),
                ("assignee_kind", models.TextField()),
                ("assignee", models.TextField()),
                (
                    "status",
                    models.TextField(
                        choices=[
                            ("open", "Open"),
                            ("claimed", "Claimed"),
                            ("started", "Started"),
                            ("completed", "Completed"),
                            ("rejected", "Rejected"),
                            ("cancelled", "Cancelled"),
                        ]
                    ),
                ),
                ("approvals_required", models.IntegerField(null=True)),
                ("claimed_by", models.TextField(null=True)),
                ("claimed_at", models.DateTimeField(null=True)),
                ("started_at", models.DateTimeField(null=True)),
                ("finished_at", models.DateTimeField(null=True)),
                ("finished_by", models.TextField(null=True)),
                ("reason", models.TextField(null=True)),
                ("result", models.JSONField(null=True)),
                ("due_at", models.DateTimeField(null=True)),
                ("overdue_raised_at", models.DateTimeField(null=True)),
                ("subject_table", models.TextField(null=True)),
                ("subject_ref", models.TextField(null=True)),
                ("created_by", models.TextField(null=True)),
                ("created_at", models.DateTimeField()),
            ],
            options={
                "verbose_name": "task",
                "db_table": "human_task",
                "ordering": ("-id",),
                "permissions": [
                    ("act_humantask", "Can claim, start, complete, reject or approve tasks assigned to them")
                ],
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="HumanTaskDecision",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "task_id", "actor", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("actor", models.TextField()),
                ("decision", models.TextField()),
                ("reason", models.TextField()),
                ("decided_at", models.DateTimeField()),
            ],
            options={
                "db_table": "human_task_decision",
                "ordering": ("decided_at",),
                "managed": False,
            },
        ),
    ]
