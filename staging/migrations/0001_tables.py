import django.contrib.postgres.fields
from django.db import migrations, models

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("events", "0006_triggers"),
    ]

    operations = [
        RunSQLFile("staging/0001_tables.sql"),
        migrations.CreateModel(
            name="CommandCatalog",
            fields=[
                ("command", models.TextField(primary_key=True, serialize=False)),
                ("operator_alias", models.TextField()),
                ("primitive", models.TextField()),
                ("run_modes", django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)),
                ("snapshot_keys", django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)),
                ("event_types", django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)),
                ("description", models.TextField()),
            ],
            options={
                "verbose_name": "staging command",
                "db_table": "dot_iu_command_catalog",
                "ordering": ["command"],
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="CommandRun",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("run_mode", models.TextField(choices=[("plan", "Plan"), ("apply", "Apply"), ("verify", "Verify")])),
                ("run_status", models.TextField()),
                ("params", models.JSONField()),
                ("params_digest", models.TextField()),
                ("gate_snapshot", models.JSONField()),
                ("evidence", models.JSONField()),
                ("actor", models.TextField()),
                ("started_at", models.DateTimeField()),
                ("finished_at", models.DateTimeField(null=True)),
            ],
            options={
                "verbose_name": "staging run",
                "db_table": "dot_iu_command_run",
                "ordering": ["-id"],
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="InformationUnit",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("doc_code", models.TextField()),
                ("section_code", models.TextField()),
                ("section_type", models.TextField()),
                ("sort_order", models.IntegerField()),
                ("title", models.TextField()),
                ("body", models.TextField()),
                ("body_hash", models.TextField()),
                ("piece_no", models.IntegerField()),
                ("created_by", models.TextField()),
                ("created_at", models.DateTimeField()),
                ("superseded_at", models.DateTimeField(null=True)),
            ],
            options={
                "verbose_name": "information unit",
                "db_table": "information_unit",
                "ordering": ["doc_code", "sort_order", "id"],
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="LifecycleLog",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("from_status", models.TextField(null=True)),
                ("to_status", models.TextField()),
                ("actor", models.TextField()),
                ("at", models.DateTimeField()),
            ],
            options={
                "verbose_name": "lifecycle log entry",
                "verbose_name_plural": "lifecycle log",
                "db_table": "iu_lifecycle_log",
                "ordering": ["-id"],
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="RuntimeLease",
            fields=[
                ("lease_name", models.TextField(primary_key=True, serialize=False)),
                ("holder", models.TextField(null=True)),
                ("acquired_at", models.DateTimeField(null=True)),
                ("expires_at", models.DateTimeField(null=True)),
                ("released_at", models.DateTimeField(null=True)),
            ],
            options={
                "verbose_name": "runtime lease",
                "db_table": "dot_iu_runtime_lease",
                "ordering": ["lease_name"],
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="StagingPayload",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("piece_no", models.IntegerField()),
                ("sort_order", models.IntegerField(null=True)),
                ("section_type", models.TextField(null=True)),
                ("heading", models.TextField()),
                ("parent_piece_no", models.IntegerField(null=True)),
                ("piece_text", models.TextField()),
                ("piece_hash", models.TextField()),
            ],
            options={
                "verbose_name": "staged piece",
                "db_table": "iu_staging_payload",
                "ordering": ["record_id", "sort_order", "piece_no"],
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="StagingRecord",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("idempotency_key", models.TextField()),
                ("content_hash", models.TextField()),
                ("source_kind", models.TextField()),
                ("source_ref", models.TextField()),
                ("source_hash", models.TextField()),
                ("source_bytes", models.BigIntegerField()),
                ("doc_code", models.TextField()),
                ("piece_count", models.IntegerField()),
                ("digest", models.TextField()),
                (
                    "lifecycle_status",
                    models.TextField(
                        choices=[
                            ("pending_review", "Pending Review"),
                            ("approved", "Approved"),
                            ("rejected", "Rejected"),
                            ("consumed", "Consumed"),
                            ("expired", "Expired"),
                            ("cleaned", "Cleaned"),
                            ("archived", "Archived"),
                        ]
                    ),
                ),
                ("vector_excluded", models.BooleanField()),
                ("marked_by", models.TextField()),
                ("marked_at", models.DateTimeField()),
                ("expires_at", models.DateTimeField()),
                ("approved_at", models.DateTimeField(null=True)),
                ("approved_by", models.TextField(null=True)),
                ("approval_doc_id", models.TextField(null=True)),
                ("approval_reason", models.TextField(null=True)),
                ("rejected_at", models.DateTimeField(null=True)),
                ("rejected_by", models.TextField(null=True)),
                ("rejection_reason", models.TextField(null=True)),
                ("consumed_at", models.DateTimeField(null=True)),
                ("expired_at", models.DateTimeField(null=True)),
                ("cleaned_at", models.DateTimeField(null=True)),
                ("archived_at", models.DateTimeField(null=True)),
                ("updated_at", models.DateTimeField()),
            ],
            options={
                "verbose_name": "staged manifest",
                "db_table": "iu_staging_record",
                "ordering": ["-id"],
                "permissions": [
                    ("mark_stagingrecord", "Can mark a source file as a staged manifest"),
                    ("verify_stagingrecord", "Can run verify-mark dry runs on staged manifests"),
                    (
                        "approve_stagingrecord",
                        "Can approve a staged manifest marked by someone else (verify-mark apply)",
                    ),
                    ("reject_stagingrecord", "Can reject a staged manifest"),
                    ("cut_stagingrecord", "Can cut an approved manifest into information units"),
                    ("verifycut_stagingrecord", "Can verify the information units of a cut"),
                    ("cleanup_stagingrecord", "Can run the staging cleanup"),
                ],
                "managed": False,
            },
        ),
    ]
