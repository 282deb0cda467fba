"""The workflow console: lists filtered by status and name, the graph, cancel and
retry with a reason, and who may do what."""

from __future__ import annotations

import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from tests.helpers import sql_value, use_actor
from tests.jobs.test_admin import new_audit  # noqa: F401  (fixture)
from tests.queuegov.conftest import make_user, role_users, roles  # noqa: F401  (fixtures)
from tests.workflows.conftest import Flow, job, step

pytestmark = pytest.mark.django_db


def post_action(client, model, action, ids, **fields):
    data = {"action": action, ACTION_CHECKBOX_NAME: [str(i) for i in ids], "confirm": "yes", **fields}
    return client.post(reverse(f"admin:workflows_{model}_changelist"), data, follow=True)


def test_workflows_listed_by_status_and_name(client, role_users, flow: Flow) -> None:
    nightly = flow.start("nightly", step("a"))
    weekly = flow.start("weekly", step("a"))
    flow.run_all()
    client.force_login(role_users["operator"])
    url = reverse("admin:workflows_workflow_changelist")
    assert {nightly, weekly} <= set(client.get(url).context["cl"].result_list.values_list("pk", flat=True))
    by_name = client.get(url, {"name": "nightly"}).context["cl"].result_list
    assert list(by_name.values_list("pk", flat=True)) == [nightly]
    running = flow.start("nightly", step("a"))
    by_status = client.get(url, {"status__exact": "running"}).context["cl"].result_list
    assert list(by_status.values_list("pk", flat=True)) == [running]


def test_the_workflow_page_draws_the_graph_with_links(client, role_users, flow: Flow) -> None:
    wide = [step(f"m{i}", "root") for i in range(40)]
    wf = flow.start("fan", step("root"), *wide, step("sink", *[m["name"] for m in wide]))
    client.force_login(role_users["auditor"])
    body = client.get(reverse("admin:workflows_workflow_change", args=[wf])).content.decode()
    svg = re.search(r"<svg class=\"workflow-graph\".*?</svg>", body, re.S).group(0)
    root_job = flow.step_job(wf, "root")
    assert f'href="{reverse("admin:jobs_job_change", args=[root_job])}"' in svg
    assert ">root</text>" in svg and ">active</text>" in svg and ">sink</text>" in svg
    assert "… 28 more" in svg and "28 waiting" in svg  # a wide layer is summarised
    assert "<script" not in svg


def test_cancel_from_the_console_with_a_reason_is_audited(client, role_users, flow: Flow, new_audit) -> None:
    wf = flow.start("w", step("a"), step("b", "a"))
    client.force_login(role_users["reviewer"])
    post_action(client, "workflow", "cancel", [wf], reason="not mine to stop")
    assert flow.status(wf) == "running"
    client.force_login(role_users["operator"])
    post_action(client, "workflow", "cancel", [wf], reason="superseded by #2")
    assert flow.status(wf) == "cancelled"
    rows = list(new_audit.filter(action="workflow.cancel").order_by("id").values_list("outcome", "reason", "actor"))
    assert rows[0][0] == "refused" and rows[0][2] == f"user:{role_users['reviewer'].username}"
    assert rows[1:] == [("applied", "superseded by #2", f"user:{role_users['operator'].username}")]


def test_retry_a_failed_step_from_the_console(client, role_users, flow: Flow) -> None:
    wf = flow.start("w", {"name": "a", "job": {**job(step="a"), "max_attempts": 1}}, step("b", "a"))
    flow.run_all(fail={"a"})
    a = sql_value("SELECT id FROM workflow_step WHERE workflow_id = %s AND name = 'a'", [wf])
    client.force_login(role_users["operator"])
    page = client.get(reverse("admin:workflows_workflowstep_change", args=[a])).content.decode()
    assert 'value="retry"' in page
    post_action(client, "workflowstep", "retry", [a], reason="fixed the input")
    assert flow.steps(wf) == {"a": "active", "b": "waiting"}
    assert flow.run_all() == ["a", "b"] and flow.status(wf) == "succeeded"


def test_a_person_works_their_tasks_and_approvals_in_the_console(client, role_users, flow: Flow, open_gate) -> None:
    open_gate("event.emit_enabled")
    operator, approver = role_users["operator"], role_users["approver"]
    use_actor(f"user:{operator.username}")
    wf = flow.start(
        "publish",
        {"name": "write", "task": {"title": "Write the page", "assignee": {"user": operator.username}}},
        {"name": "review", "depends_on": ["write"],
         "approval": {"title": "Approve the page", "assignee": {"role": "approver"}}},
    )  # fmt: skip
    write = sql_value("SELECT id FROM human_task WHERE title = 'Write the page'")
    client.force_login(approver)
    mine = client.get(reverse("admin:workflows_humantask_changelist")).context["cl"].result_list
    assert write not in mine.values_list("pk", flat=True)  # not theirs
    post_action(client, "humantask", "claim", [write], reason="")
    assert sql_value("SELECT status FROM human_task WHERE id = %s", [write]) == "open"  # refused: not the assignee
    client.force_login(operator)
    mine = client.get(reverse("admin:workflows_humantask_changelist")).context["cl"].result_list
    assert list(mine.values_list("pk", flat=True)) == [write]
    page = client.get(reverse("admin:workflows_humantask_change", args=[write])).content.decode()
    assert 'value="claim"' in page and 'value="approve"' not in page
    assert 'value="reject"' not in page  # a task is claimed before it is rejected (fn_task_act_statuses)
    post_action(client, "humantask", "claim", [write], reason="")
    post_action(client, "humantask", "complete", [write], reason="written and checked")
    review = sql_value("SELECT id FROM human_task WHERE title = 'Approve the page'")
    client.force_login(approver)
    assert review in client.get(reverse("admin:workflows_humantask_changelist")).context["cl"].result_list.values_list(
        "pk", flat=True
    )
    response = post_action(client, "humantask", "approve", [review], reason="reads well")
    assert response.status_code == 200
    assert flow.steps(wf) == {"write": "succeeded", "review": "succeeded"}
    graph = client.get(reverse("admin:workflows_workflow_change", args=[wf])).content.decode()
    assert reverse("admin:workflows_humantask_change", args=[review]) in graph


def test_a_step_s_page_lists_what_its_job_added_and_the_added_workflow_names_its_job(
    client, role_users, flow: Flow
) -> None:
    wf = flow.start("outer", step("split"))
    (split,) = flow.claim()
    parts = '{"name": "parts", "steps": [{"name": "p1", "job": {"job_kind": "test.job"}}]}'
    added = sql_value(
        "SELECT fn_workflow_add(%s, 'w1', %s, %s::jsonb) ->> 'workflow_id'", [split["id"], split["attempt"], parts]
    )
    flow.ack([split])
    s = sql_value("SELECT id FROM workflow_step WHERE workflow_id = %s AND name = 'split'", [wf])
    client.force_login(role_users["auditor"])
    page = client.get(reverse("admin:workflows_workflowstep_change", args=[s])).content.decode()
    assert f'href="{reverse("admin:workflows_workflow_change", args=[added])}"' in page
    assert "its job succeeded; waiting for 1" in page
    child = client.get(reverse("admin:workflows_workflow_change", args=[added])).content.decode()
    assert "added by its job" in child
    assert f'href="{reverse("admin:jobs_job_change", args=[split["id"]])}"' in child


def test_which_workflows_cancel_and_which_steps_retry_is_the_database_s_table(client, role_users, flow: Flow) -> None:
    assert sql_value("SELECT fn_workflow_act_statuses('cancel')") == ["running"]
    assert sql_value("SELECT fn_workflow_act_statuses('retry', 'job')") == ["failed"]
    assert sql_value("SELECT fn_workflow_act_statuses('retry', 'task')") is None
    wf = flow.start("w", step("a"))
    flow.run_all()
    a = sql_value("SELECT id FROM workflow_step WHERE workflow_id = %s AND name = 'a'", [wf])
    client.force_login(role_users["operator"])
    assert 'value="retry"' not in client.get(reverse("admin:workflows_workflowstep_change", args=[a])).content.decode()
    assert 'value="cancel"' not in client.get(reverse("admin:workflows_workflow_change", args=[wf])).content.decode()
