"""Install the pgtrigger triggers declared on staging models (queuegov.triggers)."""

import pgtrigger.compiler
import queuegov.triggers
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("staging", "0004_cleanup"),
    ]

    operations = [
        queuegov.triggers.AddTrigger(
            model_name="commandrun",
            trigger=pgtrigger.compiler.Trigger(
                name="iu_command_run_no_delete",
                sql=queuegov.triggers.StrictUpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot delete rows from % table', TG_TABLE_NAME;",
                    hash="a99cf44a8543862d9d9cddb535653e17c33736d2",
                    operation="DELETE",
                    pgid="pgtrigger_iu_command_run_no_delete_05fdf",
                    table="dot_iu_command_run",
                    when="BEFORE",
                ),
            ),
        ),
        queuegov.triggers.AddTrigger(
            model_name="commandrun",
            trigger=pgtrigger.compiler.Trigger(
                name="iu_command_run_finished_immutable",
                sql=queuegov.triggers.StrictUpsertTriggerSql(
                    condition='WHEN (OLD."finished_at" IS NOT NULL)',
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update rows from % table', TG_TABLE_NAME;",
                    hash="c1bc8552726be3a741e95dcae3d1c27307c9c6b2",
                    operation="UPDATE",
                    pgid="pgtrigger_iu_command_run_finished_immutable_8aaaa",
                    table="dot_iu_command_run",
                    when="BEFORE",
                ),
            ),
        ),
        queuegov.triggers.AddTrigger(
            model_name="stagingrecord",
            trigger=pgtrigger.compiler.Trigger(
                name="iu_staging_lifecycle_fsm",
                sql=queuegov.triggers.StrictUpsertTriggerSql(
                    declare="DECLARE _is_valid_transition BOOLEAN;",
                    func='SELECT CONCAT(OLD."lifecycle_status", \':\', NEW."lifecycle_status") = ANY(\'{pending_review:approved,pending_review:rejected,pending_review:expired,approved:consumed,approved:rejected,approved:expired,consumed:cleaned,expired:cleaned,rejected:cleaned,cleaned:archived}\'::text[]) INTO _is_valid_transition; IF (_is_valid_transition IS FALSE AND OLD."lifecycle_status" IS DISTINCT FROM NEW."lifecycle_status") THEN RAISE EXCEPTION \'pgtrigger: Invalid transition of field "lifecycle_status" from "%" to "%" on table %\', OLD."lifecycle_status", NEW."lifecycle_status", TG_TABLE_NAME; ELSE RETURN NEW; END IF;',
                    hash="e39f6c56a823dfa1f0079faeefbbe5c4a11307f8",
                    operation="UPDATE",
                    pgid="pgtrigger_iu_staging_lifecycle_fsm_e7547",
                    table="iu_staging_record",
                    when="BEFORE",
                ),
            ),
        ),
        queuegov.triggers.AddTrigger(
            model_name="stagingrecord",
            trigger=pgtrigger.compiler.Trigger(
                name="iu_staging_record_born_pending",
                sql=queuegov.triggers.StrictUpsertTriggerSql(
                    condition="WHEN (NEW.\"lifecycle_status\" IS DISTINCT FROM 'pending_review')",
                    func="RAISE EXCEPTION 'pgtrigger: Cannot insert rows from % table', TG_TABLE_NAME;",
                    hash="3b1734e9ac426e3e6896a9be65ed32e07374a655",
                    operation="INSERT",
                    pgid="pgtrigger_iu_staging_record_born_pending_3c6ca",
                    table="iu_staging_record",
                    when="BEFORE",
                ),
            ),
        ),
        queuegov.triggers.AddTrigger(
            model_name="stagingrecord",
            trigger=pgtrigger.compiler.Trigger(
                name="iu_staging_record_marked_immutable",
                sql=queuegov.triggers.StrictUpsertTriggerSql(
                    condition='WHEN (OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."idempotency_key" IS DISTINCT FROM (NEW."idempotency_key") OR OLD."content_hash" IS DISTINCT FROM (NEW."content_hash") OR OLD."source_kind" IS DISTINCT FROM (NEW."source_kind") OR OLD."source_ref" IS DISTINCT FROM (NEW."source_ref") OR OLD."source_hash" IS DISTINCT FROM (NEW."source_hash") OR OLD."source_bytes" IS DISTINCT FROM (NEW."source_bytes") OR OLD."doc_code" IS DISTINCT FROM (NEW."doc_code") OR OLD."piece_count" IS DISTINCT FROM (NEW."piece_count") OR OLD."digest" IS DISTINCT FROM (NEW."digest") OR OLD."vector_excluded" IS DISTINCT FROM (NEW."vector_excluded") OR OLD."marked_by" IS DISTINCT FROM (NEW."marked_by") OR OLD."marked_at" IS DISTINCT FROM (NEW."marked_at") OR OLD."expires_at" IS DISTINCT FROM (NEW."expires_at"))',
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update rows from % table', TG_TABLE_NAME;",
                    hash="fe9cdb4cc08fdb554e025172f3e23460d1e47a4c",
                    operation="UPDATE",
                    pgid="pgtrigger_iu_staging_record_marked_immutable_7b17d",
                    table="iu_staging_record",
                    when="BEFORE",
                ),
            ),
        ),
        queuegov.triggers.AddTrigger(
            model_name="stagingrecord",
            trigger=pgtrigger.compiler.Trigger(
                name="iu_staging_record_no_delete",
                sql=queuegov.triggers.StrictUpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot delete rows from % table', TG_TABLE_NAME;",
                    hash="3c1c06a02ee8c41b57e34ecbf9771354233d8652",
                    operation="DELETE",
                    pgid="pgtrigger_iu_staging_record_no_delete_6faa7",
                    table="iu_staging_record",
                    when="BEFORE",
                ),
            ),
        ),
        queuegov.triggers.AddTrigger(
            model_name="stagingpayload",
            trigger=pgtrigger.compiler.Trigger(
                name="iu_staging_payload_immutable",
                sql=queuegov.triggers.StrictUpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update rows from % table', TG_TABLE_NAME;",
                    hash="47213063c6a31971c0fc3df818b2aa2d631ed7ba",
                    operation="UPDATE",
                    pgid="pgtrigger_iu_staging_payload_immutable_b1577",
                    table="iu_staging_payload",
                    when="BEFORE",
                ),
            ),
        ),
        queuegov.triggers.AddTrigger(
            model_name="lifecyclelog",
            trigger=pgtrigger.compiler.Trigger(
                name="iu_lifecycle_log_append_only",
                sql=queuegov.triggers.StrictUpsertTriggerSql(
                    func="RAISE EXCEPTION 'append_only: % on % is refused; the table is append-only', TG_OP, TG_TABLE_NAME USING ERRCODE = 'QG006';",
                    hash="846c063ee9c257c1f3d4cfaff77adfc3b07bcc68",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_iu_lifecycle_log_append_only_e7ddf",
                    table="iu_lifecycle_log",
                    when="BEFORE",
                ),
            ),
        ),
    ]
