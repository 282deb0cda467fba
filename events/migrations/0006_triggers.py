"""Install the pgtrigger triggers declared on events models (queuegov.triggers)."""

import pgtrigger.compiler
import queuegov.triggers
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0005_trigger_in"),
    ]

    operations = [
        queuegov.triggers.AddTrigger(
            model_name="routedeadletter",
            trigger=pgtrigger.compiler.Trigger(
                name="route_dead_letter_triage_fsm",
                sql=queuegov.triggers.StrictUpsertTriggerSql(
                    declare="DECLARE _is_valid_transition BOOLEAN;",
                    func='SELECT CONCAT(OLD."triage_status", \':\', NEW."triage_status") = ANY(\'{open:manual_replay,open:discarded,manual_replay:open,manual_replay:discarded,manual_replay:replayed,discarded:open}\'::text[]) INTO _is_valid_transition; IF (_is_valid_transition IS FALSE AND OLD."triage_status" IS DISTINCT FROM NEW."triage_status") THEN RAISE EXCEPTION \'pgtrigger: Invalid transition of field "triage_status" from "%" to "%" on table %\', OLD."triage_status", NEW."triage_status", TG_TABLE_NAME; ELSE RETURN NEW; END IF;',
                    hash="0bf5420101d23344037b619fd043107dcfcd9057",
                    operation="UPDATE",
                    pgid="pgtrigger_route_dead_letter_triage_fsm_39413",
                    table="iu_route_dead_letter",
                    when="BEFORE",
                ),
            ),
        ),
    ]
