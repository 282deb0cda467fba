"""What a fresh-eyes review found: specs that were accepted and then broke inside a
worker's ack (where a failure also stalls the lease reaper), a retry that left a
waiting step's counts wrong, a cancel that started new work, approvals nobody
could decide, fan-outs wider than one enqueue, and executors filing human tasks.
Each is refused at creation or handled where it happens."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from psycopg import sql as pgsql

from jobs.executors import create_executor_login
from queuegov.actor import Actor
from tests.database import admin_connect, login_connect
from tests.helpers import db_error, governed_set, json_value, sql_value, use_actor
from tests.workflows.conftest import Flow, job, step

pytestmark = [pytest.mark.django_db]


def step_id(wf: int, name: str) -> int:
    return sql_value("SELECT id FROM workflow_step WHERE workflow_id = %s AND name = %s", [wf, name])


@pytest.mark.parametrize("name", ["embedding", "body", "token"])
def test_a_step_named_like_a_prohibited_payload_key_is_refused_at_creation(flow: Flow, name: str) -> None:
    """The name is a key of the workflow's final result: the last ack would have failed for good."""
    with db_error(r"invalid_step_name: a step name is a key of the workflow's result", sqlstate="QG004"):
        flow.create({"name": "w", "steps": [step("a"), step(name, "a")]})
    assert sql_value("SELECT count(*) FROM workflow") == 0


def test_a_sub_workflow_s_long_correlation_id_is_refused_at_creation(flow: Flow) -> None:
    sub = {"name": "sub", "correlation_id": "c" * 201, "steps": [step("x")]}
    with db_error(r"invalid_workflow: step later > a correlation_id is text of at most 200", sqlstate="QG004"):
        flow.create({"name": "w", "steps": [step("a"), {"name": "later", "workflow": sub, "depends_on": ["a"]}]})


def test_a_retry_recounts_a_step_still_waiting_on_the_retried_one(flow: Flow) -> None:
    wf = flow.start("w", {"name": "a", "job": {**job(step="a"), "max_attempts": 1}}, step("e"), step("d", "a", "e"))
    jobs = {j["payload"]["step"]: j for j in flow.claim()}
    flow.fail(jobs["a"])  # a is dead while e still runs: d waits on e, one dependency failed
    assert flow.steps(wf)["d"] == "waiting"
    json_value("SELECT fn_workflow_step_retry(%s, 'input fixed')", [step_id(wf, "a")])
    (again,) = flow.claim()
    flow.ack([again])
    assert flow.steps(wf) == {"a": "succeeded", "e": "active", "d": "waiting"}  # d still waits for e
    flow.ack([jobs["e"]])
    assert flow.steps(wf)["d"] == "active"
    assert flow.run_all() == ["d"] and flow.status(wf) == "succeeded"


def test_cancelling_starts_nothing_that_waited_on_a_cancelled_sub_workflow(flow: Flow) -> None:
    wf = flow.start(
        "w",
        {"name": "first", "workflow": {"name": "one", "steps": [step("x")]}},
        {"name": "then", "workflow": {"name": "two", "steps": [step("y")]}, "depends_on": ["first"],
         "on_dependency_failure": "run"},
    )  # fmt: skip
    json_value("SELECT fn_workflow_cancel(%s, 'stop everything')", [wf])
    assert flow.status(wf) == "cancelled"
    assert flow.steps(wf) == {"first": "cancelled", "then": "cancelled"}
    assert sql_value("SELECT child_workflow_id FROM workflow_step WHERE id = %s", [step_id(wf, "then")]) is None
    assert sql_value("SELECT count(*) FROM job_queue WHERE status IN ('queued', 'running')") == 0


@pytest.mark.parametrize(
    ("approval", "error"),
    [
        ({"title": "ok?", "assignee": {"user": "ann"}, "required": 2},
         r"invalid_task: step ok: an approval assigned to one user needs 1 approver"),
        ({"title": "ok?", "assignee": {"user": "starter"}},
         r"four_eyes: user:starter may not approve what they start \(step ok\)"),
    ],
)  # fmt: skip
def test_an_approval_nobody_may_decide_is_refused(flow: Flow, approval: dict[str, Any], error: str) -> None:
    use_actor("user:starter")
    with db_error(error):
        flow.create({"name": "w", "steps": [{"name": "ok", "approval": approval}]})
    with db_error(error.replace("step ok: ", "").replace(r" \(step ok\)", r" \(the approval\)")):
        # on the task list an approval is a task with "required"
        json_value("SELECT fn_task_create(%s::jsonb)", [json.dumps({"required": 1, **approval})])


def test_more_ready_steps_than_one_enqueue_takes_start_in_chunks(flow: Flow) -> None:
    governed_set("queue.enqueue_many.max_jobs", 3)
    use_actor("test:workflow-starter")
    wf = flow.start("fan", step("root"), *[step(f"m{i}", "root") for i in range(7)])
    flow.ack(flow.claim())
    assert set(flow.steps(wf).values()) == {"succeeded", "active"}
    assert sql_value("SELECT count(*) FROM job_queue WHERE workflow_step_id IS NOT NULL") == 8


@pytest.mark.django_db(transaction=True)
def test_an_executor_creates_workflows_of_jobs_but_no_human_steps(jobs_on) -> None:
    name = f"qg_test_exec_{uuid.uuid4().hex[:8]}"
    credentials = create_executor_login(name, "Hermes", None, actor=Actor.for_command("test"))
    try:
        with login_connect(credentials.login, credentials.password) as conn:
            spec = {"name": "w", "steps": [{"name": "ok", "task": {"title": "do", "assignee": {"user": "ann"}}}]}
            with pytest.raises(Exception, match=r"human_steps_refused: an executor login creates workflows of jobs"):
                conn.execute("SELECT fn_workflow_create(%s::jsonb)", [json.dumps(spec)])
            assert sql_value("SELECT count(*) FROM human_task WHERE workflow_step_id IS NOT NULL") == 0
    finally:
        with admin_connect() as conn:
            conn.execute(pgsql.SQL("DROP ROLE IF EXISTS {}").format(pgsql.Identifier(name)))
