"""The staging puller (docs/staging.md, "The staging puller"): scheduled job kinds that
verify new manifests (verdict to the reviewers' inbox), run the cleanup with apply
behind iu_core.retention_enabled, and remind approvers and operators, each once per
manifest and state; they never approve or cut. test_puller_concurrency.py runs the
ticks at once on several connections."""

from __future__ import annotations

from typing import Any

import pytest

from jobs.registry import JobContext, resolve
from staging import builtin
from tests.helpers import db_error, governed_set, json_value, sql_exec, sql_rows, sql_value, use_actor
from tests.staging.conftest import StagingApi, clean_pieces

pytestmark = pytest.mark.django_db

TICKER = "worker:puller-test"
KINDS = {
    "staging.verify_new": ("maintenance.staging_verify_new", builtin.verify_new),
    "queuegov.staging_cleanup": ("maintenance.staging_cleanup", builtin.staging_cleanup),
    "staging.remind": ("maintenance.staging_remind", builtin.remind),
}


def tick(function: str, *args: Any) -> dict[str, Any]:
    use_actor(TICKER)
    placeholders = ", ".join(["%s"] * len(args))
    return json_value(f"SELECT {function}({placeholders})", list(args))


def captured(event_type: str, record_id: int | None = None) -> list[dict[str, Any]]:
    rows = json_value(
        "SELECT coalesce(jsonb_agg(capture_payload ORDER BY id), '[]') FROM event_pending"
        " WHERE event_type = %s AND (%s::bigint IS NULL OR event_subject_ref = %s::text)",
        [event_type, record_id, record_id],
    )
    return rows


def job(kind: str) -> JobContext:
    return JobContext(1, kind, "maintenance", 1, 1, None, "puller-test")


def test_the_kinds_are_registered_scheduled_built_ins() -> None:
    for kind, (schedule, handler) in KINDS.items():
        assert sql_rows(
            "SELECT executor_class, queue_name, retry_policy, handler_ref FROM consumer_registry WHERE job_kind = %s",
            [kind],
        ) == [("pg_worker", "maintenance", "no_retry", f"staging.builtin.{handler.__name__}")]
        assert sql_rows("SELECT job_kind, enabled FROM job_schedule WHERE name = %s", [schedule]) == [(kind, True)]
        assert resolve(kind) is handler


# ---------------------------------------------------------------------------
# (a) verify new manifests
# ---------------------------------------------------------------------------
def test_verify_new_gives_each_new_manifest_one_verdict_for_the_reviewers(iu: StagingApi) -> None:
    clean = iu.marked()
    broken = iu.marked(clean_pieces(p3={"section_type": "chapterette"}), key="broken")
    already = iu.marked(key="seen")
    iu.verify(already)  # a person ran the dry run: it has its verdict
    approved = iu.approved(key="approved")
    answer = tick("fn_iu_puller_verify_new", 100)
    assert answer == {"status": "verified", "verdicts": 2, "records": [clean, broken]}
    verdicts = [(p["record_id"], p["verdict"], p["problem_count"] > 0) for p in captured("staging.verify_verdict")]
    assert verdicts == [(clean, "passed", False), (broken, "problems", True)]
    assert captured("staging.verify_verdict", already) == [] and captured("staging.verify_verdict", approved) == []
    runs = iu.runs(clean)
    assert runs[-1] == ("verify_mark", "plan", "passed", TICKER)
    # Re-run: nothing new; the manifests are still pending (the puller never approves).
    assert tick("fn_iu_puller_verify_new", 100) == {"status": "nothing_to_do", "verdicts": 0, "records": []}
    assert len(captured("staging.verify_verdict")) == 2 and len(iu.runs(clean)) == len(runs)
    assert {iu.status(clean), iu.status(broken)} == {"pending_review"}
    assert sql_value("SELECT run_id FROM iu_staging_notice WHERE record_id = %s", [clean]) == sql_value(
        "SELECT max(id) FROM dot_iu_command_run WHERE record_id = %s AND command = 'verify_mark'", [clean]
    )


def test_the_verdict_reaches_the_reviewers_inbox_not_the_default_audience(iu: StagingApi) -> None:
    record_id = iu.marked()
    governed_set("event.emit_enabled", True)
    tick("fn_iu_puller_verify_new", 10)
    use_actor(TICKER)
    sql_exec("SELECT fn_event_pending_process(1000)")
    recipients = sql_rows(
        "SELECT r.recipient_kind, r.recipient_ref, r.via FROM v_event_recipient r"
        " JOIN event_outbox e ON e.id = r.event_id AND e.created_at = r.event_created_at"
        " WHERE e.event_type = 'staging.verify_verdict' AND e.event_subject_ref = %s",
        [str(record_id)],
    )
    assert recipients == [("role", "reviewer", "subscription")]


def test_verify_new_handler_and_batch_limit(iu: StagingApi) -> None:
    iu.marked()
    iu.marked(key="second")
    use_actor(TICKER)
    assert builtin.verify_new({"limit": 1}, job("staging.verify_new"))["verdicts"] == 1
    assert builtin.verify_new({}, job("staging.verify_new"))["verdicts"] == 1
    with db_error(sqlstate="QG004", match=r"^invalid_batch_size: p_limit must be between 1 and 1000, not 0$"):
        tick("fn_iu_puller_verify_new", 0)


# ---------------------------------------------------------------------------
# (b) cleanup on schedule
# ---------------------------------------------------------------------------
def old_rejected(iu: StagingApi) -> int:
    record_id = iu.marked()
    iu.reject(record_id)
    iu.force(record_id, "marked_at = now() - interval '40 days', expires_at = now() - interval '25 days'")
    return record_id


def test_cleanup_respects_its_gate(iu: StagingApi) -> None:
    record_id = old_rejected(iu)
    assert tick("fn_iu_puller_cleanup") == {"status": "gate_closed", "gate": "iu_core.retention_enabled"}
    assert iu.status(record_id) == "rejected" and iu.pieces_of(record_id) == 5
    use_actor(TICKER)
    assert builtin.staging_cleanup({}, job("queuegov.staging_cleanup"))["status"] == "gate_closed"
    assert iu.status(record_id) == "rejected"


def test_cleanup_applies_once_the_gate_is_open(iu: StagingApi) -> None:
    record_id = old_rejected(iu)
    governed_set("iu_core.retention_enabled", True)
    answer = tick("fn_iu_puller_cleanup")
    assert answer["status"] == "applied", answer
    assert iu.status(record_id) == "archived" and iu.pieces_of(record_id) == 0
    assert tick("fn_iu_puller_cleanup")["status"] == "nothing_to_do"


# ---------------------------------------------------------------------------
# (c) reminders
# ---------------------------------------------------------------------------
def test_remind_tells_each_audience_once_per_state_and_never_approves_or_cuts(iu: StagingApi) -> None:
    pending = iu.marked()
    approved = iu.approved(key="approved")
    consumed = iu.consumed(key="consumed", source_hash="cd" * 32)
    rejected = iu.marked(key="rejected")
    iu.reject(rejected)
    assert tick("fn_iu_puller_remind", 100) == {"status": "reminded", "approval_waiting": 1, "cut_waiting": 1}
    assert [p["record_id"] for p in captured("staging.approval_waiting")] == [pending]
    assert [p["record_id"] for p in captured("staging.cut_waiting")] == [approved]
    assert tick("fn_iu_puller_remind", 100)["status"] == "nothing_to_do"
    assert (iu.status(pending), iu.status(approved), iu.status(consumed)) == ("pending_review", "approved", "consumed")
    # The pending one moves on to its next wait: its next audience hears of it, once.
    assert iu.approve(pending)["status"] == "approved"
    assert tick("fn_iu_puller_remind", 100) == {"status": "reminded", "approval_waiting": 0, "cut_waiting": 1}
    assert [p["record_id"] for p in captured("staging.cut_waiting")] == [approved, pending]
    assert tick("fn_iu_puller_remind", 100)["status"] == "nothing_to_do"


def test_reminders_go_to_approvers_and_operators(iu: StagingApi) -> None:
    iu.marked()
    iu.approved(key="approved")
    governed_set("event.emit_enabled", True)
    tick("fn_iu_puller_remind", 100)
    use_actor(TICKER)
    sql_exec("SELECT fn_event_pending_process(1000)")
    assert sql_rows(
        "SELECT e.event_type, r.recipient_kind, r.recipient_ref FROM v_event_recipient r"
        " JOIN event_outbox e ON e.id = r.event_id AND e.created_at = r.event_created_at"
        " WHERE e.event_type IN ('staging.approval_waiting', 'staging.cut_waiting') ORDER BY 1"
    ) == [("staging.approval_waiting", "role", "approver"), ("staging.cut_waiting", "role", "operator")]


def test_remind_handler(iu: StagingApi) -> None:
    iu.marked()
    use_actor(TICKER)
    assert builtin.remind({}, job("staging.remind"))["approval_waiting"] == 1
    assert builtin.remind({}, job("staging.remind"))["status"] == "nothing_to_do"
