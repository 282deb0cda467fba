from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("queuegov", "0015_rules_explained"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        RunSQLFile("queuegov/0016_role_grant.sql"),
    ]
