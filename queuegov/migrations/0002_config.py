from django.db import migrations, models

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    initial = False

    dependencies = [
        ("queuegov", "0001_vocabulary"),
    ]

    operations = [
        RunSQLFile("queuegov/0002_config.sql"),
        migrations.CreateModel(
            name="DotConfig",
            fields=[
                ("key", models.TextField(primary_key=True, serialize=False)),
                ("value", models.JSONField()),
                ("kind", models.TextField()),
                ("value_type", models.TextField()),
                ("min_value", models.BigIntegerField(null=True)),
                ("max_value", models.BigIntegerField(null=True)),
                ("description", models.TextField()),
                ("updated_at", models.DateTimeField()),
                ("updated_by", models.TextField()),
            ],
            options={
                "verbose_name": "gate or setting",
                "verbose_name_plural": "gates and settings",
                "db_table": "dot_config",
                "ordering": ["kind", "key"],
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="DotConfigHistory",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("old_value", models.JSONField(null=True)),
                ("new_value", models.JSONField(null=True)),
                ("operation", models.TextField()),
                ("changed_at", models.DateTimeField()),
                ("changed_by", models.TextField()),
                ("gate_change_request_id", models.BigIntegerField(null=True)),
                ("request_id", models.TextField(null=True)),
                ("txid", models.BigIntegerField()),
            ],
            options={
                "verbose_name": "gate/setting history entry",
                "verbose_name_plural": "gate/setting history",
                "db_table": "dot_config_history",
                "ordering": ["-changed_at", "-id"],
                "managed": False,
            },
        ),
    ]
