"""Workflows from Python: django.tasks tasks as steps, results passed along, the
real worker running them (workflows.spec)."""

from __future__ import annotations

import pytest

from jobs.worker import Worker
from tests.helpers import json_value, sql_value
from tests.jobs import sample_tasks
from workflows.spec import Step, start

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("jobs_on")]


def test_tasks_as_steps_pass_their_results_along() -> None:
    wf = start(
        "sums",
        [
            Step.task("two", sample_tasks.add, 1, 1),
            Step.task("five", sample_tasks.add, 2, b=3),
            Step.task("total", sample_tasks.sum_inputs, depends_on=["two", "five"]),
            Step("after", job_kind="queuegov.noop", depends_on=["total"]),
        ],
        correlation_id="python-api",
    )
    Worker(once=True, listen=False).run()
    assert sql_value("SELECT status FROM workflow WHERE id = %s", [wf]) == "succeeded"
    total = json_value("SELECT result FROM workflow_step WHERE workflow_id = %s AND name = 'total'", [wf])
    assert total == {"return_value": 7}
    assert sql_value("SELECT count(DISTINCT correlation_id) FROM job_queue WHERE workflow_step_id IS NOT NULL") == 1
    kinds = sql_value("SELECT array_agg(DISTINCT job_kind::text) FROM job_queue WHERE workflow_step_id IS NOT NULL")
    assert set(kinds) == {
        "task:tests.jobs.sample_tasks.add",
        "task:tests.jobs.sample_tasks.sum_inputs",
        "queuegov.noop",
    }


def test_a_task_adds_a_workflow_its_dependents_wait_for() -> None:
    wf = start(
        "split",
        [
            Step.task("split", sample_tasks.split_in, 3),
            Step("after", job_kind="queuegov.noop", depends_on=["split"]),
        ],
    )
    Worker(once=True, listen=False).run()
    assert sql_value("SELECT status FROM workflow_step WHERE workflow_id = %s AND name = 'split'", [wf]) == "active"
    # a worker reads the kinds it claims every 30 s; the added steps' task kinds are new
    Worker(once=True, listen=False).run()
    assert sql_value("SELECT status FROM workflow WHERE id = %s", [wf]) == "succeeded"
    split = json_value("SELECT result FROM workflow_step WHERE workflow_id = %s AND name = 'split'", [wf])
    assert split["job"] == {"return_value": {"parts": 3}}
    assert split["workflows"]["parts"]["result"] == {"total": {"return_value": 0 + 2 + 4}}
    # "after" ran last: after the job that added the workflow, and after everything in it
    finished = json_value(
        "SELECT jsonb_object_agg(job_kind, to_jsonb(finished_at)) FROM ("
        " SELECT job_kind::text, max(finished_at) AS finished_at FROM job_queue GROUP BY job_kind) k"
    )
    assert finished["queuegov.noop"] >= max(v for k, v in finished.items() if k.startswith("task:"))


def test_adding_outside_a_running_job_is_named() -> None:
    from workflows.spec import add

    with pytest.raises(LookupError, match=r"no job is running here"):
        add("parts", [Step("p", job_kind="queuegov.noop")])
