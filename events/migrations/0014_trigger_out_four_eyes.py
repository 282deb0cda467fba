from django.db import migrations

from queuegov.sqlfiles import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0013_routes_never_block"),
        ("queuegov", "0017_subject_gates_born_off"),
    ]

    operations = [
        RunSQLFile("events/0013_trigger_out_four_eyes.sql"),
    ]
