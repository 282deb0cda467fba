"""Install the governance triggers declared in queuegov.models (see queuegov.triggers)."""

import pgtrigger.compiler
from django.db import migrations

import queuegov.triggers


class Migration(migrations.Migration):
    dependencies = [
        ("queuegov", "0004_gate_change"),
    ]

    operations = [
        queuegov.triggers.AddTrigger(
            model_name="dotconfig",
            trigger=pgtrigger.compiler.Trigger(
                name="dot_config_official_interface",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (COALESCE(current_setting('queuegov.official_interface', true), '') <> 'dot_config')",
                    func="RAISE EXCEPTION 'pgtrigger: Cannot insert or update or delete rows from % table', TG_TABLE_NAME;",
                    hash="c0f8b65913a030989ec741ad0ce2c1813672a6de",
                    operation="INSERT OR UPDATE OR DELETE",
                    pgid="pgtrigger_dot_config_official_interface_3c050",
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
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    declare="DECLARE _is_valid_transition BOOLEAN;",
                    func='SELECT CONCAT(OLD."status", \':\', NEW."status") = ANY(\'{pending:applied,pending:rejected,pending:withdrawn}\'::text[]) INTO _is_valid_transition; IF (_is_valid_transition IS FALSE AND OLD."status" IS DISTINCT FROM NEW."status") THEN RAISE EXCEPTION \'pgtrigger: Invalid transition of field "status" from "%" to "%" on table %\', OLD."status", NEW."status", TG_TABLE_NAME; ELSE RETURN NEW; END IF;',
                    hash="05ce4338151deca0f73df42d9f7787fe5f7840e3",
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
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition='WHEN (OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."config_key" IS DISTINCT FROM (NEW."config_key") OR OLD."old_value" IS DISTINCT FROM (NEW."old_value") OR OLD."new_value" IS DISTINCT FROM (NEW."new_value") OR OLD."reason" IS DISTINCT FROM (NEW."reason") OR OLD."requested_by" IS DISTINCT FROM (NEW."requested_by") OR OLD."requested_at" IS DISTINCT FROM (NEW."requested_at"))',
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update rows from % table', TG_TABLE_NAME;",
                    hash="4036019c8aafc4b9d2db69125a7a247040c226af",
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
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot delete rows from % table', TG_TABLE_NAME;",
                    hash="41d9f0fd998563c7f436964dd6e9be71bf4614f8",
                    operation="DELETE",
                    pgid="pgtrigger_gate_change_request_no_delete_e9b9f",
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
