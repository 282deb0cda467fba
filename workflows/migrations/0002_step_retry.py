from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0001_workflows"),
    ]

    operations = [
        RunSQLFile("workflows/0002_step_retry.sql"),
        migrations.AlterModelOptions(
            name="workflow",
            options={
                "managed": False,
                "ordering": ("-id",),
                "permissions": [("cancel_workflow", "Can cancel running workflows")],
            },
        ),
        migrations.AlterModelOptions(
            name="workflowstep",
            options={
                "managed": False,
                "ordering": ("id",),
                "permissions": [("retry_workflowstep", "Can retry failed workflow steps")],
            },
        ),
    ]
