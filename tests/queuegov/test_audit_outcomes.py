"""governed_act results in exactly one audit row per attempt, whatever the outcome.

An act that applies (or dry-runs) is audited by its SQL function; governed_act
writes the row of an attempt that never got that far, and raises if an effect
calls no auditing function (a programming error, not an audit gap).
"""

from __future__ import annotations

import pytest
from django.db import connection

from queuegov.actor import Actor
from queuegov.audit import Effect, governed_act
from queuegov.models import AdminActionAudit, GateChangeRequest

ACTOR = Actor(name="user:tester", roles=("operator",), request_ip="10.0.0.1", request_id="req-1")


def last_row():
    return AdminActionAudit.objects.filter(actor="user:tester").latest("id")


def test_applied_is_the_sql_functions_row(db):
    def effect():
        with connection.cursor() as cursor:
            cursor.execute("SELECT fn_gate_change_request('queue.worker.enabled', 'true'::jsonb, 'open it')")
            return Effect(value=cursor.fetchone()[0])

    before = AdminActionAudit.objects.count()
    result = governed_act(ACTOR, "gate_change.request", effect, target_table="dot_config")
    row = last_row()
    assert AdminActionAudit.objects.count() == before + 1
    assert (result.outcome, row.outcome, result.audit_id) == ("applied", "applied", row.id)
    assert row.action == "gate_change.request" and row.target_ids == ["queue.worker.enabled"]
    assert (row.before_state, row.after_state["requested_value"]) == (
        {"key": "queue.worker.enabled", "value": False},
        True,
    )
    assert (row.request_ip, row.request_id, row.roles, row.source) == ("10.0.0.1", "req-1", ["operator"], "admin")


def test_dry_run_is_the_sql_functions_row(db):
    def effect():
        with connection.cursor() as cursor:
            cursor.execute("SELECT fn_iu_op_cleanup(false)")
        return Effect(detail="would do nothing")

    result = governed_act(ACTOR, "staging.cleanup_dry_run", effect)
    assert (result.outcome, result.message) == ("dry_run", "would do nothing")
    assert (last_row().outcome, last_row().action) == ("dry_run", "staging.cleanup_dry_run")


def test_an_effect_that_audits_nothing_is_a_programming_error(db):
    before = AdminActionAudit.objects.count()
    with pytest.raises(RuntimeError, match="called no SQL function that audits the act"):
        governed_act(ACTOR, "test.silent", lambda: Effect(detail="did something in Python"))
    assert AdminActionAudit.objects.count() == before


def test_refused_without_permission_runs_no_effect(db, make_user):
    user = make_user("nobody")
    ran = []
    result = governed_act(
        ACTOR,
        "test.perm",
        lambda: ran.append(1) or Effect(),
        user=user,
        permission="queuegov.approve_gatechangerequest",
    )
    assert ran == []
    assert result.outcome == "refused"
    assert last_row().detail == "permission: nobody lacks queuegov.approve_gatechangerequest"


def test_failed_effect_is_rolled_back_but_audited(db):
    def effect():
        with connection.cursor() as cursor:
            cursor.execute("SELECT fn_gate_change_request('queue.worker.enabled', 'true'::jsonb, 'half done')")
            cursor.execute("SELECT 1 / 0")  # the effect breaks after its first write
        return Effect()

    result = governed_act(ACTOR, "test.fail", effect, target_table="dot_config", target_ids=["queue.worker.enabled"])
    assert result.outcome == "failed" and "division by zero" in result.message
    half_done = GateChangeRequest.objects.filter(requested_by="user:tester", reason="half done")
    assert not half_done.exists(), "the half-done effect must be rolled back"
    row = last_row()
    assert (row.outcome, row.action, row.target_ids) == ("failed", "test.fail", ["queue.worker.enabled"])


def test_rule_violation_is_refused(db):
    def effect():
        with connection.cursor() as cursor:
            cursor.execute("SELECT fn_gate_change_request('queue.worker.enabled', '1'::jsonb, 'numbers')")
        return Effect()

    result = governed_act(ACTOR, "test.rule", effect)
    assert result.outcome == "refused" and result.message.startswith("invalid_config_value:")
    assert last_row().outcome == "refused"
