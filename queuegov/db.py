"""The SQL the governance core calls, run through the gateway (queuegov.gateway)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

from queuegov.gateway import call, execute, loads, plain_connection, row, rows


def gate_change_request(key: str, new_value: Any, reason: str) -> int:
    """File a change request; returns its id (fn_gate_change_request)."""
    return int(call("SELECT fn_gate_change_request(%s, %s::jsonb, %s)", [key, json.dumps(new_value), reason]))


_DECISIONS = {
    "approve": "fn_gate_change_approve",
    "reject": "fn_gate_change_reject",
    "withdraw": "fn_gate_change_withdraw",
}


def gate_change_decide(verb: str, request_id: int, reason: str) -> dict[str, Any]:
    """Approve, reject or withdraw a request (fn_gate_change_<verb>)."""
    function = _DECISIONS[verb]
    return call(f"SELECT {function}(%s, %s)", [request_id, reason])


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
    return int(
        call(
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
    )


def forget_audit_id() -> None:
    """Blank the id of the last audit row written in this transaction (before an act)."""
    execute("SELECT set_config('queuegov.audit_last_id', '', true)")


def last_audit_id() -> int | None:
    """The audit row the last governed SQL function wrote in this transaction, if any."""
    value = call("SELECT nullif(current_setting('queuegov.audit_last_id', true), '')::bigint")
    return None if value is None else int(value)


def audit_outcome(audit_id: int) -> tuple[str, str | None]:
    """The outcome and detail the database recorded for an act."""
    outcome, detail = row("SELECT outcome, detail FROM admin_action_audit WHERE id = %s", [audit_id])  # type: ignore[misc]
    return outcome, detail


def audit_verify() -> dict[str, Any]:
    """The audit chain's verdict (fn_audit_verify): ``ok`` with the head hash, or the first broken link."""
    return call("SELECT fn_audit_verify()")


def config_value_at(key: str, at: Any) -> Any:
    """The value ``key`` had at time ``at`` (fn_config_value_at)."""
    return call("SELECT fn_config_value_at(%s, %s)", [key, at])


def vocabulary() -> dict[str, list[str]]:
    """The allowed values of each vocabulary, read from the DOMAIN definitions."""
    return {name: list(allowed) for name, allowed in rows("SELECT vocabulary, allowed FROM fn_vocabulary()")}


def ping() -> None:
    """One round trip: raises DatabaseError when the database does not answer (/healthz)."""
    row("SELECT 1", prepare=False)


def set_statement_timeout(timeout: str) -> None:
    """Bound the session's statements (the web process's connection serves only web requests)."""
    execute("SELECT set_config('statement_timeout', %s, false)", [timeout], prepare=False)


def estimated_rows(sql: str, params: Sequence[Any], conn: BaseDatabaseWrapper) -> int:
    """The planner's row estimate for a query the ORM compiled (a millisecond, not a COUNT)."""
    plan = loads(row("EXPLAIN (FORMAT JSON) " + sql, params, conn=conn, prepare=False)[0])  # type: ignore[index]
    return int(plan[0]["Plan"]["Plan Rows"])


def constraint_values(constraint: str) -> list[str]:
    """The values a ``CHECK (col IN (…))`` or vocabulary DOMAIN constraint allows, read from pg_constraint."""
    found = row(
        "SELECT regexp_split_to_array(regexp_replace("
        r"substring(pg_get_constraintdef(oid) FROM 'ARRAY\[(.*)\]'), '''|::text|\s', '', 'g'), ',')"
        " FROM pg_constraint WHERE conname = %s ORDER BY oid LIMIT 1",
        [constraint],
    )
    return list(found[0]) if found and found[0] else []


def trigger_states() -> dict[tuple[str, str], str] | None:
    """``tgenabled`` of every user trigger in schema public by (table, trigger); None before migrations."""
    if not call("SELECT to_regclass('public.admin_action_audit') IS NOT NULL"):
        return None
    found = rows(
        """
        SELECT c.relname::text, t.tgname::text, t.tgenabled::text
          FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal
        """
    )
    return {(table, name): enabled for table, name, enabled in found}


def rule_explanations() -> dict[tuple[str, str], str]:
    """(constraint, table or '' for a domain) → the sentence its COMMENT ON CONSTRAINT gives, on a
    connection of its own (queuegov.errors.explain reads it while a refused transaction is aborted)."""
    with plain_connection() as conn:
        found = rows(
            "SELECT c.conname::text, coalesce(t.relname::text, ''), obj_description(c.oid, 'pg_constraint')"
            " FROM pg_constraint c LEFT JOIN pg_class t ON t.oid = c.conrelid"
            " WHERE c.connamespace = 'public'::regnamespace AND obj_description(c.oid, 'pg_constraint') IS NOT NULL",
            conn=conn,
        )
    return {(name, table): text for name, table, text in found}


def role_grant(username: str, role: str, grant: bool, reason: str) -> dict[str, Any]:
    """Put a user in a role group or take them out, audited (fn_role_grant)."""
    return call("SELECT fn_role_grant(%s, %s, %s, %s)", [username, role, grant, reason])
