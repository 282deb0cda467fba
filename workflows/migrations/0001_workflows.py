from django.db import migrations, models

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("jobs", "0017_lease_lookups_by_id"),
    ]

    operations = [
        RunSQLFile("workflows/0001_workflows.sql"),
        migrations.CreateModel(
            name="Workflow",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("name", models.TextField()),
                (
                    "status",
                    models.TextField(
                        choices=[
                            ("running", "Running"),
                            ("succeeded", "Succeeded"),
                            ("failed", "Failed"),
                            ("cancelled", "Cancelled"),
                        ]
                    ),
                ),
                ("started_by", models.TextField(null=True)),
                ("correlation_id", models.TextField(null=True)),
                ("steps_total", models.IntegerField()),
                ("steps_open", models.IntegerField()),
                ("result", models.JSONField(null=True)),
                ("cancel_reason", models.TextField(null=True)),
                ("created_at", models.DateTimeField()),
                ("finished_at", models.DateTimeField(null=True)),
            ],
            options={
                "db_table": "workflow",
                "ordering": ("-id",),
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="WorkflowStep",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("name", models.TextField()),
                ("step_kind", models.TextField()),
                ("spec", models.JSONField()),
                ("on_dependency_failure", models.TextField()),
                (
                    "status",
                    models.TextField(
                        choices=[
                            ("waiting", "Waiting"),
                            ("active", "Active"),
                            ("succeeded", "Succeeded"),
                            ("failed", "Failed"),
                            ("cancelled", "Cancelled"),
                        ]
                    ),
                ),
                ("deps_total", models.IntegerField()),
                ("deps_pending", models.IntegerField()),
                ("deps_failed", models.IntegerField()),
                ("job_id", models.BigIntegerField(null=True)),
                ("result", models.JSONField(null=True)),
                ("error", models.TextField(null=True)),
                ("started_at", models.DateTimeField(null=True)),
                ("finished_at", models.DateTimeField(null=True)),
            ],
            options={
                "db_table": "workflow_step",
                "ordering": ("id",),
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="WorkflowStepDependency",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "step_id", "depends_on_id", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
            ],
            options={
                "db_table": "workflow_step_dependency",
                "managed": False,
            },
        ),
    ]
