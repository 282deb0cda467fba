from django.db import migrations, models

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    initial = False

    dependencies = [
        ("events", "0003_recipients"),
    ]

    operations = [
        RunSQLFile("events/0004_routing.sql"),
        migrations.CreateModel(
            name="RouteWorkerCursor",
            fields=[
                ("id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("worker_name", models.TextField()),
                ("event_domain", models.TextField()),
                ("last_event_id", models.BigIntegerField()),
                ("last_run_at", models.DateTimeField(null=True)),
                ("processed_count", models.BigIntegerField()),
                ("dead_lettered_count", models.BigIntegerField()),
                ("enabled", models.BooleanField()),
            ],
            options={
                "verbose_name": "route worker cursor",
                "db_table": "iu_route_worker_cursor",
                "ordering": ["worker_name", "event_domain"],
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="OutboundRoute",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("route_name", models.TextField()),
                ("event_type", models.TextField()),
                ("action_kind", models.TextField()),
                ("target", models.TextField()),
                ("target_queue", models.TextField(null=True)),
                ("enabled", models.BooleanField()),
                ("dry_run", models.BooleanField()),
                ("description", models.TextField()),
                ("created_by", models.TextField(null=True)),
                ("created_at", models.DateTimeField()),
                ("updated_by", models.TextField(null=True)),
                ("updated_at", models.DateTimeField()),
            ],
            options={
                "verbose_name": "outbound route",
                "db_table": "iu_outbound_route",
                "ordering": ["route_name"],
                "permissions": [("toggle_outboundroute", "Can enable, disable or dry-run outbound routes")],
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="RouteDelivery",
            fields=[
                ("id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("event_id", models.BigIntegerField()),
                ("status", models.TextField()),
                ("attempts", models.IntegerField()),
                ("next_attempt_at", models.DateTimeField(null=True)),
                ("last_error", models.TextField(null=True)),
                ("updated_at", models.DateTimeField()),
            ],
            options={
                "verbose_name": "route delivery",
                "verbose_name_plural": "route deliveries",
                "db_table": "iu_route_delivery",
                "ordering": ["-event_id"],
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="RouteAttempt",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("event_id", models.BigIntegerField()),
                ("worker_name", models.TextField()),
                ("attempt_no", models.IntegerField()),
                ("status", models.TextField()),
                ("error", models.TextField(null=True)),
                ("result", models.JSONField(null=True)),
                ("started_at", models.DateTimeField()),
                ("finished_at", models.DateTimeField()),
                ("duration_ms", models.DecimalField(decimal_places=3, max_digits=14)),
            ],
            options={
                "verbose_name": "route attempt",
                "db_table": "iu_route_attempt",
                "ordering": ["-id"],
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="RouteDeadLetter",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("event_id", models.BigIntegerField()),
                ("event_created_at", models.DateTimeField()),
                ("event_type", models.TextField()),
                ("worker_name", models.TextField()),
                ("attempts", models.IntegerField()),
                ("last_error", models.TextField(null=True)),
                ("event_snapshot", models.JSONField()),
                ("dead_at", models.DateTimeField()),
                ("triage_status", models.TextField()),
                ("triaged_by", models.TextField(null=True)),
                ("triaged_at", models.DateTimeField(null=True)),
                ("note", models.TextField(null=True)),
                ("replayed_by", models.TextField(null=True)),
                ("replayed_at", models.DateTimeField(null=True)),
            ],
            options={
                "verbose_name": "routing dead letter",
                "db_table": "iu_route_dead_letter",
                "ordering": ["-dead_at", "-id"],
                "permissions": [
                    ("triage_routedeadletter", "Can triage routing dead letters"),
                    ("replay_routedeadletter", "Can replay routing dead letters"),
                ],
                "managed": False,
            },
        ),
    ]
