"""Raw SQL of the governance app: the only place it calls its SQL functions."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection


def _json(value: Any) -> Any:
    # Django's psycopg 3 connection returns json/jsonb as str from raw cursors.
    return json.loads(value) if isinstance(value, str) else value


def gate_change_request(key: str, new_value: Any, reason: str) -> int:
    """File a change request; returns its id (fn_gate_change_request)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT fn_gate_change_request(%s, %s::jsonb, %s)", [key, json.dumps(new_value), reason])
        return int(cursor.fetchone()[0])


_DECISIONS = {
    "approve": "fn_gate_change_approve",
    "reject": "fn_gate_change_reject",
    "withdraw": "fn_gate_change_withdraw",
}


def gate_change_decide(verb: str, request_id: int, reason: str) -> dict[str, Any]:
    """Approve, reject or withdraw a request (fn_gate_change_<verb>)."""
    function = _DECISIONS[verb]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [request_id, reason])
        return _json(cursor.fetchone()[0])


def audit_record(
    *,
    action: str,
    outcome: str,
    target_table: str | None,
    target_ids: list[str],
    reason: str | None,
    before: Any,
    after: Any,
    detail: str | None,
) -> int:
    """Audit an attempt refused or failed before its SQL function applied it (fn_audit_record).

    The actor and request metadata come from the actor context; applied acts
    are audited by the function that applies them.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT fn_audit_record(%s, %s, %s, %s::text[], %s, %s::jsonb, %s::jsonb, %s)",
            [
                action,
                outcome,
                target_table,
                target_ids,
                reason,
                None if before is None else json.dumps(before, default=str),
                None if after is None else json.dumps(after, default=str),
                detail,
            ],
        )
        return int(cursor.fetchone()[0])


def forget_audit_id() -> None:
    """Blank the id of the last audit row written in this transaction (before an act)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('queuegov.audit_last_id', '', true)")


def last_audit_id() -> int | None:
    """The audit row the last governed SQL function wrote in this transaction, if any."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nullif(current_setting('queuegov.audit_last_id', true), '')::bigint")
        value = cursor.fetchone()[0]
    return None if value is None else int(value)


def audit_outcome(audit_id: int) -> tuple[str, str | None]:
    """The outcome and detail the database recorded for an act."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT outcome, detail FROM admin_action_audit WHERE id = %s", [audit_id])
        outcome, detail = cursor.fetchone()
    return outcome, detail


def audit_verify() -> dict[str, Any]:
    """The audit chain's verdict (fn_audit_verify): ``ok`` with the head hash, or the first broken link."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT fn_audit_verify()")
        return _json(cursor.fetchone()[0])


def config_value_at(key: str, at: Any) -> Any:
    """The value ``key`` had at time ``at`` (fn_config_value_at)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT fn_config_value_at(%s, %s)", [key, at])
        return _json(cursor.fetchone()[0])


def vocabulary() -> dict[str, list[str]]:
    """The allowed values of each vocabulary, read from the DOMAIN definitions."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT vocabulary, allowed FROM fn_vocabulary()")
        return {name: list(allowed) for name, allowed in cursor.fetchall()}
