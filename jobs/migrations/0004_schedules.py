from django.db import migrations, models

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    initial = False

    dependencies = [
        ("jobs", "0003_operations"),
    ]

    operations = [
        RunSQLFile("jobs/0004_schedules.sql"),
        migrations.CreateModel(
            name="JobSchedule",
            fields=[
                ("name", models.TextField(primary_key=True, serialize=False)),
                ("cron_expression", models.TextField()),
                ("job_kind", models.TextField()),
                ("payload", models.JSONField()),
                ("priority", models.SmallIntegerField()),
                ("enabled", models.BooleanField()),
                ("next_run_at", models.DateTimeField(null=True)),
                ("last_enqueued_slot", models.DateTimeField(null=True)),
                ("last_job_id", models.BigIntegerField(null=True)),
                ("skipped_slots", models.BigIntegerField()),
                ("description", models.TextField()),
                ("created_at", models.DateTimeField()),
                ("updated_at", models.DateTimeField()),
                ("updated_by", models.TextField(null=True)),
            ],
            options={
                "verbose_name": "job schedule",
                "db_table": "job_schedule",
                "ordering": ["name"],
                "permissions": [("toggle_jobschedule", "Can enable or disable job schedules")],
                "managed": False,
            },
        ),
    ]
