"""Install the pgtrigger triggers declared on queuegov models (queuegov.triggers)."""

import pgtrigger.compiler
import queuegov.triggers
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("queuegov", "0016_role_grant"),
    ]

    operations = [
        queuegov.triggers.RemoveTrigger(
            model_name="dotconfig",
            name="dot_config_four_eyes_only",
        ),
        queuegov.triggers.AddTrigger(
            model_name="dotconfig",
            trigger=pgtrigger.compiler.Trigger(
                name="dot_config_four_eyes_only",
                sql=queuegov.triggers.StrictUpsertTriggerSql(
                    func="\n        IF TG_OP <> 'DELETE' AND NEW.key = current_setting('queuegov.subject_gate', true)\n           AND NEW.key ~ '^event[.](outbound_route|type)[.]' AND NEW.kind = 'gate' AND NEW.value = 'false'::jsonb\n           AND (TG_OP = 'INSERT' OR (OLD.key = NEW.key AND OLD.kind = 'gate')) THEN\n            RETURN NEW;\n        END IF;\n        IF TG_OP <> 'UPDATE' THEN\n            RAISE EXCEPTION 'official_interface: % on dot_config is refused; keys come from migrations', TG_OP\n                USING ERRCODE = 'QG006';\n        END IF;\n        IF (NEW.key, NEW.kind, NEW.value_type, NEW.min_value, NEW.max_value, NEW.description)\n           IS DISTINCT FROM (OLD.key, OLD.kind, OLD.value_type, OLD.min_value, OLD.max_value, OLD.description) THEN\n            RAISE EXCEPTION 'official_interface: the definition of % changes only by migration', OLD.key\n                USING ERRCODE = 'QG006';\n        END IF;\n        IF NOT EXISTS (\n            SELECT 1 FROM gate_change_request r\n            WHERE r.id = nullif(current_setting('queuegov.gate_change_request_id', true), '')::bigint\n              AND r.status = 'pending' AND r.config_key = NEW.key AND r.new_value = NEW.value\n              AND r.requested_by IS DISTINCT FROM fn_actor()\n        ) THEN\n            RAISE EXCEPTION 'four_eyes: % changes only through fn_gate_change_approve of a pending request %',\n                NEW.key, 'filed by someone else' USING ERRCODE = 'QG002';\n        END IF;\n        RETURN NEW;\n    ",
                    hash="4f41e60cb219075e2568ce34e71db98437e55a17",
                    operation="INSERT OR UPDATE OR DELETE",
                    pgid="pgtrigger_dot_config_four_eyes_only_b6044",
                    table="dot_config",
                    when="BEFORE",
                ),
            ),
        ),
    ]
