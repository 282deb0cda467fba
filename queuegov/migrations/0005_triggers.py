"""Install the pgtrigger triggers declared on queuegov models (queuegov.triggers)."""

import pgtrigger.compiler
import queuegov.triggers
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("queuegov", "0004_gate_change"),
    ]

    operations = [
        queuegov.triggers.AddTrigger(
            model_name="dotconfig",
            trigger=pgtrigger.compiler.Trigger(
                name="dot_config_four_eyes_only",
                sql=queuegov.triggers.StrictUpsertTriggerSql(
                    func="\n        IF TG_OP <> 'UPDATE' THEN\n            RAISE EXCEPTION 'official_interface: % on dot_config is refused; keys come from migrations', TG_OP\n                USING ERRCODE = 'QG006';\n        END IF;\n        IF (NEW.key, NEW.kind, NEW.value_type, NEW.min_value, NEW.max_value, NEW.description)\n           IS DISTINCT FROM (OLD.key, OLD.kind, OLD.value_type, OLD.min_value, OLD.max_value, OLD.description) THEN\n            RAISE EXCEPTION 'official_interface: the definition of % changes only by migration', OLD.key\n                USING ERRCODE = 'QG006';\n        END IF;\n        IF NOT EXISTS (\n            SELECT 1 FROM gate_change_request r\n            WHERE r.id = nullif(current_setting('queuegov.gate_change_request_id', true), '')::bigint\n              AND r.status = 'pending' AND r.config_key = NEW.key AND r.new_value = NEW.value\n              AND r.requested_by IS DISTINCT FROM nullif(current_setting('queuegov.actor', true), '')\n        ) THEN\n            RAISE EXCEPTION 'four_eyes: % changes only through fn_gate_change_approve of a pending request %',\n                NEW.key, 'filed by someone else' USING ERRCODE = 'QG002';\n        END IF;\n        RETURN NEW;\n    ",
                    hash="4e41fe85e055316632e13673341f68059ee63844",
                    operation="INSERT OR UPDATE OR DELETE",
                    pgid="pgtrigger_dot_config_four_eyes_only_b6044",
                    table="dot_config",
                    when="BEFORE",
                ),
            ),
        ),
        queuegov.triggers.AddTrigger(
            model_name="dotconfig",
            trigger=pgtrigger.compiler.Trigger(
                name="dot_config_no_truncate",
                sql=queuegov.triggers.StrictUpsertTriggerSql(
                    func="RAISE EXCEPTION 'append_only: % on % is refused; the table is append-only', TG_OP, TG_TABLE_NAME USING ERRCODE = 'QG006';",
                    hash="7344e6f1f43666d65e1e9ceed4e2ae255682c785",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_dot_config_no_truncate_cbd54",
                    table="dot_config",
                    when="BEFORE",
                ),
            ),
        ),
        queuegov.triggers.AddTrigger(
            model_name="dotconfighistory",
            trigger=pgtrigger.compiler.Trigger(
                name="config_history_append_only",
                sql=queuegov.triggers.StrictUpsertTriggerSql(
                    func="RAISE EXCEPTION 'append_only: % on % is refused; the table is append-only', TG_OP, TG_TABLE_NAME USING ERRCODE = 'QG006';",
                    hash="f1a977e28e7b230da92cc49cee2ece4b2f72e2d1",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_config_history_append_only_3bbb3",
                    table="dot_config_history",
                    when="BEFORE",
                ),
            ),
        ),
        queuegov.triggers.AddTrigger(
            model_name="dotconfighistory",
            trigger=pgtrigger.compiler.Trigger(
                name="config_history_no_truncate",
                sql=queuegov.triggers.StrictUpsertTriggerSql(
                    func="RAISE EXCEPTION 'append_only: % on % is refused; the table is append-only', TG_OP, TG_TABLE_NAME USING ERRCODE = 'QG006';",
                    hash="de73a518604c3bb40b7d4147198fd82ec5ad8121",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_config_history_no_truncate_8ae14",
                    table="dot_config_history",
                    when="BEFORE",
                ),
            ),
        ),
        queuegov.triggers.AddTrigger(
            model_name="gatechangerequest",
            trigger=pgtrigger.compiler.Trigger(
                name="gate_change_status_fsm",
                sql=queuegov.triggers.StrictUpsertTriggerSql(
                    declare="DECLARE _is_valid_transition BOOLEAN;",
                    func='SELECT CONCAT(OLD."status", \':\', NEW."status") = ANY(\'{pending:applied,pending:rejected,pending:withdrawn}\'::text[]) INTO _is_valid_transition; IF (_is_valid_transition IS FALSE AND OLD."status" IS DISTINCT FROM NEW."status") THEN RAISE EXCEPTION \'pgtrigger: Invalid transition of field "status" from "%" to "%" on table %\', OLD."status", NEW."status", TG_TABLE_NAME; ELSE RETURN NEW; END IF;',
                    hash="d02617671751d1a313b3054224730e82723cdc42",
                    operation="UPDATE",
                    pgid="pgtrigger_gate_change_status_fsm_5af16",
                    table="gate_change_request",
                    when="BEFORE",
                ),
            ),
        ),
        queuegov.triggers.AddTrigger(
            model_name="gatechangerequest",
            trigger=pgtrigger.compiler.Trigger(
                name="gate_change_request_immutable",
                sql=queuegov.triggers.StrictUpsertTriggerSql(
                    condition='WHEN (OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."config_key" IS DISTINCT FROM (NEW."config_key") OR OLD."old_value" IS DISTINCT FROM (NEW."old_value") OR OLD."new_value" IS DISTINCT FROM (NEW."new_value") OR OLD."reason" IS DISTINCT FROM (NEW."reason") OR OLD."requested_by" IS DISTINCT FROM (NEW."requested_by") OR OLD."requested_at" IS DISTINCT FROM (NEW."requested_at"))',
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update rows from % table', TG_TABLE_NAME;",
                    hash="461ae88e97510c3c5c55b65401322a4bf8410508",
                    operation="UPDATE",
                    pgid="pgtrigger_gate_change_request_immutable_1f9ec",
                    table="gate_change_request",
                    when="BEFORE",
                ),
            ),
        ),
        queuegov.triggers.AddTrigger(
            model_name="gatechangerequest",
            trigger=pgtrigger.compiler.Trigger(
                name="gate_change_request_no_delete",
                sql=queuegov.triggers.StrictUpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot delete rows from % table', TG_TABLE_NAME;",
                    hash="b184d45c1d31d6852db7fcd74f559c2cccef6c31",
                    operation="DELETE",
                    pgid="pgtrigger_gate_change_request_no_delete_e9b9f",
                    table="gate_change_request",
                    when="BEFORE",
                ),
            ),
        ),
        queuegov.triggers.AddTrigger(
            model_name="gatechangerequest",
            trigger=pgtrigger.compiler.Trigger(
                name="gate_change_request_born_pending",
                sql=queuegov.triggers.StrictUpsertTriggerSql(
                    condition="WHEN (NEW.\"status\" IS DISTINCT FROM 'pending')",
                    func="RAISE EXCEPTION 'pgtrigger: Cannot insert rows from % table', TG_TABLE_NAME;",
                    hash="d8481729be3a7c9a46969f85d56c3a92e3a300ed",
                    operation="INSERT",
                    pgid="pgtrigger_gate_change_request_born_pending_7a81b",
                    table="gate_change_request",
                    when="BEFORE",
                ),
            ),
        ),
        queuegov.triggers.AddTrigger(
            model_name="gatechangerequest",
            trigger=pgtrigger.compiler.Trigger(
                name="gate_change_request_no_truncate",
                sql=queuegov.triggers.StrictUpsertTriggerSql(
                    func="RAISE EXCEPTION 'append_only: % on % is refused; the table is append-only', TG_OP, TG_TABLE_NAME USING ERRCODE = 'QG006';",
                    hash="c0475b45411a8f19ea99c5429b1394fea9c12a79",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_gate_change_request_no_truncate_587e3",
                    table="gate_change_request",
                    when="BEFORE",
                ),
            ),
        ),
        queuegov.triggers.AddTrigger(
            model_name="adminactionaudit",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_append_only",
                sql=queuegov.triggers.StrictUpsertTriggerSql(
                    func="RAISE EXCEPTION 'append_only: % on % is refused; the table is append-only', TG_OP, TG_TABLE_NAME USING ERRCODE = 'QG006';",
                    hash="b08c1c0359ff05eb38b494a56cf2bea6d74e8a77",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_audit_append_only_ca27b",
                    table="admin_action_audit",
                    when="BEFORE",
                ),
            ),
        ),
        queuegov.triggers.AddTrigger(
            model_name="adminactionaudit",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_no_truncate",
                sql=queuegov.triggers.StrictUpsertTriggerSql(
                    func="RAISE EXCEPTION 'append_only: % on % is refused; the table is append-only', TG_OP, TG_TABLE_NAME USING ERRCODE = 'QG006';",
                    hash="ce5c100c4f8e4fda903858471ffa46516660699c",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_audit_no_truncate_a2402",
                    table="admin_action_audit",
                    when="BEFORE",
                ),
            ),
        ),
    ]
