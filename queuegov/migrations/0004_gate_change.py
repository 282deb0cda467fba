from django.db import migrations, models

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    initial = False

    dependencies = [
        ("queuegov", "0003_audit"),
    ]

    operations = [
        RunSQLFile("queuegov/0004_gate_change.sql"),
        migrations.CreateModel(
            name="GateChangeRequest",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("old_value", models.JSONField()),
                ("new_value", models.JSONField()),
                ("reason", models.TextField()),
                (
                    "status",
                    models.TextField(
                        choices=[
                            ("pending", "Pending"),
                            ("applied", "Applied"),
                            ("rejected", "Rejected"),
                            ("withdrawn", "Withdrawn"),
                        ]
                    ),
                ),
                ("requested_by", models.TextField()),
                ("requested_at", models.DateTimeField()),
                ("decided_by", models.TextField(null=True)),
                ("decided_at", models.DateTimeField(null=True)),
                ("decision_reason", models.TextField(null=True)),
            ],
            options={
                "verbose_name": "gate change request",
                "db_table": "gate_change_request",
                "ordering": ["-requested_at", "-id"],
                "permissions": [
                    ("request_gatechangerequest", "Can request a gate or setting change"),
                    ("approve_gatechangerequest", "Can approve a gate change requested by someone else"),
                    ("reject_gatechangerequest", "Can reject a gate change requested by someone else"),
                ],
                "managed": False,
            },
        ),
    ]
