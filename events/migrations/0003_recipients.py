from django.db import migrations, models

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    initial = False

    dependencies = [
        ("events", "0002_outbox"),
    ]

    operations = [
        RunSQLFile("events/0003_recipients.sql"),
        migrations.CreateModel(
            name="Subscription",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("event_type", models.TextField(null=True)),
                ("event_domain", models.TextField(null=True)),
                ("event_stream", models.TextField(null=True)),
                ("recipient_kind", models.TextField()),
                ("recipient_ref", models.TextField()),
                ("enabled", models.BooleanField()),
                ("note", models.TextField()),
                ("created_by", models.TextField(null=True)),
                ("created_at", models.DateTimeField()),
            ],
            options={
                "verbose_name": "subscription",
                "db_table": "event_subscription",
                "ordering": ["id"],
                "permissions": [("manage_subscription", "Can add, enable and disable event subscriptions")],
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="InboxEntry",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("event_id", models.BigIntegerField()),
                ("event_created_at", models.DateTimeField()),
                ("recipient_kind", models.TextField()),
                ("recipient_ref", models.TextField()),
                ("via", models.TextField()),
                ("delivered_at", models.DateTimeField()),
                ("read_at", models.DateTimeField(null=True)),
                ("read_by", models.TextField(null=True)),
            ],
            options={
                "verbose_name": "inbox entry",
                "verbose_name_plural": "inbox (my events)",
                "db_table": "event_read",
                "ordering": ["read_at", "-event_id"],
                "managed": False,
            },
        ),
    ]
