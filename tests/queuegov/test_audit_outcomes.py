"""governed_act writes exactly one audit row per attempt, whatever the outcome."""

from __future__ import annotations

from django.db import connection

from queuegov.actor import Actor
from queuegov.audit import Effect, governed_act
from queuegov.models import AdminActionAudit, GateChangeRequest

ACTOR = Actor(name="user:tester", roles=("operator",), request_ip="10.0.0.1", request_id="req-1")


def last_row():
    return AdminActionAudit.objects.filter(actor="user:tester").latest("id")


def test_applied(db):
    result = governed_act(ACTOR, "test.apply", lambda: Effect(before={"a": 1}, after={"a": 2}, detail="done"))
    row = last_row()
    assert (result.outcome, row.outcome) == ("applied", "applied")
    assert (row.before_state, row.after_state) == ({"a": 1}, {"a": 2})
    assert (row.request_ip, row.request_id, row.roles, row.source) == ("10.0.0.1", "req-1", ["operator"], "admin")


def test_dry_run(db):
    governed_act(ACTOR, "test.dry", lambda: Effect(outcome="dry_run", detail="would do 3 things"))
    assert (last_row().outcome, last_row().detail) == ("dry_run", "would do 3 things")


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
