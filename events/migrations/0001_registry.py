from django.db import migrations, models

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("queuegov", "0005_triggers"),
        ("jobs", "0006_triggers"),
    ]

    operations = [
        RunSQLFile("events/0001_registry.sql"),
        migrations.CreateModel(
            name="EventType",
            fields=[
                ("event_type", models.TextField(primary_key=True, serialize=False)),
                ("event_stream", models.TextField()),
                ("delivery_lane", models.TextField()),
                ("default_severity", models.TextField(null=True)),
                ("description", models.TextField()),
                ("status", models.TextField()),
                ("producer_ref", models.TextField(null=True)),
                ("created_at", models.DateTimeField()),
            ],
            options={
                "verbose_name": "event type",
                "permissions": [("manage_eventtype", "Can activate, retire or draft event types")],
                "db_table": "event_type_registry",
                "ordering": ["event_type"],
                "managed": False,
            },
        ),
    ]
