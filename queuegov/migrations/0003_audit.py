import django.contrib.postgres.fields
from django.db import migrations, models

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    initial = False

    dependencies = [
        ("queuegov", "0002_config"),
    ]

    operations = [
        RunSQLFile("queuegov/0003_audit.sql"),
        migrations.CreateModel(
            name="AdminActionAudit",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("occurred_at", models.DateTimeField()),
                ("actor", models.TextField()),
                ("actor_user_id", models.IntegerField(null=True)),
                ("roles", django.contrib.postgres.fields.ArrayField(base_field=models.TextField())),
                ("action", models.TextField()),
                ("target_table", models.TextField(null=True)),
                ("target_ids", django.contrib.postgres.fields.ArrayField(base_field=models.TextField())),
                ("reason", models.TextField(null=True)),
                ("before_state", models.JSONField(null=True)),
                ("after_state", models.JSONField(null=True)),
                (
                    "outcome",
                    models.TextField(
                        choices=[
                            ("applied", "Applied"),
                            ("refused", "Refused"),
                            ("failed", "Failed"),
                            ("dry_run", "Dry Run"),
                        ]
                    ),
                ),
                ("detail", models.TextField(null=True)),
                ("source", models.TextField()),
                ("request_id", models.TextField(null=True)),
                ("request_ip", models.GenericIPAddressField(null=True)),
                ("request_path", models.TextField(null=True)),
                ("user_agent", models.TextField(null=True)),
                ("txid", models.BigIntegerField()),
            ],
            options={
                "verbose_name": "audit entry",
                "verbose_name_plural": "audit trail",
                "db_table": "admin_action_audit",
                "ordering": ["-occurred_at", "-id"],
                "managed": False,
            },
        ),
    ]
