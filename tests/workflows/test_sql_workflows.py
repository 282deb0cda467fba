"""Workflows through the SQL API: a spec checked whole, steps started exactly once
when their dependencies finish, failure policies, results passed along,
sub-workflows at any depth and cancellation that reaches every level."""

from __future__ import annotations

import pytest

from tests.helpers import db_error, json_value, sql_value
from tests.workflows.conftest import Flow, job, step

pytestmark = [pytest.mark.django_db]


def no_workflow_written() -> bool:
    return sql_value("SELECT count(*) FROM workflow") == 0 and sql_value("SELECT count(*) FROM job_queue") == 0


# ---------------------------------------------------------------------------
# A spec is checked whole; a bad one is named and nothing is written
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("steps", "error"),
    [
        ([step("a"), step("a")], r"duplicate_step: two steps are named a"),
        ([step("a", "ghost")], r"unknown_dependency: step a depends on \"ghost\", which is not another step"),
        ([step("a", "a")], r"unknown_dependency: step a depends on \"a\""),
        ([step("a", "c"), step("b", "a"), step("c", "b")], r"dependency_cycle: .*a -> c -> b -> a"),
        ([step("a"), step("b", "a", "a")], r"duplicate_dependency: step b names a twice"),
        ([{"name": "a"}], r"invalid_step: step a has exactly one of job, workflow, task or approval"),
        ([{"name": "a", "job": job(), "when": "later"}], r"invalid_step: step a"),
        ([{"name": "bad name!", "job": job()}], r"invalid_step_name: step 0"),
        ([step("a", on_dependency_failure="sometimes")], r"invalid_step: step a"),
        ([step("a", kind="test.never_registered")], r"unknown_job_kind: step a: test.never_registered"),
        ([{"name": "a", "job": {**job(), "priority": 5000}}], r"invalid_job: step a: \(.*needs a job_kind"),
        (
            [{"name": "a", "job": {**job(), "run_at": "2030-01-01T00:00:00Z"}}],
            r"invalid_job: step a: .*no idempotency_key or run_at",
        ),
        ([], r"invalid_workflow: steps is a non-empty array"),
    ],
)
def test_a_bad_spec_is_named_and_nothing_is_written(flow: Flow, steps, error) -> None:
    with db_error(error, sqlstate=None):
        flow.create({"name": "bad", "steps": steps})
    assert no_workflow_written()


def test_a_cycle_inside_a_sub_workflow_is_named_with_its_path(flow: Flow) -> None:
    inner = {"name": "inner", "steps": [step("x", "y"), step("y", "x")]}
    with db_error(r"dependency_cycle: step sub > steps depend on each other in a cycle: x -> y -> x"):
        flow.create({"name": "outer", "steps": [step("a"), {"name": "sub", "workflow": inner, "depends_on": ["a"]}]})
    assert no_workflow_written()


def test_a_closed_gate_is_an_answer(flow: Flow, close_gate) -> None:
    close_gate("queue.job_substrate.enabled")
    assert flow.create({"name": "w", "steps": [step("a")]}) == {
        "status": "gate_closed", "gate": "queue.job_substrate.enabled"}  # fmt: skip
    assert no_workflow_written()


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------
def test_a_diamond_runs_each_step_once_in_dependency_order(flow: Flow) -> None:
    wf = flow.start("diamond", step("a"), step("b", "a"), step("c", "a"), step("d", "b", "c"))
    assert flow.steps(wf) == {"a": "active", "b": "waiting", "c": "waiting", "d": "waiting"}
    assert sql_value("SELECT count(*) FROM job_queue") == 1
    first = flow.claim()
    assert [j["payload"]["step"] for j in first] == ["a"]
    flow.ack(first)
    middle = flow.claim()
    assert sorted(j["payload"]["step"] for j in middle) == ["b", "c"]
    flow.ack(middle[:1])
    assert flow.steps(wf)["d"] == "waiting"
    flow.ack(middle[1:])
    assert flow.steps(wf)["d"] == "active"
    assert flow.run_all() == ["d"]
    assert flow.status(wf) == "succeeded"
    assert sql_value("SELECT count(*) FROM job_queue") == 4
    assert sql_value("SELECT max(attempts) FROM job_queue") == 1
    # the final result: what the steps nothing depends on answered
    assert json_value("SELECT result FROM workflow WHERE id = %s", [wf]) == {"d": {"done": "d"}}


def test_a_step_reads_its_dependencies_results(flow: Flow) -> None:
    wf = flow.start("inputs", step("a"), step("b"), step("c", "a", "b"))
    jobs = flow.claim()
    for j in jobs:
        flow.ack([j], result={"ref": f"kb/{j['payload']['step']}", "rows": 3})
    (c,) = flow.claim()
    inputs = json_value("SELECT fn_workflow_step_inputs(%s)", [c["id"]])
    assert inputs["workflow_id"] == wf and inputs["step"] == "c" and inputs["workflow"] == "inputs"
    assert inputs["inputs"] == {
        name: {"status": "succeeded", "result": {"ref": f"kb/{name}", "rows": 3}, "error": None,
               "job_id": flow.step_job(wf, name), "workflow_id": None}
        for name in ("a", "b")
    }  # fmt: skip


def test_a_job_outside_a_workflow_has_no_inputs(flow: Flow, q) -> None:
    job_id = q.enqueue("test.job")["job_id"]
    with db_error(r"not_a_workflow_step: job \d+ does not run a workflow step", sqlstate="QG005"):
        sql_value("SELECT fn_workflow_step_inputs(%s)", [job_id])


def test_a_dead_dependency_cancels_its_dependents_by_default(flow: Flow) -> None:
    once = {"max_attempts": 1}
    wf = flow.start(
        "fails",
        {"name": "a", "job": {**job(step="a"), **once}},
        step("b", "a"),
        step("c", "b"),
        step("d", "a", on_dependency_failure="run"),
    )
    assert flow.run_all(fail={"a"}) == ["a", "d"]
    assert flow.steps(wf) == {"a": "failed", "b": "cancelled", "c": "cancelled", "d": "succeeded"}
    assert flow.status(wf) == "failed"
    error = sql_value("SELECT error FROM workflow_step WHERE workflow_id = %s AND name = 'a'", [wf])
    assert error.startswith("job ") and "dead: boom" in error
    assert sql_value("SELECT error FROM workflow_step WHERE workflow_id = %s AND name = 'c'", [wf]).startswith(
        "dependency_failed"
    )


def test_a_retried_job_keeps_its_step_running(flow: Flow) -> None:
    wf = flow.start("retry", step("a"), step("b", "a"))
    (a,) = flow.claim()
    assert flow.fail(a)["status"] == "retry"
    assert flow.steps(wf) == {"a": "active", "b": "waiting"}


def test_sub_workflows_two_levels_deep_are_waited_for(flow: Flow) -> None:
    level2 = {"name": "level2", "steps": [step("deep1"), step("deep2", "deep1")]}
    level1 = {"name": "level1", "steps": [step("mid"), {"name": "inner", "workflow": level2, "depends_on": ["mid"]}]}
    wf = flow.start(
        "level0", step("top"), {"name": "sub", "workflow": level1, "depends_on": ["top"]}, step("after", "sub")
    )
    assert flow.run_all() == ["top", "mid", "deep1", "deep2", "after"]
    assert flow.status(wf) == "succeeded"
    assert sql_value("SELECT count(*) FROM workflow WHERE status = 'succeeded'") == 3
    # the sub-workflow step's result is its workflow's final result
    assert json_value("SELECT result FROM workflow_step WHERE workflow_id = %s AND name = 'sub'", [wf]) == {
        "inner": {"deep2": {"done": "deep2"}}}  # fmt: skip


def test_after_waits_for_a_dependency_deep_inside_the_sub_workflow(flow: Flow) -> None:
    level2 = {"name": "level2", "steps": [step("deep")]}
    level1 = {"name": "level1", "steps": [{"name": "inner", "workflow": level2}]}
    wf = flow.start("level0", {"name": "sub", "workflow": level1}, step("after", "sub"))
    (deep,) = flow.claim()
    assert deep["payload"]["step"] == "deep"
    assert flow.steps(wf) == {"sub": "active", "after": "waiting"}
    flow.ack([deep])
    assert flow.steps(wf) == {"sub": "succeeded", "after": "active"}


# ---------------------------------------------------------------------------
# Cancelling
# ---------------------------------------------------------------------------
def test_cancel_reaches_every_level_and_is_audited(flow: Flow) -> None:
    level2 = {"name": "level2", "steps": [step("deep"), step("deep_next", "deep")]}
    level1 = {"name": "level1", "steps": [{"name": "inner", "workflow": level2}, step("mid")]}
    wf = flow.start("level0", {"name": "sub", "workflow": level1}, step("top"), step("after", "sub", "top"))
    running = flow.claim(batch=1)  # one job is running, the others queued
    answer = json_value("SELECT fn_workflow_cancel(%s, 'not needed any more')", [wf])
    assert answer["status"] == "cancelled" and answer["steps_cancelled"] == 7
    assert sql_value("SELECT array_agg(DISTINCT status) FROM workflow") == ["cancelled"]
    assert sql_value("SELECT array_agg(DISTINCT status) FROM workflow_step") == ["cancelled"]
    assert sql_value("SELECT array_agg(DISTINCT status::text) FROM job_queue") == ["cancelled"]
    # the running attempt's late ack is refused
    assert flow.ack(running)["status"] == "partial"
    assert (
        sql_value(
            "SELECT count(*) FROM admin_action_audit WHERE action = 'workflow.cancel'"
            " AND target_ids = %s AND occurred_at >= now()",
            [[str(wf)]],
        )
        == 1
    )
    again = json_value("SELECT fn_workflow_cancel(%s, 'twice')", [wf])
    assert again["status"] == "nothing_to_do"


def test_cancel_needs_a_reason(flow: Flow) -> None:
    wf = flow.start("w", step("a"))
    with db_error(r"reason_required", sqlstate="QG008"):
        sql_value("SELECT fn_workflow_cancel(%s, '')", [wf])
    assert flow.status(wf) == "running"


def test_a_cancelled_sub_workflow_cancels_its_dependents(flow: Flow) -> None:
    wf = flow.start("w", {"name": "sub", "workflow": {"name": "child", "steps": [step("x")]}}, step("after", "sub"))
    child = sql_value("SELECT child_workflow_id FROM workflow_step WHERE workflow_id = %s AND name = 'sub'", [wf])
    json_value("SELECT fn_workflow_cancel(%s, 'child only')", [child])
    assert flow.steps(wf) == {"sub": "cancelled", "after": "cancelled"}
    assert flow.status(wf) == "failed"


def test_the_app_role_cannot_write_workflow_tables(flow: Flow) -> None:
    wf = flow.start("w", step("a"))
    with db_error(r"permission denied", sqlstate="42501"):
        sql_value("UPDATE workflow SET status = 'succeeded' WHERE id = %s RETURNING id", [wf])


# ---------------------------------------------------------------------------
# Retrying a failed step
# ---------------------------------------------------------------------------
def test_a_retried_step_and_what_its_failure_cancelled_run_again(flow: Flow) -> None:
    once = {"max_attempts": 1}
    wf = flow.start(
        "retry",
        step("a"),
        {"name": "b", "job": {**job(step="b"), **once}, "depends_on": ["a"]},
        step("c", "b"),
        step("d", "c"),
        step("e", "a"),
    )
    assert flow.run_all(fail={"b"}) == ["a", "b", "e"]
    assert flow.steps(wf) == {"a": "succeeded", "b": "failed", "c": "cancelled", "d": "cancelled", "e": "succeeded"}
    assert flow.status(wf) == "failed"
    old_job = flow.step_job(wf, "b")
    b = sql_value("SELECT id FROM workflow_step WHERE workflow_id = %s AND name = 'b'", [wf])
    answer = json_value("SELECT fn_workflow_step_retry(%s, 'the index is back')", [b])
    assert answer["status"] == "retried" and answer["steps_waiting_again"] == 3
    assert answer["job_id"] != old_job and flow.step_job(wf, "b") == answer["job_id"]
    assert flow.status(wf) == "running"
    assert flow.steps(wf) == {"a": "succeeded", "b": "active", "c": "waiting", "d": "waiting", "e": "succeeded"}
    assert flow.run_all() == ["b", "c", "d"]
    assert flow.status(wf) == "succeeded"
    assert (
        sql_value(
            "SELECT count(*) FROM admin_action_audit WHERE action = 'workflow.step_retry'"
            " AND target_ids = %s AND occurred_at >= now()",
            [[str(b)]],
        )
        == 1
    )


def test_only_a_failed_job_step_of_a_workflow_not_cancelled_is_retried(flow: Flow) -> None:
    wf = flow.start("w", step("a"), step("b", "a"))
    a = sql_value("SELECT id FROM workflow_step WHERE workflow_id = %s AND name = 'a'", [wf])
    with db_error(r"step_not_retryable: step a of workflow \d+ is a job step that active", sqlstate="QG003"):
        sql_value("SELECT fn_workflow_step_retry(%s, 'why not')", [a])
    json_value("SELECT fn_workflow_cancel(%s, 'stop it')", [wf])
    with db_error(r"step_not_retryable", sqlstate="QG003"):
        sql_value("SELECT fn_workflow_step_retry(%s, 'why not')", [a])
    with db_error(r"unknown_workflow_step: no workflow step 0", sqlstate="QG005"):
        sql_value("SELECT fn_workflow_step_retry(0, 'why not')")
