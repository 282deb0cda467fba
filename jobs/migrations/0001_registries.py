from django.db import migrations, models

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("queuegov", "0004_gate_change"),
    ]

    operations = [
        RunSQLFile("jobs/0001_registries.sql"),
        migrations.CreateModel(
            name="ExecutorClass",
            fields=[
                ("code", models.TextField(primary_key=True, serialize=False)),
                ("name", models.TextField()),
                ("executor_kind", models.TextField()),
                ("handler_ref", models.TextField(null=True)),
                ("max_concurrency", models.IntegerField(null=True)),
                ("status", models.TextField()),
                ("description", models.TextField()),
                ("created_at", models.DateTimeField()),
            ],
            options={
                "verbose_name": "executor class",
                "verbose_name_plural": "executor classes",
                "db_table": "executor_class_registry",
                "ordering": ["code"],
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="RetryPolicy",
            fields=[
                ("code", models.TextField(primary_key=True, serialize=False)),
                ("max_attempts", models.IntegerField()),
                ("backoff", models.TextField()),
                ("base_delay_seconds", models.DecimalField(decimal_places=3, max_digits=12)),
                ("max_delay_seconds", models.DecimalField(decimal_places=3, max_digits=12)),
                ("description", models.TextField()),
                ("status", models.TextField()),
                ("created_at", models.DateTimeField()),
            ],
            options={
                "verbose_name": "retry policy",
                "verbose_name_plural": "retry policies",
                "db_table": "retry_policy_registry",
                "ordering": ["code"],
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="QueueState",
            fields=[
                ("queue_name", models.TextField(primary_key=True, serialize=False)),
                ("paused", models.BooleanField()),
                ("paused_by", models.TextField(null=True)),
                ("paused_at", models.DateTimeField(null=True)),
                ("reason", models.TextField(null=True)),
                ("updated_at", models.DateTimeField()),
            ],
            options={
                "verbose_name": "queue",
                "db_table": "queue_state",
                "ordering": ["queue_name"],
                "permissions": [("pause_queuestate", "Can pause a queue"), ("resume_queuestate", "Can resume a queue")],
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="Consumer",
            fields=[
                ("job_kind", models.TextField(primary_key=True, serialize=False)),
                ("queue_name", models.TextField()),
                ("handler_ref", models.TextField(null=True)),
                ("description", models.TextField()),
                ("status", models.TextField()),
                ("created_at", models.DateTimeField()),
            ],
            options={
                "verbose_name": "consumer",
                "db_table": "consumer_registry",
                "ordering": ["job_kind"],
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="IdempotencyKey",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("scope", models.TextField()),
                ("key", models.TextField()),
                ("result_ref", models.TextField(null=True)),
                ("created_at", models.DateTimeField()),
                ("created_by", models.TextField(null=True)),
                ("expires_at", models.DateTimeField(null=True)),
            ],
            options={
                "verbose_name": "idempotency key",
                "db_table": "idempotency_key",
                "ordering": ["-created_at"],
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="QueueHeartbeat",
            fields=[
                ("executor_name", models.TextField(primary_key=True, serialize=False)),
                ("executor_kind", models.TextField()),
                ("status", models.TextField()),
                ("last_beat_at", models.DateTimeField()),
                ("first_beat_at", models.DateTimeField()),
                ("status_changed_at", models.DateTimeField()),
                ("beats", models.BigIntegerField()),
                ("meta", models.JSONField()),
            ],
            options={
                "verbose_name": "executor heartbeat",
                "db_table": "queue_heartbeat",
                "ordering": ["executor_name"],
                "managed": False,
            },
        ),
    ]
