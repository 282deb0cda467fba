from django.db import migrations, models

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    initial = False

    dependencies = [
        ("jobs", "0001_registries"),
    ]

    operations = [
        RunSQLFile("jobs/0002_job_queue.sql"),
        migrations.CreateModel(
            name="Job",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("job_kind", models.TextField()),
                ("payload", models.JSONField()),
                ("priority", models.SmallIntegerField()),
                (
                    "status",
                    models.TextField(
                        choices=[
                            ("queued", "Queued"),
                            ("running", "Running"),
                            ("succeeded", "Succeeded"),
                            ("cancelled", "Cancelled"),
                            ("dead", "Dead"),
                        ]
                    ),
                ),
                ("attempts", models.IntegerField()),
                ("max_attempts", models.IntegerField()),
                ("run_at", models.DateTimeField()),
                ("lease_owner", models.TextField(null=True)),
                ("lease_until", models.DateTimeField(null=True)),
                ("idempotency_key", models.TextField(null=True)),
                ("correlation_id", models.TextField(null=True)),
                ("created_by", models.TextField(null=True)),
                ("created_at", models.DateTimeField()),
                ("started_at", models.DateTimeField(null=True)),
                ("finished_at", models.DateTimeField(null=True)),
                ("last_error", models.TextField(null=True)),
                ("result", models.JSONField(null=True)),
            ],
            options={
                "verbose_name": "job",
                "db_table": "job_queue",
                "ordering": ["-id"],
                "permissions": [
                    ("cancel_job", "Can cancel queued or running jobs"),
                    ("retry_job", "Can retry queued or cancelled jobs now"),
                ],
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="JobDeadLetter",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("job_kind", models.TextField()),
                ("queue_name", models.TextField()),
                ("attempts", models.IntegerField()),
                ("max_attempts", models.IntegerField()),
                ("last_error", models.TextField(null=True)),
                ("job_snapshot", models.JSONField()),
                ("dead_at", models.DateTimeField()),
                (
                    "triage_status",
                    models.TextField(
                        choices=[
                            ("open", "Open"),
                            ("manual_replay", "Manual Replay"),
                            ("discarded", "Discarded"),
                            ("replayed", "Replayed"),
                        ]
                    ),
                ),
                ("triaged_by", models.TextField(null=True)),
                ("triaged_at", models.DateTimeField(null=True)),
                ("note", models.TextField(null=True)),
                ("replayed_by", models.TextField(null=True)),
                ("replayed_at", models.DateTimeField(null=True)),
                ("authorization_source", models.TextField(null=True)),
            ],
            options={
                "verbose_name": "job dead letter",
                "db_table": "job_dead_letter",
                "ordering": ["-dead_at", "-id"],
                "permissions": [
                    ("triage_jobdeadletter", "Can triage job dead letters"),
                    ("replay_jobdeadletter", "Can replay job dead letters"),
                ],
                "managed": False,
            },
        ),
    ]
