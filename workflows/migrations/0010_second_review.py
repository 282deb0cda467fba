from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0009_workflow_act_statuses"),
    ]

    operations = [
        RunSQLFile("workflows/0010_second_review.sql"),
    ]
