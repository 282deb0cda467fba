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
