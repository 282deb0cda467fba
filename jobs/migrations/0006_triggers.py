"""Install the pgtrigger triggers declared on jobs models (queuegov.triggers)."""

import pgtrigger.compiler
from django.db import migrations

import queuegov.triggers


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0005_heartbeats"),
    ]

    operations = [
        queuegov.triggers.AddTrigger(
            model_name="jobdeadletter",
            trigger=pgtrigger.compiler.Trigger(
                name="job_dead_letter_triage_fsm",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    declare="DECLARE _is_valid_transition BOOLEAN;",
                    func='SELECT CONCAT(OLD."triage_status", \':\', NEW."triage_status") = ANY(\'{open:manual_replay,open:discarded,manual_replay:open,manual_replay:discarded,manual_replay:replayed,discarded:open}\'::text[]) INTO _is_valid_transition; IF (_is_valid_transition IS FALSE AND OLD."triage_status" IS DISTINCT FROM NEW."triage_status") THEN RAISE EXCEPTION \'pgtrigger: Invalid transition of field "triage_status" from "%" to "%" on table %\', OLD."triage_status", NEW."triage_status", TG_TABLE_NAME; ELSE RETURN NEW; END IF;',
                    hash="4a28027638e7ea42254c5d81a9cfb0baed745a78",
                    operation="UPDATE",
                    pgid="pgtrigger_job_dead_letter_triage_fsm_c8bac",
                    table="job_dead_letter",
                    when="BEFORE",
                ),
            ),
        ),
    ]
