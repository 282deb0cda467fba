"""Who may do what in the database: the declared privilege matrix (docs/security.md).

Every table, view, sequence and function of the schema is declared here, by
class. ``manage.py migrate`` applies exactly this (``apply``) after the
migrations, as the owner role, and tests/queuegov/test_privileges.py compares
the database with it: an object nobody declared fails the suite.

The owner role owns everything and is the trust root. The app role reads what
the admin shows and writes only through the SQL API; it reads and writes
Django's own tables as Django needs. The executor role may call the job API
and event emit/capture, nothing else. The auditor role reads everything except
session keys and password hashes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import transaction
from psycopg import sql

from queuegov.dbroles import role_names

# ---------------------------------------------------------------------------
# Function classes
# ---------------------------------------------------------------------------
EXECUTOR_API = "executor_api"  # the job API and event emit/capture: app and executors
APP_API = "app_api"  # governed acts, maintenance ticks, the admin's refusals: the app only
READER = "reader"  # read-only helpers (and what the views call): the app and auditors
RESOLVER = "resolver"  # who acts (fn_actor): every role may ask
INTERNAL = "internal"  # called only from the functions above (or migrations): the owner only

# Callable classes whose functions run as the owner (SECURITY DEFINER) with
# search_path pinned (pg_temp last).
DEFINER_CLASSES = (EXECUTOR_API, APP_API)

FUNCTIONS: dict[str, str] = {
    # --- the executors' API (docs/sql-api.md) --------------------------------
    "fn_job_enqueue": EXECUTOR_API,
    "fn_job_enqueue_many": EXECUTOR_API,
    "fn_job_claim": EXECUTOR_API,
    "fn_job_heartbeat": EXECUTOR_API,
    "fn_job_heartbeat_many": EXECUTOR_API,
    "fn_job_ack": EXECUTOR_API,
    "fn_job_ack_many": EXECUTOR_API,
    "fn_job_ack_many_and_claim": EXECUTOR_API,
    "fn_job_fail_or_retry": EXECUTOR_API,
    "fn_job_release_many": EXECUTOR_API,
    "fn_job_leases": EXECUTOR_API,
    "fn_job_cancel": EXECUTOR_API,  # an executor cancels only the jobs it enqueued
    "fn_job_cancel_many": EXECUTOR_API,
    "fn_queue_heartbeat_tick": EXECUTOR_API,
    "fn_event_emit": EXECUTOR_API,
    "fn_event_capture": EXECUTOR_API,
    # --- staging use cases (issue 16) ---
    "fn_iu_vector_sync_ack": EXECUTOR_API,  # the vector store's worker acknowledges its job
    "fn_iu_dot_command_run": EXECUTOR_API,  # a DOT executor runs its claimed dot.command job
    # --- workflows (issue 18) ---
    "fn_workflow_create": EXECUTOR_API,  # a workflow is created as its jobs are enqueued
    "fn_workflow_step_inputs": EXECUTOR_API,  # a step's job reads its dependencies' results
    "fn_workflow_add": EXECUTOR_API,  # a running step's job adds a workflow its dependents wait for
    "fn_workflow_cancel": APP_API,
    "fn_workflow_step_retry": APP_API,
    "fn_task_create": APP_API,
    "fn_task_act": APP_API,
    "fn_task_act_statuses": READER,  # which acts apply in which state (the console reads it)
    "fn_workflow_act_statuses": READER,  # which workflows cancel and which steps retry (the console reads it)
    "fn_task_overdue_tick": APP_API,
    "fn_message_post": APP_API,
    "fn_iu_staging_review_start": APP_API,  # the staging review as a workflow (docs/workflows.md)
    "fn_actor": RESOLVER,
    "fn_actor_required": RESOLVER,
    "fn_caller_names_actor": RESOLVER,
    "fn_caller_role": RESOLVER,
    "fn_db_role": RESOLVER,
    # --- governed acts (each audits itself) ---------------------------------
    "fn_gate_change_request": APP_API,
    "fn_role_grant": APP_API,
    "fn_gate_change_approve": APP_API,
    "fn_gate_change_reject": APP_API,
    "fn_gate_change_withdraw": APP_API,
    "fn_job_retry_now_many": APP_API,
    "fn_job_dead_letter_triage": APP_API,
    "fn_job_dead_letter_replay": APP_API,
    "fn_queue_register": APP_API,
    "fn_queue_pause": APP_API,
    "fn_queue_resume": APP_API,
    "fn_job_schedule_set_enabled": APP_API,
    "fn_consumer_register": APP_API,
    "fn_event_type_set_status": APP_API,
    "fn_event_subscribe": APP_API,
    "fn_event_subscription_set_enabled": APP_API,
    "fn_event_mark_read": APP_API,
    "fn_iu_route_dead_letter_triage": APP_API,
    "fn_iu_route_dead_letter_replay": APP_API,
    "fn_iu_outbound_route_set": APP_API,
    "fn_iu_outbound_route_create": APP_API,
    "fn_iu_route_target_register": APP_API,
    "fn_iu_route_target_retire": APP_API,
    "fn_event_type_register": APP_API,
    "fn_event_producer_register": APP_API,
    "fn_iu_route_worker_cursor_add": APP_API,
    "fn_iu_op_mark_file": APP_API,
    "fn_iu_op_verify_mark": APP_API,
    "fn_iu_op_reject": APP_API,
    "fn_iu_op_cut": APP_API,
    "fn_iu_op_verify_cut": APP_API,
    "fn_iu_op_cleanup": APP_API,
    "fn_iu_op_cleanup_dry_run": APP_API,
    "fn_audit_record": APP_API,  # refusals and failures only
    "fn_governance_problem_raise": APP_API,
    # --- maintenance (cron, schedules) --------------------------------------
    "fn_job_lease_reaper": APP_API,
    "fn_schedule_tick": APP_API,
    "fn_queue_stale_check": APP_API,
    "fn_job_task_kind_ensure": APP_API,  # django.tasks registers its task kinds (docs/executors.md)
    "fn_queue_metrics_sample": APP_API,
    "fn_queue_retention": APP_API,
    "fn_event_pending_process": APP_API,
    "fn_event_deliver": APP_API,
    "fn_event_outbox_ensure_partitions": APP_API,
    "fn_iu_route_worker_run": APP_API,
    "fn_iu_runtime_lease_acquire": APP_API,
    "fn_iu_runtime_lease_release": APP_API,
    # --- staging use cases (issue 16) ---
    "fn_iu_vector_sync_catch_up": APP_API,
    "fn_iu_puller_verify_new": APP_API,
    "fn_iu_puller_cleanup": APP_API,
    "fn_iu_puller_remind": APP_API,
    "fn_iu_dot_command_enqueue": APP_API,
    # --- readers -------------------------------------------------------------
    "fn_actor_context": READER,
    "fn_audit_verify": READER,
    "fn_capped_count": READER,
    "fn_estimated_rows": READER,
    "fn_job_attempt_history": READER,
    "fn_config_value_at": READER,
    "fn_config_validate": READER,
    "fn_cron_next": READER,
    "fn_cron_valid": READER,
    "fn_event_subscription_matches": READER,
    "fn_gate_open": READER,
    "fn_setting_int": READER,
    "fn_queue_health": READER,
    "fn_job_act_statuses": READER,
    "fn_vocabulary": READER,
    "fn_iu_mark_verdict": READER,
    "fn_iu_section_types": READER,
    "fn_iu_section_rank": READER,
    "fn_event_type_rubric": READER,
    "fn_event_type_activation_problems": READER,
    "fn_event_producer_problem": READER,
    "fn_iu_route_subject_key": READER,
    "fn_event_horizon": READER,
    "fn_iu_route_matches": READER,
    "fn_iu_route_job_spec": READER,
    # pure checks and lookups the readers, views and column DOMAINs call
    "fn_audit_row_hash": READER,
    "fn_cron_field": READER,
    "fn_cron_parse": READER,
    "fn_event_refs_checked": READER,
    "fn_gate_closed_result": READER,
    "fn_iu_axis_result": READER,
    "fn_iu_json_is_int": READER,
    "fn_iu_manifest_digest": READER,
    "fn_iu_manifest_pieces": READER,
    "fn_iu_pieces_canonical": READER,
    "fn_iu_vector_columns": READER,
    "fn_job_fence_refusal": READER,
    "fn_job_run_at_checked": READER,
    "fn_payload_assert_size": READER,
    "fn_payload_keys_refuse": READER,
    "fn_payload_keys_safe": READER,
    "fn_payload_prohibited_path": READER,
    "fn_payload_prohibited_keys": READER,
    "fn_payload_key_normalized": READER,
    "fn_payload_keys_pretest": READER,
    "fn_range_check": READER,
    "fn_range_refuse": READER,
    "fn_domain_range": READER,
    "fn_reason_checked": READER,
    "fn_retry_delay": READER,
    "fn_vocabulary_check": READER,
    "fn_gate_subject_ready": READER,  # fn_config_validate asks it
    "fn_job_kind_class": READER,
    "fn_event_type_ready": READER,
    "fn_iu_route_target_callable": READER,
    "fn_event_type_rubric_checked": READER,
    # --- internal: the rules behind the API, helpers, triggers ---------------
    **dict.fromkeys(
        (
            "_pgtrigger_should_ignore",
            "fn_act_audit",
            "fn_actor_governed",
            "fn_actor_unseal",
            "fn_audit_chain_link",
            "fn_audit_write",
            "fn_clock",
            "fn_config_guard_set",
            "fn_config_history_capture",
            "fn_consumer_register_unaudited",
            "fn_event_capture_trigger",
            "fn_event_mark_read_unaudited",
            "fn_event_pending_insert",
            "fn_event_subscribe_unaudited",
            "fn_event_subscription_set_enabled_unaudited",
            "fn_event_type_set_status_unaudited",
            "fn_executor_claim_queues",
            "fn_executor_claim_class",
            "fn_job_queue_stamp_class",
            "fn_iu_outbound_route_kind_check",
            "fn_consumer_class_follow",
            "fn_executor_login_register",
            "fn_gate_change_approve_unaudited",
            "fn_gate_change_decision_before",
            "fn_gate_change_lock_pending",
            "fn_gate_change_reject_unaudited",
            "fn_gate_change_request_unaudited",
            "fn_gate_change_withdraw_unaudited",
            "fn_iu_cut_from_manifest",
            "fn_iu_lifecycle_log_capture",
            "fn_iu_mark_create_manifest",
            "fn_iu_outbound_route_create_unaudited",
            "fn_iu_outbound_route_set_unaudited",
            "fn_iu_record_state",
            "fn_iu_reject_manifest",
            "fn_iu_route_dead_letter_replay_unaudited",
            "fn_iu_route_dead_letter_triage_unaudited",
            "fn_iu_route_cursor_run",
            "fn_iu_route_deliver",
            "fn_iu_route_dispatch",
            "fn_iu_route_record_attempt",
            "fn_iu_run_close",
            "fn_iu_run_open",
            "fn_iu_staging_capture",
            "fn_iu_staging_cleanup",
            "fn_iu_staging_payload_delete_guard",
            "fn_iu_staging_record_touch",
            "fn_iu_verify_cut_result",
            "fn_iu_verify_mark",
            "fn_job_ack_many_unbound",
            "fn_job_ack_unbound",
            "fn_job_cancel_many_unaudited",
            "fn_job_claim_unbound",
            "fn_job_claim_pick",
            "fn_job_dead_letter_replay_unaudited",
            "fn_job_dead_letter_triage_unaudited",
            "fn_job_enqueue_checked",
            "fn_job_enqueue_many_checked",
            "fn_job_fail_or_retry_unbound",
            "fn_job_heartbeat_many_unbound",
            "fn_job_kind_open_to_caller",
            "fn_job_heartbeat_unbound",
            "fn_job_attempt_required",
            "fn_job_lease_valid",
            "fn_job_leases_unbound",
            "fn_job_release_many_unbound",
            "fn_job_retry_now_many_unaudited",
            "fn_job_schedule_next_slot",
            "fn_job_schedule_set_enabled_unaudited",
            "fn_job_to_dead_letter",
            "fn_job_wake",
            "fn_payload_size_trigger",
            "fn_queue_heartbeat_tick_unbound",
            "fn_queue_pause_unaudited",
            "fn_queue_register_unaudited",
            "fn_queue_retention_unaudited",
            "fn_queue_resume_unaudited",
            "fn_registry_row_kept",
            "fn_sql_event_route_follow_gate",
            "fn_sql_event_route_register",
            # --- events use cases (issue 16) ---
            "fn_event_emit_check",
            "fn_event_emit_check_exact",
            "fn_event_emit_keyed",
            "fn_event_actor",
            "fn_event_pending_emit_batch",
            "fn_iu_route_deliver_set",
            "fn_iu_route_batch",
            "fn_event_capture_attach",
            "fn_event_refs_pass",
            "fn_gate_create",
            "fn_gate_open_locked",
            "fn_iu_outbound_route_escalates",
            "fn_iu_route_retry",
            "fn_iu_route_delivery_set",
            "fn_iu_route_target_register_unaudited",
            "fn_iu_route_target_retire_unaudited",
            "fn_iu_outbound_route_gate_key",
            "fn_iu_outbound_route_live_check",
            "fn_iu_outbound_route_follow_gate",
            "fn_event_type_register_unaudited",
            "fn_event_producer_register_unaudited",
            "fn_event_type_follow_gate",
            "fn_iu_route_worker_cursor_add_unaudited",
            "fn_worker_ref",
            # --- staging use cases (issue 16) ---
            "fn_iu_vector_sync_capture",
            "fn_iu_vector_sync_enqueue",
            "fn_iu_dot_command_enqueue_unaudited",
            "fn_iu_dot_command_on_queue",
            # --- workflows (issue 18) ---
            "fn_workflow_spec_check",
            "fn_workflow_spec_cycle",
            "fn_workflow_job_kind_check",
            "fn_workflow_insert",
            "fn_workflow_steps_start",
            "fn_workflow_step_finish",
            "fn_workflow_job_finished",
            "fn_workflow_cancel_unaudited",
            "fn_workflow_step_retry_unaudited",
            "fn_workflow_step_added_outcome",
            "fn_workflow_step_added_settle",
            "fn_task_spec_check",
            "fn_task_decidable",
            "fn_task_approval_apply",
            "fn_event_addressed",
            "fn_task_insert",
            "fn_task_is_assignee",
            "fn_task_locked",
            "fn_task_finished",
            "fn_message_recipients_checked",
            "fn_task_doers",
            "fn_subject_exists",
            "fn_assignee_unknown",
            "fn_task_subject_decided",
            "fn_task_subject_close",
        ),
        INTERNAL,
    ),
}
# pgtrigger's trigger functions (pgtrigger_<name>_<hash>) are internal too.
PGTRIGGER_FUNCTION_PREFIX = "pgtrigger_"

ROLES_BY_FUNCTION_CLASS: dict[str, tuple[str, ...]] = {
    EXECUTOR_API: ("app", "executor"),
    APP_API: ("app",),
    READER: ("app", "auditor"),
    RESOLVER: ("app", "executor", "auditor"),
    INTERNAL: (),
}

# ---------------------------------------------------------------------------
# Tables and views
# ---------------------------------------------------------------------------
ENGINE = "engine"  # the substrate: the app and auditors read it; only the owner writes
HIDDEN = "hidden"  # bookkeeping nobody but the owner reads
DJANGO = "django"  # Django's own tables: the app reads and writes them as Django needs
DJANGO_LEDGER = "django_ledger"  # django_migrations: written by migrate (the owner), read by all
DJANGO_SESSIONS = "django_sessions"  # django_session: the app only (session keys are credentials)

ENGINE_RELATIONS = (
    "admin_action_audit",
    "admin_action_audit_chain_head",
    "consumer_registry",
    "dot_config",
    "dot_config_history",
    "dot_iu_command_catalog",
    "dot_iu_command_run",
    "dot_iu_runtime_lease",
    "event_domain_registry",
    "event_outbox",
    "event_pending",
    "event_read",
    "event_subject_key",
    "event_subscription",
    "event_type_registry",
    "executor_class_registry",
    "executor_login",
    "gate_change_request",
    "idempotency_key",
    "information_unit",
    "iu_lifecycle_log",
    "iu_outbound_route",
    "iu_route_target",
    "event_producer_registry",
    "v_iu_event_backlog",
    "v_iu_route_dead_letter_open",
    "v_iu_composer_event_backlog",
    "v_dot_iu_command_run_health",
    "v_iu_auto_instantiate_event_summary",
    "iu_route_attempt",
    "iu_route_dead_letter",
    "iu_route_delivery",
    "iu_route_worker_cursor",
    "iu_sql_event_route",
    "iu_sql_event_route_dry_run_log",
    "iu_staging_payload",
    "iu_staging_record",
    "job_archive",
    "job_attempt",
    "job_attempt_history",
    "job_dead_letter",
    "job_queue",
    "job_schedule",
    "queue_heartbeat",
    "queue_metric_sample",
    "queue_state",
    "retry_policy_registry",
    "v_event_recipient",
    "v_queue_health",
    "v_orphaned_work",
    # --- staging use cases (issue 16) ---
    "iu_vector_sync_point",
    "v_iu_vector_sync_behind",
    "iu_staging_notice",
    # --- workflows (issue 18) ---
    "workflow",
    "workflow_step",
    "workflow_step_dependency",
    "human_task",
    "human_task_decision",
    "message_subject_registry",
    "subject_message",
)
HIDDEN_RELATIONS = ("actor_seal",)

TABLE_PRIVILEGES_BY_CLASS: dict[str, dict[str, tuple[str, ...]]] = {
    ENGINE: {"app": ("SELECT",), "auditor": ("SELECT",)},
    HIDDEN: {},
    DJANGO: {"app": ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE"), "auditor": ("SELECT",)},
    DJANGO_LEDGER: {"app": ("SELECT",), "auditor": ("SELECT",)},
    DJANGO_SESSIONS: {"app": ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")},
}
# Columns auditors may not read even where they read the table.
AUDITOR_HIDDEN_COLUMNS = {"auth_user": ("password",)}
# Sequences behind Django's tables: the app inserts rows (and its tests reset them).
DJANGO_SEQUENCE_PRIVILEGES = ("USAGE", "SELECT", "UPDATE")


def django_tables() -> dict[str, str]:
    """Django's own tables (managed models) by class."""
    tables = {m._meta.db_table: DJANGO for m in apps.get_models(include_auto_created=True) if m._meta.managed}
    tables["django_migrations"] = DJANGO_LEDGER
    tables["django_session"] = DJANGO_SESSIONS
    return tables


def relation_classes() -> dict[str, str]:
    """Every declared table and view by class (partitions follow their parent)."""
    return {
        **dict.fromkeys(ENGINE_RELATIONS, ENGINE),
        **dict.fromkeys(HIDDEN_RELATIONS, HIDDEN),
        **django_tables(),
    }


def function_class(name: str) -> str | None:
    if name.startswith(PGTRIGGER_FUNCTION_PREFIX):
        return INTERNAL
    return FUNCTIONS.get(name)


# ---------------------------------------------------------------------------
# Applying the matrix
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class SchemaObjects:
    relations: list[tuple[str, str, bool]]  # name, relkind, is a partition
    sequences: list[tuple[str, str | None]]  # name, the table it belongs to
    functions: list[tuple[str, str]]  # name, regprocedure


def schema_objects(cursor: Any) -> SchemaObjects:
    """Every table, view, sequence and function in ``public`` (extensions' excluded)."""
    cursor.execute(
        """
        SELECT c.relname::text, c.relkind::text, c.relispartition
          FROM pg_class c
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
         ORDER BY 1
        """
    )
    relations = [(name, kind, bool(part)) for name, kind, part in cursor.fetchall()]
    cursor.execute(
        """
        SELECT s.relname::text, t.relname::text
          FROM pg_class s
          LEFT JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
          LEFT JOIN pg_class t ON t.oid = d.refobjid
         WHERE s.relnamespace = 'public'::regnamespace AND s.relkind = 'S'
         ORDER BY 1
        """
    )
    sequences = [(name, table) for name, table in cursor.fetchall()]
    cursor.execute(
        """
        SELECT p.proname::text, p.oid::regprocedure::text
          FROM pg_proc p
         WHERE p.pronamespace = 'public'::regnamespace
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
         ORDER BY 1, 2
        """
    )
    functions = [(name, signature) for name, signature in cursor.fetchall()]
    return SchemaObjects(relations, sequences, functions)


def statements(cursor: Any) -> list[sql.Composable]:
    """The REVOKEs and GRANTs that make the database say what this module declares."""
    roles = role_names()
    grantees = [sql.Identifier(roles[p]) for p in ("app", "executor", "auditor")]
    others = sql.SQL(", ").join([sql.SQL("PUBLIC"), *grantees])
    found = schema_objects(cursor)
    out: list[sql.Composable] = [
        sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {}").format(others),
        sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {}").format(others),
        sql.SQL("REVOKE ALL ON ALL ROUTINES IN SCHEMA public FROM {}").format(others),
        # Functions created later are not executable by PUBLIC until declared here.
        sql.SQL("ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON ROUTINES FROM PUBLIC"),
    ]
    classes = relation_classes()
    for name, _kind, is_partition in found.relations:
        cls = classes.get(name)
        if cls is None or is_partition:
            continue
        for purpose, privileges in TABLE_PRIVILEGES_BY_CLASS[cls].items():
            hidden = AUDITOR_HIDDEN_COLUMNS.get(name) if purpose == "auditor" else None
            if hidden:
                cursor.execute(
                    "SELECT attname::text FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0"
                    " AND NOT attisdropped ORDER BY attnum",
                    [name],
                )
                columns = [c for (c,) in cursor.fetchall() if c not in hidden]
                out.append(
                    sql.SQL("GRANT SELECT ({}) ON {} TO {}").format(
                        sql.SQL(", ").join(map(sql.Identifier, columns)),
                        sql.Identifier(name),
                        sql.Identifier(roles[purpose]),
                    )
                )
                continue
            out.append(
                sql.SQL("GRANT {} ON {} TO {}").format(
                    sql.SQL(", ").join(map(sql.SQL, privileges)), sql.Identifier(name), sql.Identifier(roles[purpose])
                )
            )
    for name, table in found.sequences:
        if table is not None and classes.get(table) in (DJANGO, DJANGO_SESSIONS):
            out.append(
                sql.SQL("GRANT {} ON SEQUENCE {} TO {}").format(
                    sql.SQL(", ").join(map(sql.SQL, DJANGO_SEQUENCE_PRIVILEGES)),
                    sql.Identifier(name),
                    sql.Identifier(roles["app"]),
                )
            )
    for name, signature in found.functions:
        cls = function_class(name)
        for purpose in ROLES_BY_FUNCTION_CLASS.get(cls or INTERNAL, ()):
            out.append(
                sql.SQL("GRANT EXECUTE ON FUNCTION {} TO {}").format(sql.SQL(signature), sql.Identifier(roles[purpose]))
            )
    return out


def apply(connection: Any) -> int:
    """Make the database's privileges match the declaration; returns the statements run.

    Runs as the owner role (the migrate command sets it), in one transaction, so
    a running app never sees a privilege missing between the REVOKE and the GRANT.
    """
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        plan = statements(cursor)
        for statement in plan:
            cursor.execute(statement)
    return len(plan)
