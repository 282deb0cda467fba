import django.contrib.postgres.fields
from django.db import migrations, models

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    initial = False

    dependencies = [
        ("events", "0004_routing"),
    ]

    operations = [
        RunSQLFile("events/0005_trigger_in.sql"),
        migrations.CreateModel(
            name="SqlEventRoute",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("route_name", models.TextField()),
                ("source_table", models.TextField()),
                ("operation", models.TextField()),
                ("condition", models.JSONField()),
                ("target_event_type", models.TextField()),
                ("subject_column", models.TextField()),
                ("payload_columns", django.contrib.postgres.fields.ArrayField(base_field=models.TextField())),
                ("correlation_column", models.TextField(null=True)),
                ("enabled", models.BooleanField()),
                ("dry_run", models.BooleanField()),
                ("gate_key", models.TextField()),
                ("description", models.TextField()),
                ("created_at", models.DateTimeField()),
            ],
            options={
                "verbose_name": "trigger-IN route",
                "db_table": "iu_sql_event_route",
                "ordering": ["route_name"],
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="SqlRouteDryRun",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("source_table", models.TextField()),
                ("operation", models.TextField()),
                ("subject_ref", models.TextField(null=True)),
                ("would_capture", models.JSONField()),
                ("logged_at", models.DateTimeField()),
            ],
            options={
                "verbose_name": "trigger-IN dry-run log entry",
                "verbose_name_plural": "trigger-IN dry-run log",
                "db_table": "iu_sql_event_route_dry_run_log",
                "ordering": ["-id"],
                "managed": False,
            },
        ),
    ]
