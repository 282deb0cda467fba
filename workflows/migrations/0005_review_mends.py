from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0004_messages"),
    ]

    operations = [
        RunSQLFile("workflows/0005_review_mends.sql"),
    ]
