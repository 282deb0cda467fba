from django.db import migrations, models

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        RunSQLFile("queuegov/0001_vocabulary.sql"),
        migrations.CreateModel(
            name="EventDomainRegistry",
            fields=[
                ("event_domain", models.TextField(primary_key=True, serialize=False)),
                ("description", models.TextField()),
                ("default_audience", models.TextField()),
                ("status", models.TextField()),
                ("created_at", models.DateTimeField()),
                ("created_by", models.TextField()),
            ],
            options={
                "verbose_name": "event domain",
                "db_table": "event_domain_registry",
                "ordering": ["event_domain"],
                "managed": False,
            },
        ),
    ]
