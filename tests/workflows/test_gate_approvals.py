"""One approval mechanism for gate changes (docs/workflows.md): a request assigns an
approval to the approver role; deciding the approval decides the request under the
gate's own four-eyes and audit; deciding or withdrawing the request directly closes
the approval."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers import config_value, db_error, json_value, sql_value, use_actor
from tests.workflows.conftest import Flow

pytestmark = [pytest.mark.django_db]

SETTING = "event.retry.max_attempts"  # 1..100


def file_request(value: Any, *, as_: str = "ops") -> int:
    use_actor(f"user:{as_}", roles=("operator",))
    return sql_value(
        "SELECT fn_gate_change_request(%s, %s::jsonb, 'the workload needs it')", [SETTING, json.dumps(value)]
    )


def approval_of(request_id: int) -> dict[str, Any]:
    return json_value(
        "SELECT to_jsonb(t) FROM human_task t WHERE subject_table = 'gate_change_request' AND subject_ref = %s",
        [str(request_id)],
    )


def act(task_id: int, what: str, reason: str = "checked the numbers", *, as_: str) -> Any:
    use_actor(f"user:{as_}", roles=("approver",))
    return json_value("SELECT fn_task_act(%s, %s, %s)", [task_id, what, reason])


def test_a_request_is_an_approval_for_the_approver_role(flow: Flow) -> None:
    request = file_request(9)
    task = approval_of(request)
    assert (task["task_kind"], task["assignee_kind"], task["assignee"], task["status"]) == (
        "approval", "role", "approver", "open")  # fmt: skip
    assert task["approves"] is True and task["created_by"] == "user:ops"
    assert task["title"] == f"Approve gate change #{request}: {SETTING} to 9"


def test_approving_the_task_applies_the_change_and_audits_both_acts(flow: Flow) -> None:
    request = file_request(9)
    task = approval_of(request)["id"]
    with db_error(r"four_eyes: user:ops started the workflow or did the work", sqlstate="QG002"):
        act(task, "approve", as_="ops")
    assert config_value(SETTING) != 9
    assert act(task, "approve", as_="abe")["status"] == "completed"
    assert config_value(SETTING) == 9
    assert sql_value("SELECT status FROM gate_change_request WHERE id = %s", [request]) == "applied"
    assert sql_value("SELECT decided_by FROM gate_change_request WHERE id = %s", [request]) == "user:abe"
    actions = sql_value(
        "SELECT array_agg(action || ' ' || actor ORDER BY id) FROM admin_action_audit WHERE occurred_at >= now()"
        " AND ((action = 'task.approve' AND target_ids = %s) OR (action = 'gate_change.approve' AND target_ids = %s))",
        [[str(task)], [str(request)]],
    )
    assert actions == ["gate_change.approve user:abe", "task.approve user:abe"]


def test_rejecting_the_task_rejects_the_request(flow: Flow) -> None:
    request = file_request(9)
    task = approval_of(request)["id"]
    assert act(task, "reject", "not during the freeze", as_="abe")["status"] == "rejected"
    assert sql_value("SELECT status FROM gate_change_request WHERE id = %s", [request]) == "rejected"
    assert config_value(SETTING) != 9


@pytest.mark.parametrize(
    ("verb", "as_", "task_status"),
    [("approve", "abe", "completed"), ("reject", "abe", "rejected"), ("withdraw", "ops", "cancelled")],
)
def test_deciding_the_request_directly_closes_its_approval(flow: Flow, verb: str, as_: str, task_status: str) -> None:
    request = file_request(9)
    use_actor(f"user:{as_}")
    json_value(f"SELECT fn_gate_change_{verb}(%s, 'decided on the request')", [request])
    task = approval_of(request)
    assert (task["status"], task["finished_by"]) == (task_status, f"user:{as_}")
    with db_error(rf"task_not_open: task \d+ is {task_status}", sqlstate="QG003"):
        act(task["id"], "approve", as_="bea")


def test_a_stale_request_refuses_its_approval_with_the_gate_s_rule(flow: Flow, set_config) -> None:
    request = file_request(9)
    task = approval_of(request)["id"]
    with db_error(r"request_pending: "):
        set_config(SETTING, 8)  # one pending request per key: the gate's own rule
    with db_error(r"four_eyes: ", sqlstate="QG002"):
        act(task, "approve", as_="ops")
    assert approval_of(request)["status"] == "open"


def test_an_approval_of_a_subject_is_not_cancelled_as_a_task(flow: Flow) -> None:
    request = file_request(9)
    task = approval_of(request)["id"]
    with db_error(r"approval_of_subject: approval \d+ decides gate_change_request:\d+", sqlstate="QG003"):
        act(task, "cancel", "not needed", as_="ops")
