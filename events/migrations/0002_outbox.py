from django.db import migrations, models

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    initial = False

    dependencies = [
        ("events", "0001_registry"),
    ]

    operations = [
        RunSQLFile("events/0002_outbox.sql"),
        migrations.CreateModel(
            name="Event",
            fields=[
                ("id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("event_domain", models.TextField()),
                ("event_stream", models.TextField()),
                ("event_type", models.TextField()),
                ("delivery_lane", models.TextField()),
                ("severity", models.TextField(null=True)),
                ("payload", models.JSONField()),
                ("payload_classification", models.TextField()),
                ("event_subject_table", models.TextField(null=True)),
                ("event_subject_ref", models.TextField(null=True)),
                ("correlation_id", models.TextField(null=True)),
                ("causation_id", models.TextField(null=True)),
                ("actor", models.TextField(null=True)),
                ("occurred_at", models.DateTimeField()),
                ("created_at", models.DateTimeField()),
                ("delivered_at", models.DateTimeField(null=True)),
            ],
            options={
                "verbose_name": "event",
                "verbose_name_plural": "events (outbox)",
                "db_table": "event_outbox",
                "ordering": ["-id"],
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="EventSubjectKey",
            fields=[
                ("id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("event_domain", models.TextField()),
                ("event_type", models.TextField()),
                ("event_subject_table", models.TextField()),
                ("event_subject_ref", models.TextField()),
                ("fact_key", models.TextField()),
                ("event_id", models.BigIntegerField()),
                ("created_at", models.DateTimeField()),
            ],
            options={
                "verbose_name": "event subject key",
                "db_table": "event_subject_key",
                "ordering": ["-id"],
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="PendingEvent",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("event_type", models.TextField()),
                ("event_subject_table", models.TextField(null=True)),
                ("event_subject_ref", models.TextField(null=True)),
                ("correlation_id", models.TextField(null=True)),
                ("causation_id", models.TextField(null=True)),
                ("source_document_ref", models.TextField(null=True)),
                ("import_batch_ref", models.TextField(null=True)),
                ("stable_key", models.TextField(null=True)),
                ("capture_payload", models.JSONField()),
                ("actor", models.TextField(null=True)),
                ("captured_at", models.DateTimeField()),
                ("processed_at", models.DateTimeField(null=True)),
                ("emitted_event_id", models.BigIntegerField(null=True)),
                ("error_count", models.IntegerField()),
                ("last_error", models.TextField(null=True)),
            ],
            options={
                "verbose_name": "pending capture",
                "db_table": "event_pending",
                "ordering": ["-id"],
                "managed": False,
            },
        ),
    ]
