from django.db import migrations, models

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    # Moved from queuegov (0006_health) into the operations layer; a database
    # that applied the old name counts this one as applied.
    replaces = [("queuegov", "0006_health")]

    dependencies = [
        ("queuegov", "0005_triggers"),
        ("events", "0006_triggers"),
        ("jobs", "0006_triggers"),
    ]

    operations = [
        RunSQLFile("queuegov/0006_health.sql"),
        migrations.CreateModel(
            name="QueueMetricSample",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("sampled_at", models.DateTimeField()),
                ("queue_name", models.TextField()),
                ("window_seconds", models.IntegerField()),
                ("ready", models.BigIntegerField()),
                ("running", models.BigIntegerField()),
                ("succeeded", models.BigIntegerField()),
                ("dead", models.BigIntegerField()),
                ("events_emitted", models.BigIntegerField()),
                ("events_pending", models.BigIntegerField()),
                ("route_failures", models.BigIntegerField()),
            ],
            options={
                "verbose_name": "metric sample",
                "db_table": "queue_metric_sample",
                "ordering": ["-sampled_at", "queue_name"],
                "managed": False,
            },
        ),
    ]
