"""docs/security.md, "Every governed act is audited in SQL": fn_audit_record writes one audit row
whose who/roles/request metadata come from the transaction-local actor context. It records refused
and failed attempts only: an act that applies is audited by its own function."""

from __future__ import annotations

import json
from typing import Any

import pytest

from queuegov.errors import ActorRequired, translate
from tests.database import as_owner
from tests.helpers import as_json, db_error, sql_exec, sql_rows, sql_value

pytestmark = pytest.mark.django_db

COLUMNS = [
    "actor",
    "actor_user_id",
    "roles",
    "action",
    "target_table",
    "target_ids",
    "reason",
    "before_state",
    "after_state",
    "outcome",
    "detail",
    "source",
    "request_id",
    "request_ip",
    "request_path",
    "user_agent",
]


def record(action: str = "gate_change.approve", outcome: str = "refused", **kwargs: Any) -> int:
    args = {
        "p_target_table": "gate_change_request",
        "p_target_ids": ["12"],
        "p_reason": "looks right",
        "p_before": json.dumps({"status": "pending"}),
        "p_after": json.dumps({"status": "pending"}),
        "p_detail": "permission: anna lacks approve",
        **kwargs,
    }
    return sql_value(
        "SELECT fn_audit_record(%(action)s, %(outcome)s, %(p_target_table)s, %(p_target_ids)s::text[],"
        " %(p_reason)s, %(p_before)s::jsonb, %(p_after)s::jsonb, %(p_detail)s)",
        {"action": action, "outcome": outcome, **args},
    )


def audit_row(audit_id: int) -> dict[str, Any]:
    row = sql_rows(f"SELECT {', '.join(COLUMNS)} FROM admin_action_audit WHERE id = %s", [audit_id])[0]
    data = dict(zip(COLUMNS, row, strict=True))
    data["before_state"], data["after_state"] = as_json(data["before_state"]), as_json(data["after_state"])
    data["request_ip"] = None if data["request_ip"] is None else str(data["request_ip"])
    return data


def test_record_takes_who_and_request_metadata_from_actor_context(actor) -> None:
    actor(
        "user:anna",
        source="admin",
        user_id=7,
        roles=("approver", "operator"),
        request_id="req-9f2",
        request_ip="203.0.113.5",
        request_path="/admin/queuegov/gatechangerequest/?action=approve",
        user_agent="Mozilla/5.0 test",
    )
    audit_id = record()
    assert audit_row(audit_id) == {
        "actor": "user:anna",
        "actor_user_id": 7,
        "roles": ["approver", "operator"],
        "action": "gate_change.approve",
        "target_table": "gate_change_request",
        "target_ids": ["12"],
        "reason": "looks right",
        "before_state": {"status": "pending"},
        "after_state": {"status": "pending"},
        "outcome": "refused",
        "detail": "permission: anna lacks approve",
        "source": "admin",
        "request_id": "req-9f2",
        "request_ip": "203.0.113.5",
        "request_path": "/admin/queuegov/gatechangerequest/?action=approve",
        "user_agent": "Mozilla/5.0 test",
    }


def test_record_same_transaction_and_clock(actor) -> None:
    actor("command:lease_reaper", source="command")
    audit_id = record(outcome="failed")
    assert sql_rows(
        "SELECT txid = txid_current(), occurred_at >= now(), source FROM admin_action_audit WHERE id = %s",
        [audit_id],
    ) == [(True, True, "command")]


def test_record_with_a_bare_sql_actor_uses_defaults(actor) -> None:
    actor.clear()
    sql_exec("SELECT set_config('queuegov.actor', 'sql:dba', true)")
    audit_id = record(p_target_ids=None, p_target_table=None, p_before=None, p_after=None, p_detail=None)
    row = audit_row(audit_id)
    assert (row["actor"], row["actor_user_id"], row["roles"], row["source"], row["target_ids"]) == (
        "sql:dba",
        None,
        [],
        "sql",
        [],
    )
    assert row["request_ip"] is None and row["request_id"] is None


def test_ipv6_request_ip(actor) -> None:
    actor("user:anna", request_ip="2001:db8::1")
    assert audit_row(record())["request_ip"] == "2001:db8::1"


def test_record_requires_an_actor(actor) -> None:
    actor.clear()
    before = sql_value("SELECT count(*) FROM admin_action_audit")
    with db_error(sqlstate="QG001", match=r"^actor_required: ") as err:
        record()
    assert isinstance(translate(err.exception), ActorRequired)
    assert sql_value("SELECT count(*) FROM admin_action_audit") == before


@pytest.mark.parametrize("outcome", ["refused", "failed"])
def test_refusals_and_failures_accepted(actor, outcome: str) -> None:
    actor("user:anna")
    assert audit_row(record(outcome=outcome))["outcome"] == outcome


@pytest.mark.parametrize("outcome", ["applied", "dry_run", "maybe", None])
def test_an_outcome_the_caller_did_not_reach_is_refused(actor, outcome: str | None) -> None:
    # "applied" and "dry_run" are written by the function that performs the act;
    # a caller claiming them would forge the trail.
    actor("user:anna")
    before = sql_value("SELECT count(*) FROM admin_action_audit")
    with db_error(sqlstate="QG004", match=r"^audit_outcome_not_recordable: fn_audit_record records refused or failed"):
        record(outcome=outcome)
    assert sql_value("SELECT count(*) FROM admin_action_audit") == before


@pytest.mark.parametrize("action", ["", "job", "Job.cancel", "job cancel", "x." + "y" * 100])
def test_the_action_is_a_dotted_name(actor, action: str) -> None:
    actor("user:anna")
    with db_error(sqlstate="QG004", match=r"^audit_action_invalid: "):
        record(action=action)


@pytest.mark.parametrize(
    ("column", "value", "constraint"),
    [("outcome", "'maybe'", "audit_outcome_allowed"), ("action", "''", "audit_action_not_blank")],
)
def test_audit_checks_hold_for_the_owner(actor, column: str, value: str, constraint: str) -> None:
    values = {"actor": "'db:owner'", "action": "'probe.x'", "outcome": "'refused'", column: value}
    with db_error(constraint=constraint, sqlstate="23514"), as_owner():
        sql_exec(f"INSERT INTO admin_action_audit ({', '.join(values)}) VALUES ({', '.join(values.values())})")


def test_audit_source_vocabulary(actor) -> None:
    actor("user:anna")
    sql_exec("SELECT set_config('queuegov.source', 'cron', true)")
    with db_error(constraint="audit_source_allowed"):
        record()


def test_actor_context_reads_back_the_settings(actor) -> None:
    actor("worker:w-1", source="worker", roles=("operator",), request_id="req-1")
    assert as_json(sql_value("SELECT fn_actor_context()")) == {
        "actor": "worker:w-1",
        "roles": "operator",
        "request_id": "req-1",
        "source": "worker",
    }
    actor.clear()
    assert as_json(sql_value("SELECT fn_actor_context()")) == {}
    assert sql_value("SELECT fn_actor()") is None
