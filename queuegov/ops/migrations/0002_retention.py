from django.db import migrations, models

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    replaces = [("queuegov", "0007_retention")]

    dependencies = [
        ("ops", "0001_health"),
    ]

    operations = [
        RunSQLFile("queuegov/0007_retention.sql"),
        migrations.CreateModel(
            name="JobArchive",
            fields=[
                ("id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("job_kind", models.TextField()),
                ("queue_name", models.TextField()),
                ("status", models.TextField()),
                ("attempts", models.IntegerField()),
                ("created_at", models.DateTimeField()),
                ("finished_at", models.DateTimeField(null=True)),
                ("archived_at", models.DateTimeField()),
                ("snapshot", models.JSONField()),
            ],
            options={
                "verbose_name": "archived job",
                "db_table": "job_archive",
                "ordering": ["-archived_at", "-id"],
                "permissions": [("run_retention", "Can run the retention sweep")],
                "managed": False,
            },
        ),
    ]
