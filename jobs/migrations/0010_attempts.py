from django.db import migrations, models

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0009_executor_login"),
        ("queuegov", "0012_triggers"),
    ]

    operations = [
        RunSQLFile("jobs/0009_attempts.sql"),
        migrations.CreateModel(
            name="JobAttempt",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "job_id", "attempt", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("attempt", models.IntegerField()),
                ("worker_id", models.TextField(null=True)),
                ("started_at", models.DateTimeField(null=True)),
                ("finished_at", models.DateTimeField(null=True)),
                ("outcome", models.TextField()),
                ("error_class", models.TextField(null=True)),
                ("error", models.TextField(null=True)),
            ],
            options={
                "verbose_name": "job attempt",
                "db_table": "job_attempt_history",
                "ordering": ["job_id", "attempt"],
                "managed": False,
            },
        ),
    ]
