from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0007_added_workflows"),
    ]

    operations = [
        RunSQLFile("workflows/0008_human_work_review.sql"),
    ]
