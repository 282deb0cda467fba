"""Workflows a running job step adds (fn_workflow_add): its dependents wait for them,
at any depth; fenced like an ack; a re-run attempt finds what it added; a job that
fails takes them with it; cancel and retry reach them (docs/workflows.md)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers import db_error, json_value, sql_value, use_actor
from tests.workflows.conftest import Flow, job, step

pytestmark = [pytest.mark.django_db]

ONCE = {"max_attempts": 1}


def add(j: dict[str, Any], name: str, *steps: dict[str, Any], worker: str = "w1", attempt: int | None = None) -> Any:
    spec = {"name": name, "steps": list(steps)}
    return json_value(
        "SELECT fn_workflow_add(%s, %s, %s, %s::jsonb)",
        [j["id"], worker, j["attempt"] if attempt is None else attempt, json.dumps(spec)],
    )


def claim_step(flow: Flow, name: str) -> dict[str, Any]:
    """Claims what is queued and answers the job of step ``name`` (the others stay running)."""
    jobs = {j["payload"]["step"]: j for j in flow.claim()}
    return jobs[name]


def step_row(workflow_id: int, name: str) -> dict[str, Any]:
    return json_value(
        "SELECT to_jsonb(s) FROM workflow_step s WHERE workflow_id = %s AND name = %s", [workflow_id, name]
    )


def test_dependents_wait_for_the_workflow_a_running_step_added(flow: Flow) -> None:
    wf = flow.start("outer", step("split"), step("after", "split"))
    split = claim_step(flow, "split")
    answer = add(split, "parts", step("p1"), step("p2"), step("join", "p1", "p2"))
    assert answer["status"] == "added" and answer["steps"] == 3
    added = answer["workflow_id"]
    assert sql_value("SELECT parent_step_id FROM workflow WHERE id = %s", [added]) == step_row(wf, "split")["id"]
    # the job succeeds; its step waits for what it added, and so does "after"
    flow.ack([split], result={"files": 2})
    assert flow.steps(wf) == {"split": "active", "after": "waiting"}
    assert step_row(wf, "split")["job_succeeded"] is True
    assert flow.run_all() == ["p1", "p2", "join", "after"]
    assert flow.status(added) == "succeeded" and flow.status(wf) == "succeeded"
    result = step_row(wf, "split")["result"]
    assert result == {
        "job": {"files": 2},
        "workflows": {"parts": {"workflow_id": added, "status": "succeeded", "result": {"join": {"done": "join"}}}},
    }


def test_after_reads_the_job_s_and_the_added_workflow_s_results(flow: Flow) -> None:
    wf = flow.start("outer", step("split"), step("after", "split"))
    split = claim_step(flow, "split")
    added = add(split, "parts", step("p1"))["workflow_id"]
    (p1,) = flow.claim()
    flow.ack([p1], result={"ref": "kb/p1"})
    # everything it added finished before the job's ack: the step ends with the ack
    assert flow.steps(wf) == {"split": "active", "after": "waiting"}
    flow.ack([split], result={"files": 1})
    (after,) = flow.claim()
    inputs = json_value("SELECT fn_workflow_step_inputs(%s)", [after["id"]])["inputs"]
    assert inputs["split"]["status"] == "succeeded"
    assert inputs["split"]["result"]["job"] == {"files": 1}
    assert inputs["split"]["result"]["workflows"]["parts"] == {
        "workflow_id": added, "status": "succeeded", "result": {"p1": {"ref": "kb/p1"}}}  # fmt: skip


def test_a_re_run_attempt_finds_the_workflow_it_added_instead_of_adding_another(flow: Flow) -> None:
    wf = flow.start("outer", step("split"))
    split = claim_step(flow, "split")
    first = add(split, "parts", step("p1"))
    # the worker dies; its lease is given back and a second attempt runs the job again
    assert json_value(
        "SELECT fn_job_release_many('w1', ARRAY[%s]::bigint[], ARRAY[%s]::integer[])", [split["id"], split["attempt"]]
    )["status"] in ("released", "succeeded")
    claimed = {j["payload"]["step"]: j for j in flow.claim()}
    again = claimed["split"]
    assert again["attempt"] == split["attempt"] + 1
    second = add(again, "parts", step("p1"))
    assert second == {"status": "already_added", "workflow_id": first["workflow_id"]}
    assert sql_value("SELECT count(*) FROM workflow WHERE added_by_job_id = %s", [split["id"]]) == 1
    assert step_row(wf, "split")["added_open"] == 1
    flow.ack([again], result={"ok": True})
    assert flow.steps(wf) == {"split": "active"}
    flow.ack([claimed["p1"]])
    assert flow.status(wf) == "succeeded"


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ({"worker": "w2"}, r"lease_lost: job \d+ is leased by w1, not w2"),
        ({"attempt": 7}, r"lease_lost: job \d+ is on attempt 1, not 7"),
    ],
)
def test_only_the_attempt_holding_the_lease_adds(flow: Flow, who: dict[str, Any], error: str) -> None:
    wf = flow.start("outer", step("split"))
    split = claim_step(flow, "split")
    with db_error(error, sqlstate="QG002"):
        add(split, "parts", step("p1"), **who)
    assert sql_value("SELECT count(*) FROM workflow") == 1
    assert step_row(wf, "split")["added_open"] == 0


def test_a_finished_job_adds_nothing(flow: Flow) -> None:
    flow.start("outer", step("split"))
    split = claim_step(flow, "split")
    flow.ack([split])
    with db_error(r"lease_lost: already_succeeded: attempt 1 of job \d+ was already acked", sqlstate="QG002"):
        add(split, "parts", step("p1"))
    assert sql_value("SELECT count(*) FROM workflow") == 1


def test_a_job_outside_a_workflow_adds_nothing(flow: Flow, q) -> None:
    q.enqueue("test.job")
    (j,) = flow.claim()
    with db_error(r"not_a_workflow_step: job \d+ does not run a workflow step", sqlstate="QG005"):
        add(j, "parts", step("p1"))
    assert sql_value("SELECT count(*) FROM workflow") == 0


@pytest.mark.parametrize(
    ("steps", "name", "error"),
    [
        ([step("a", "ghost")], "parts", r"unknown_dependency: workflow added by job \d+ > step a depends on \"ghost\""),
        ([step("a"), step("a")], "parts", r"duplicate_step: workflow added by job \d+ > two steps are named a"),
        ([step("a")], "password", r"invalid_workflow_name: an added workflow's name is a key of its step's result"),
    ],
)
def test_a_bad_added_spec_is_named_and_nothing_is_written(flow: Flow, steps, name: str, error: str) -> None:
    wf = flow.start("outer", step("split"))
    split = claim_step(flow, "split")
    with db_error(error, sqlstate="QG004"):
        add(split, name, *steps)
    assert sql_value("SELECT count(*) FROM workflow") == 1
    assert step_row(wf, "split")["added_open"] == 0
    assert sql_value("SELECT count(*) FROM job_queue") == 1


def test_nesting_counts_from_the_top_workflow(flow: Flow) -> None:
    deepest: dict[str, Any] = {"name": "d10", "steps": [step("x")]}
    for level in range(9, 1, -1):  # the outer workflow is level 1; the added one level 2
        deepest = {"name": f"d{level}", "steps": [{"name": "in", "workflow": deepest}]}
    flow.start("outer", step("split"))
    split = claim_step(flow, "split")
    with db_error(r"invalid_workflow: workflow added by job \d+ > .*sub-workflows nest at most 10 deep"):
        add(split, "too_deep", {"name": "in", "workflow": deepest})
    assert sql_value("SELECT count(*) FROM workflow") == 1


def test_a_job_that_fails_takes_the_workflows_it_added_with_it(flow: Flow) -> None:
    wf = flow.start("outer", {"name": "split", "job": {**job(step="split"), **ONCE}}, step("after", "split"))
    split = claim_step(flow, "split")
    added = add(split, "parts", step("p1"), step("p2", "p1"))["workflow_id"]
    (p1,) = flow.claim()  # p1 is running when its parent step's job fails
    flow.fail(split)
    assert flow.steps(wf) == {"split": "failed", "after": "cancelled"}
    assert flow.status(added) == "cancelled"
    assert sql_value("SELECT cancel_reason FROM workflow WHERE id = %s", [added]).startswith(
        "step_ended: step split of workflow"
    )
    assert flow.steps(added) == {"p1": "cancelled", "p2": "cancelled"}
    assert flow.ack([p1])["status"] == "partial"  # the running attempt's late ack is refused
    assert flow.status(wf) == "failed"
    assert step_row(wf, "split")["added_open"] == 0


def test_an_added_workflow_that_fails_fails_its_step_which_a_retry_runs_again(flow: Flow) -> None:
    wf = flow.start("outer", step("split"), step("after", "split"))
    split = claim_step(flow, "split")
    added = add(split, "parts", {"name": "p1", "job": {**job(step="p1"), **ONCE}})["workflow_id"]
    flow.ack([split], result={"files": 1})
    assert flow.run_all(fail={"p1"}) == ["p1"]
    assert flow.status(added) == "failed"
    row = step_row(wf, "split")
    assert row["status"] == "failed"
    assert row["error"] == f"added_workflow_not_succeeded: parts (#{added}) failed"
    assert row["result"]["job"] == {"files": 1}
    assert flow.steps(wf)["after"] == "cancelled" and flow.status(wf) == "failed"
    # a retry runs the step's job again; the new job adds its own workflow of that name
    json_value("SELECT fn_workflow_step_retry(%s, 'the source is back')", [row["id"]])
    assert step_row(wf, "split")["added_open"] == 0 and step_row(wf, "split")["job_succeeded"] is False
    split2 = claim_step(flow, "split")
    assert split2["id"] != split["id"]
    again = add(split2, "parts", step("p1"))
    assert again["status"] == "added" and again["workflow_id"] != added
    flow.ack([split2], result={"files": 1})
    assert flow.run_all() == ["p1", "after"]
    assert flow.status(wf) == "succeeded"
    assert set(step_row(wf, "split")["result"]["workflows"]) == {"parts"}


def test_cancelling_reaches_a_workflow_added_by_a_job_that_already_succeeded(flow: Flow) -> None:
    wf = flow.start("outer", step("split"), step("after", "split"))
    split = claim_step(flow, "split")
    added = add(split, "parts", step("p1"))["workflow_id"]
    flow.ack([split])
    json_value("SELECT fn_workflow_cancel(%s, 'not needed')", [wf])
    assert flow.status(added) == "cancelled" and flow.status(wf) == "cancelled"
    assert flow.steps(wf) == {"split": "cancelled", "after": "cancelled"}
    assert sql_value("SELECT status::text FROM job_queue WHERE workflow_step_id IN"
                     " (SELECT id FROM workflow_step WHERE workflow_id = %s)", [added]) == "cancelled"  # fmt: skip


def test_a_cancelled_workflow_s_running_step_adds_nothing(flow: Flow) -> None:
    wf = flow.start("outer", step("split"), step("other"))
    split = claim_step(flow, "split")
    # the cancel marks the workflow first; the running job's lease is gone with its cancel
    json_value("SELECT fn_workflow_cancel(%s, 'stop')", [wf])
    with db_error(r"lease_lost: job \d+ is cancelled, not running", sqlstate="QG002"):
        add(split, "parts", step("p1"))
    assert sql_value("SELECT count(*) FROM workflow") == 1


def test_a_job_inside_an_added_workflow_adds_one_too_and_the_top_waits_for_both(flow: Flow) -> None:
    wf = flow.start("outer", step("split"), step("after", "split"))
    split = claim_step(flow, "split")
    level1 = add(split, "level1", step("mid"))["workflow_id"]
    flow.ack([split])
    mid = claim_step(flow, "mid")
    level2 = add(mid, "level2", step("deep"))["workflow_id"]
    flow.ack([mid])
    assert flow.status(level1) == "running" and flow.steps(wf)["after"] == "waiting"
    assert flow.run_all() == ["deep", "after"]
    assert [flow.status(w) for w in (level2, level1, wf)] == ["succeeded"] * 3
    # the top step's result carries the nested results
    nested = step_row(wf, "split")["result"]["workflows"]["level1"]["result"]["mid"]
    assert nested["workflows"]["level2"]["result"] == {"deep": {"done": "deep"}}


def test_cancel_counts_the_steps_of_the_workflows_a_job_added(flow: Flow) -> None:
    wf = flow.start("outer", step("split"), step("after", "split"))
    split = claim_step(flow, "split")
    add(split, "parts", step("p1"), step("p2", "p1"))
    answer = json_value("SELECT fn_workflow_cancel(%s, 'not needed')", [wf])
    # split (its running job), after, p1 (queued) and p2 (waiting)
    assert answer["steps_cancelled"] == 4


def test_a_job_re_queued_after_its_step_ended_adds_nothing(flow: Flow) -> None:
    wf = flow.start("outer", step("split"), step("after", "split"))
    (split,) = flow.claim()
    json_value("SELECT fn_job_cancel(%s, 'wrong input')", [split["id"]])
    assert flow.steps(wf) == {"split": "cancelled", "after": "cancelled"}
    json_value("SELECT fn_job_retry_now_many(ARRAY[%s]::bigint[], 'try again')", [split["id"]])
    (again,) = flow.claim()
    with db_error(
        r"step_finished: step split of workflow \d+ is cancelled; job \d+ adds nothing to it", sqlstate="QG003"
    ):
        add(again, "parts", step("p1"))
    assert sql_value("SELECT count(*) FROM workflow") == 1


def test_an_added_approval_only_the_starter_could_decide_is_refused(flow: Flow) -> None:
    use_actor("user:starter")
    flow.start("outer", step("split"))
    split = claim_step(flow, "split")
    approval = {"name": "ok", "approval": {"title": "Approve", "assignee": {"user": "starter"}}}
    inner = {"name": "inner", "steps": [approval]}
    use_actor("worker:w1")  # the worker adds; the workflow's starter is its parent's
    with db_error(r"four_eyes: user:starter started workflow \d+ and may not approve what it adds \(step ok\)"):
        add(split, "parts", {"name": "sub", "workflow": inner})
    assert sql_value("SELECT count(*) FROM workflow") == 1
