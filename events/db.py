"""The SQL the event substrate calls, run through the gateway (queuegov.gateway)."""

from __future__ import annotations

import json
from typing import Any

from queuegov.gateway import call, row, rows


def emit(
    event_type: str,
    subject_table: str | None = None,
    subject_ref: str | None = None,
    payload: dict[str, Any] | None = None,
    *,
    severity: str | None = None,
    correlation_id: str | None = None,
    causation_id: str | None = None,
) -> dict[str, Any]:
    """fn_event_emit: ``{"status": "emitted" | "duplicate" | "gate_closed", "event_id": …}``."""
    return call(
        "SELECT fn_event_emit(p_event_type => %s, p_subject_table => %s, p_subject_ref => %s, p_payload => %s::jsonb, "
        "p_severity => %s, p_correlation_id => %s, p_causation_id => %s)",
        [event_type, subject_table, subject_ref, json.dumps(payload or {}), severity, correlation_id, causation_id],
    )


def capture(
    event_type: str,
    subject_table: str | None = None,
    subject_ref: str | None = None,
    payload: dict[str, Any] | None = None,
    *,
    correlation_id: str | None = None,
    source_document_ref: str | None = None,
    import_batch_ref: str | None = None,
) -> int:
    """fn_event_capture (L1): one row in event_pending; returns its id."""
    return int(
        call(
            "SELECT fn_event_capture(p_event_type => %s, p_subject_table => %s, p_subject_ref => %s, "
            "p_payload => %s::jsonb, p_correlation_id => %s, p_source_document_ref => %s, p_import_batch_ref => %s)",
            [
                event_type,
                subject_table,
                subject_ref,
                json.dumps(payload or {}),
                correlation_id,
                source_document_ref,
                import_batch_ref,
            ],
        )
    )


def pending_process(batch_size: int = 1000) -> dict[str, Any]:
    return call("SELECT fn_event_pending_process(%s)", [batch_size])


def route_worker_run(worker_name: str, batch_size: int = 100) -> dict[str, Any]:
    return call("SELECT fn_iu_route_worker_run(%s, %s)", [worker_name, batch_size])


def deliver(batch_size: int = 1000) -> dict[str, Any]:
    return call("SELECT fn_event_deliver(%s)", [batch_size])


def ensure_partitions(months_ahead: int = 3) -> dict[str, Any]:
    return call("SELECT fn_event_outbox_ensure_partitions(%s)", [months_ahead])


def route_worker_names() -> list[str]:
    return [
        name for (name,) in rows("SELECT DISTINCT worker_name FROM iu_route_worker_cursor WHERE enabled ORDER BY 1")
    ]


def route_worker_domains(worker_names: list[str]) -> list[str]:
    return [
        domain
        for (domain,) in rows(
            "SELECT DISTINCT event_domain FROM iu_route_worker_cursor WHERE worker_name = ANY(%s::text[]) ORDER BY 1",
            [worker_names],
        )
    ]


def mark_read(inbox_ids: list[int]) -> dict[str, Any]:
    return call("SELECT fn_event_mark_read(%s::bigint[])", [inbox_ids])


def subscribe(
    event_type: str | None,
    event_domain: str | None,
    event_stream: str | None,
    recipient_kind: str,
    recipient_ref: str,
    note: str,
) -> dict[str, Any]:
    return call(
        "SELECT fn_event_subscribe(%s, %s, %s, %s, %s, %s)",
        [event_type, event_domain, event_stream, recipient_kind, recipient_ref, note],
    )


def subscription_set_enabled(subscription_id: int, enabled: bool) -> dict[str, Any]:
    return call("SELECT fn_event_subscription_set_enabled(%s, %s)", [subscription_id, enabled])


def route_set(route_id: int, enabled: bool, dry_run: bool, reason: str) -> dict[str, Any]:
    return call("SELECT fn_iu_outbound_route_set(%s, %s, %s, %s)", [route_id, enabled, dry_run, reason])


def route_dead_letter_triage(dead_letter_id: int, triage_status: str, note: str) -> dict[str, Any]:
    return call("SELECT fn_iu_route_dead_letter_triage(%s, %s, %s)", [dead_letter_id, triage_status, note])


def route_dead_letter_replay(dead_letter_id: int, reason: str) -> dict[str, Any]:
    return call("SELECT fn_iu_route_dead_letter_replay(%s, %s)", [dead_letter_id, reason])


def cursor_lag(cursor_id: int, cap: int = 100_000) -> int:
    """Events past one route cursor, in its commit-safe order, counted up to ``cap``."""
    found = row(
        "SELECT fn_capped_count(format('SELECT 1 FROM event_outbox WHERE event_domain = %%L "
        "AND (tx_id, id) > (%%L::xid8, %%s)', c.event_domain, c.last_tx_id, c.last_event_id), %s) "
        "FROM iu_route_worker_cursor c WHERE c.id = %s",
        [cap, cursor_id],
    )
    return int(found[0]) if found else 0


def event_type_set_status(event_type: str, status: str, reason: str) -> dict[str, Any]:
    return call("SELECT fn_event_type_set_status(%s, %s, %s)", [event_type, status, reason])


def problem_raise(problem: str, subject_table: str | None, subject_ref: str | None, detail: dict[str, Any]) -> int:
    """fn_governance_problem_raise: a governance.problem.raised event; answers its id."""
    return int(
        call(
            "SELECT fn_governance_problem_raise(%s, %s, %s, %s::jsonb)",
            [problem, subject_table, subject_ref, json.dumps(detail, default=str)],
        )
    )


def route_create(
    route_name: str,
    event_type: str,
    action_kind: str,
    target: str,
    target_queue: str | None,
    description: str,
    retry_policy: str | None,
    ordered_per_subject: bool,
) -> dict[str, Any]:
    """fn_iu_outbound_route_create: born disabled and dry-run, with its gate OFF."""
    return call(
        "SELECT fn_iu_outbound_route_create(%s, %s, %s, %s, %s, %s, %s, %s)",
        [route_name, event_type, action_kind, target, target_queue, description, retry_policy, ordered_per_subject],
    )


def route_target_register(function_name: str, description: str) -> dict[str, Any]:
    return call("SELECT fn_iu_route_target_register(%s, %s)", [function_name, description])


def route_target_retire(function_name: str, reason: str) -> dict[str, Any]:
    return call("SELECT fn_iu_route_target_retire(%s, %s)", [function_name, reason])


def event_type_register(
    event_type: str,
    event_stream: str,
    delivery_lane: str,
    default_severity: str | None,
    description: str,
    producer_ref: str,
    rubric: dict[str, str],
) -> dict[str, Any]:
    return call(
        "SELECT fn_event_type_register(%s, %s, %s, %s, %s, %s, %s::jsonb)",
        [event_type, event_stream, delivery_lane, default_severity, description, producer_ref, json.dumps(rubric)],
    )


def event_producer_register(producer_ref: str, description: str) -> dict[str, Any]:
    return call("SELECT fn_event_producer_register(%s, %s)", [producer_ref, description])


def route_worker_cursor_add(worker_name: str, event_domain: str, reason: str, from_start: bool) -> dict[str, Any]:
    return call("SELECT fn_iu_route_worker_cursor_add(%s, %s, %s, %s)", [worker_name, event_domain, reason, from_start])


def event_type_rubric() -> dict[str, str]:
    """The inclusion rubric's questions in order, as the database keeps them (fn_event_type_rubric)."""
    return dict(rows("SELECT question_key, question FROM fn_event_type_rubric() ORDER BY question_no"))


def event_type_activation_problems(event_type: str) -> list[str]:
    """What keeps a type from being active (empty: ready)."""
    found = row("SELECT fn_event_type_activation_problems(%s)", [event_type])
    return list(found[0]) if found else []
