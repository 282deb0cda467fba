from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0007_enqueue_fast_path"),
        ("queuegov", "0010_trust_boundary"),
    ]

    operations = [
        RunSQLFile("jobs/0008_trust_boundary.sql"),
    ]
