from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0008_human_work_review"),
    ]

    operations = [
        RunSQLFile("workflows/0009_workflow_act_statuses.sql"),
    ]
