"""Human tasks and approvals through the SQL API: who may claim, start, complete,
reject or approve; four-eyes generalised for approvals; a task's outcome finishing
its workflow step; the assignee's inbox; an overdue task raising its event once."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.database import as_owner
from tests.helpers import db_error, json_value, sql_value, use_actor
from tests.workflows.conftest import Flow, step

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def events_on(open_gate) -> None:
    open_gate("event.emit_enabled")


def act(task_id: int, what: str, reason: str | None = "because", result: Any = None, *, as_: str,
        roles: tuple[str, ...] = ()) -> Any:  # fmt: skip
    use_actor(f"user:{as_}", roles=roles)
    return json_value(
        "SELECT fn_task_act(%s, %s, %s, %s::jsonb)",
        [task_id, what, reason, None if result is None else json.dumps(result)],
    )


def create(spec: dict[str, Any], *, as_: str = "boss") -> int:
    use_actor(f"user:{as_}")
    answer = json_value("SELECT fn_task_create(%s::jsonb)", [json.dumps(spec)])
    assert answer["status"] == "created", answer
    return answer["task_id"]


def status(task_id: int) -> str:
    return sql_value("SELECT status FROM human_task WHERE id = %s", [task_id])


def inbox(kind: str, ref: str) -> list[str]:
    return [
        row[0]
        for row in json_value(
            "SELECT coalesce(jsonb_agg(jsonb_build_array(e.event_type) ORDER BY r.id), '[]') FROM event_read r"
            " JOIN event_outbox e ON e.id = r.event_id WHERE r.recipient_kind = %s AND r.recipient_ref = %s",
            [kind, ref],
        )
    ]


def test_a_task_is_claimed_started_and_completed_by_its_assignee(flow: Flow, events_on) -> None:
    task = create({"title": "Check the travel policy", "assignee": {"user": "alice"}})
    assert inbox("user", "alice") == ["governance.task.assigned"]
    with db_error(r"not_assignee: task \d+ is for user alice, not user:bob", sqlstate="QG002"):
        act(task, "claim", as_="bob")
    with db_error(r"task_not_open: task \d+ is not claimed yet", sqlstate="QG003"):
        act(task, "complete", as_="alice")
    assert act(task, "claim", as_="alice")["status"] == "claimed"
    with db_error(r"not_assignee: task \d+ is claimed by user:alice, not user:bob", sqlstate="QG002"):
        act(task, "start", as_="bob")
    assert act(task, "start", None, as_="alice")["status"] == "started"
    with db_error(r"reason_required", sqlstate="QG008"):
        act(task, "complete", "", as_="alice")
    answer = act(task, "complete", "checked, two typos fixed", {"ref": "kb/travel#v3"}, as_="alice")
    assert answer["status"] == "completed"
    assert json_value("SELECT result FROM human_task WHERE id = %s", [task]) == {"ref": "kb/travel#v3"}
    with db_error(r"task_not_open: task \d+ is completed", sqlstate="QG003"):
        act(task, "reject", as_="alice")
    audited = sql_value(
        "SELECT array_agg(action ORDER BY id) FROM admin_action_audit WHERE target_table = 'human_task'"
        " AND target_ids = %s AND occurred_at >= now()",  # this test's rows (the trail keeps committed ones)
        [[str(task)]],
    )
    assert audited == ["task.create", "task.claim", "task.start", "task.complete"]


def test_a_task_for_a_role_is_claimed_by_a_member_and_can_be_released(flow: Flow, events_on) -> None:
    task = create({"title": "Triage the inbox", "assignee": {"role": "reviewer"}})
    assert inbox("role", "reviewer") == ["governance.task.assigned"]
    with db_error(r"not_assignee: task \d+ is for role reviewer", sqlstate="QG002"):
        act(task, "claim", as_="ops", roles=("operator",))
    act(task, "claim", as_="rita", roles=("reviewer",))
    assert act(task, "release", "on leave", as_="rita", roles=("reviewer",))["status"] == "open"
    assert act(task, "claim", as_="rick", roles=("reviewer",))["status"] == "claimed"


def test_an_approval_needs_distinct_approvers_who_neither_started_nor_did_the_work(flow: Flow, events_on) -> None:
    use_actor("user:starter", roles=("approver",))
    wf = flow.start(
        "publish",
        {"name": "write", "task": {"title": "Write the page", "assignee": {"user": "doer"}}},
        {"name": "review", "depends_on": ["write"],
         "approval": {"title": "Approve the page", "assignee": {"role": "approver"}, "required": 2}},
        step("publish", "review"),
    )  # fmt: skip
    write = sql_value("SELECT id FROM human_task WHERE title = 'Write the page'")
    act(write, "claim", as_="doer", roles=("approver",))
    act(write, "complete", "written", {"ref": "kb/page"}, as_="doer", roles=("approver",))
    assert flow.steps(wf) == {"write": "succeeded", "review": "active", "publish": "waiting"}
    review = sql_value("SELECT id FROM human_task WHERE title = 'Approve the page'")
    assert inbox("role", "approver") == ["governance.task.assigned"]
    with db_error(r"four_eyes: user:starter started the workflow or did the work", sqlstate="QG002"):
        act(review, "approve", as_="starter", roles=("approver",))
    with db_error(r"four_eyes: user:doer started the workflow or did the work", sqlstate="QG002"):
        act(review, "approve", as_="doer", roles=("approver",))
    with db_error(r"not_assignee: approval \d+ is for role approver", sqlstate="QG002"):
        act(review, "approve", as_="visitor", roles=("reviewer",))
    with db_error(r"task_not_open: task \d+ is an approval", sqlstate="QG003"):
        act(review, "claim", as_="ann", roles=("approver",))
    assert act(review, "approve", "reads well", as_="ann", roles=("approver",)) == {
        "status": "open", "task_id": review, "approvals": 1, "required": 2}  # fmt: skip
    with db_error(r"four_eyes: user:ann already decided approval \d+", sqlstate="QG002"):
        act(review, "approve", "still good", as_="ann", roles=("approver",))
    assert act(review, "approve", "agreed", as_="abe", roles=("approver",))["status"] == "completed"
    assert flow.steps(wf) == {"write": "succeeded", "review": "succeeded", "publish": "active"}
    assert json_value("SELECT result FROM human_task WHERE id = %s", [review]) == {
        "approved_by": ["user:ann", "user:abe"]
    }


def test_a_rejected_approval_fails_its_step_and_cancels_what_depends_on_it(flow: Flow, events_on) -> None:
    wf = flow.start(
        "publish",
        {"name": "review", "approval": {"title": "Approve", "assignee": {"role": "approver"}}},
        step("publish", "review"),
    )
    review = sql_value("SELECT id FROM human_task WHERE workflow_step_id IS NOT NULL")
    act(review, "reject", "the numbers are wrong", as_="ann", roles=("approver",))
    assert flow.steps(wf) == {"review": "failed", "publish": "cancelled"}
    error = sql_value("SELECT error FROM workflow_step WHERE workflow_id = %s AND name = 'review'", [wf])
    assert error == "approval rejected by user:ann: the numbers are wrong"


def test_cancelling_a_workflow_cancels_its_open_tasks(flow: Flow, events_on) -> None:
    wf = flow.start("w", {"name": "t", "task": {"title": "Do it", "assignee": {"user": "alice"}}}, step("after", "t"))
    task = sql_value("SELECT id FROM human_task WHERE workflow_step_id IS NOT NULL")
    act(task, "claim", as_="alice")
    use_actor("user:boss")
    json_value("SELECT fn_workflow_cancel(%s, 'not needed')", [wf])
    assert status(task) == "cancelled" and flow.status(wf) == "cancelled"
    with db_error(r"task_not_open: task \d+ is cancelled", sqlstate="QG003"):
        act(task, "complete", "done anyway", as_="alice")


def test_an_overdue_task_raises_its_event_once(flow: Flow, events_on) -> None:
    task = create({"title": "Renew the certificate", "assignee": {"user": "alice"}, "due_in_seconds": 3600})
    assert json_value("SELECT fn_task_overdue_tick()") == {"status": "nothing_to_do", "tasks": 0}
    with as_owner():
        sql_value("UPDATE human_task SET due_at = now() - interval '1 minute' WHERE id = %s RETURNING id", [task])
    assert json_value("SELECT fn_task_overdue_tick()") == {"status": "raised", "tasks": 1}
    assert json_value("SELECT fn_task_overdue_tick()") == {"status": "nothing_to_do", "tasks": 0}
    # marked again by hand, the event is still raised only once (its subject is the task)
    with as_owner():
        sql_value("UPDATE human_task SET overdue_raised_at = NULL WHERE id = %s RETURNING id", [task])
    json_value("SELECT fn_task_overdue_tick()")
    assert (
        sql_value(
            "SELECT count(*) FROM event_outbox WHERE event_type = 'governance.task.overdue' AND event_subject_ref = %s",
            [str(task)],
        )
        == 1
    )
    assert inbox("user", "alice") == ["governance.task.assigned", "governance.task.overdue"]


def test_a_finished_task_is_never_overdue(flow: Flow, events_on) -> None:
    task = create({"title": "Quick one", "assignee": {"user": "alice"}, "due_in_seconds": 60})
    act(task, "claim", as_="alice")
    act(task, "complete", "done", as_="alice")
    with as_owner():
        sql_value("UPDATE human_task SET due_at = now() - interval '1 minute' WHERE id = %s RETURNING id", [task])
    assert json_value("SELECT fn_task_overdue_tick()")["status"] == "nothing_to_do"


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ({"title": "", "assignee": {"user": "alice"}}, r"invalid_task: step t: title is text of 1 to 200 characters"),
        ({"title": "x", "assignee": {"team": "alice"}}, r"invalid_task: step t: assignee is one of \{\"user\": name\}"),
        ({"title": "x", "assignee": {"user": "alice", "role": "approver"}},
         r"invalid_task: step t: assignee is one of"),
        ({"title": "x", "assignee": {"user": "alice"}, "due_in_seconds": -5},
         r"invalid_task: step t: due_in_seconds is a whole number of seconds from 1 to 31536000, not -5"),
        ({"title": "x", "assignee": {"user": "alice"}, "when": "soon"},
         r"invalid_task: step t: unknown key when \(a task has title, description, assignee, due_in_seconds\)"),
        ({"title": "x", "assigne": {"user": "alice"}}, r"invalid_task: step t: unknown key assigne "),
        ({"title": "x", "assignee": {"user": "nosuchuser"}}, r"unknown_assignee: step t: no active user nosuchuser"),
        ({"title": "x", "assignee": {"group": "nosuchgroup"}}, r"unknown_assignee: step t: no group nosuchgroup"),
    ],
)  # fmt: skip
def test_a_bad_task_spec_is_refused_naming_the_step_and_the_part(flow: Flow, spec, error: str) -> None:
    with db_error(error):
        flow.create({"name": "w", "steps": [{"name": "t", "task": spec}]})
    assert sql_value("SELECT count(*) FROM workflow") == 0


# ---------------------------------------------------------------------------
# Review of the human work: each of these failed before sql/workflows/0008
# ---------------------------------------------------------------------------
def test_an_actor_with_no_roles_is_no_member_of_a_group_or_role(flow: Flow) -> None:
    task = create({"title": "Edit", "assignee": {"group": "editors"}})
    with db_error(r"not_assignee: task \d+ is for group editors, not user:bob", sqlstate="QG002"):
        act(task, "claim", as_="bob")
    approval = create({"title": "Approve", "assignee": {"role": "approver"}, "required": 1})
    with db_error(r"not_assignee: approval \d+ is for role approver, not user:bob", sqlstate="QG002"):
        act(approval, "approve", as_="bob")
    assert (status(task), status(approval)) == ("open", "open")
    assert sql_value("SELECT count(*) FROM human_task_decision") == 0


@pytest.mark.parametrize("act_name", [None, "finish"])
def test_an_act_that_is_not_one_is_named(flow: Flow, act_name: str | None) -> None:
    task = create({"title": "T", "assignee": {"user": "alice"}})
    act(task, "claim", as_="alice")
    approval = create({"title": "A", "assignee": {"role": "approver"}, "required": 1})
    for t in (task, approval):
        with db_error(r"invalid_task_act: (NULL|finish) is not an act on a task", sqlstate="QG004"):
            act(t, act_name, "x", as_="alice", roles=("approver",))
    assert (status(task), status(approval)) == ("claimed", "open")
    assert sql_value("SELECT count(*) FROM human_task_decision") == 0


def _approval_after(flow: Flow, *before: dict[str, Any]) -> int:
    """A workflow started by ``starter``: the steps ``before``, then approval ``review`` after the last."""
    use_actor("user:starter", roles=("approver",))
    approval = {"name": "review", "depends_on": [before[-1]["name"]],
                "approval": {"title": "Review", "assignee": {"role": "approver"}, "required": 1}}  # fmt: skip
    return flow.start("w", *before, approval)


def _review() -> int:
    return sql_value("SELECT id FROM human_task WHERE title = 'Review'")


def _do(task_title: str, who: str) -> None:
    t = sql_value("SELECT id FROM human_task WHERE title = %s", [task_title])
    act(t, "claim", as_=who, roles=("approver",))
    act(t, "complete", "written", as_=who, roles=("approver",))


def test_four_eyes_reaches_work_two_steps_upstream(flow: Flow) -> None:
    write = {"name": "write", "task": {"title": "Write", "assignee": {"user": "ann"}}}
    wf = _approval_after(flow, write, step("render", "write"))
    _do("Write", "ann")
    flow.run_all()  # render (a job)
    review = _review()
    with db_error(r"four_eyes: user:ann started the workflow or did the work approval \d+ is about", sqlstate="QG002"):
        act(review, "approve", as_="ann", roles=("approver",))
    assert act(review, "approve", "fine", as_="abe", roles=("approver",))["status"] == "completed"
    assert flow.status(wf) == "succeeded"


def test_four_eyes_reaches_work_inside_a_sub_workflow(flow: Flow) -> None:
    inner = {"name": "inner", "steps": [{"name": "write", "task": {"title": "Write", "assignee": {"user": "ann"}}}]}
    wf = _approval_after(flow, {"name": "sub", "workflow": inner})
    _do("Write", "ann")
    review = _review()
    with db_error(r"four_eyes: user:ann", sqlstate="QG002"):
        act(review, "approve", as_="ann", roles=("approver",))
    assert act(review, "approve", "fine", as_="abe", roles=("approver",))["status"] == "completed"
    assert flow.status(wf) == "succeeded"


def test_four_eyes_reaches_work_before_the_sub_workflow_holding_the_approval(flow: Flow) -> None:
    use_actor("user:starter")
    review = {"title": "Review", "assignee": {"role": "approver"}, "required": 1}
    inner = {"name": "inner", "steps": [{"name": "review", "approval": review}]}
    wf = flow.start("w", {"name": "write", "task": {"title": "Write", "assignee": {"user": "ann"}}},
                    {"name": "sub", "workflow": inner, "depends_on": ["write"]})  # fmt: skip
    _do("Write", "ann")
    task = _review()
    with db_error(r"four_eyes: user:ann", sqlstate="QG002"):
        act(task, "approve", as_="ann", roles=("approver",))
    assert act(task, "approve", "fine", as_="abe", roles=("approver",))["status"] == "completed"
    assert flow.status(wf) == "succeeded"


def test_whoever_filed_a_standalone_task_cancels_it(flow: Flow) -> None:
    task = create({"title": "Wrong person", "assignee": {"user": "alice"}}, as_="boss")
    with db_error(r"not_creator: task \d+ was filed by user:boss, not user:alice", sqlstate="QG002"):
        act(task, "cancel", "not mine", as_="alice")
    with db_error(r"reason_required", sqlstate="QG008"):
        act(task, "cancel", None, as_="boss")
    assert act(task, "cancel", "assigned to the wrong person", as_="boss") == {"status": "cancelled", "task_id": task}
    assert sql_value("SELECT count(*) FROM admin_action_audit WHERE action = 'task.cancel' AND target_ids = %s"
                     " AND occurred_at >= now()", [[str(task)]]) == 1  # fmt: skip
    with db_error(r"task_not_open: task \d+ is cancelled", sqlstate="QG003"):
        act(task, "claim", as_="alice")


def test_a_workflow_s_task_is_cancelled_with_its_workflow_only(flow: Flow) -> None:
    wf = flow.start("w", {"name": "t", "task": {"title": "T", "assignee": {"user": "alice"}}})
    task = sql_value("SELECT id FROM human_task WHERE title = 'T'")
    with db_error(r"task_in_workflow: task \d+ is step t of workflow \d+; cancel the workflow", sqlstate="QG003"):
        act(task, "cancel", "not needed", as_="starter")
    assert status(task) == "open" and flow.status(wf) == "running"


def test_a_task_about_a_subject_names_a_row_that_exists(flow: Flow) -> None:
    use_actor("user:boss")
    spec = json.dumps({"title": "Look", "assignee": {"user": "alice"}})
    with db_error(r"unknown_subject: nowhere:1 is not a row of a registered subject table", sqlstate="QG005"):
        sql_value("SELECT fn_task_create(%s::jsonb, 'nowhere', '1')", [spec])
    with db_error(r"unknown_subject: workflow:999999 is not a row", sqlstate="QG005"):
        sql_value("SELECT fn_task_create(%s::jsonb, 'workflow', '999999')", [spec])
    with db_error(r"unknown_subject: workflow:abc is not a row", sqlstate="QG005"):
        sql_value("SELECT fn_task_create(%s::jsonb, 'workflow', 'abc')", [spec])
    with db_error(r"unknown_subject: staging record 999999 does not exist or is not pending review", sqlstate="QG005"):
        create({"title": "A", "assignee": {"role": "approver"}, "required": 1,
                "approves": {"table": "iu_staging_record", "ref": "999999"}})  # fmt: skip
    with db_error(r"invalid_task: unknown key approves .*; an approval names its required approvers"):
        create({"title": "A", "assignee": {"role": "approver"},
                "approves": {"table": "iu_staging_record", "ref": "1"}})  # fmt: skip
    wf = flow.start("w", step("a"))
    answer = json_value("SELECT fn_task_create(%s::jsonb, 'workflow', %s)", [spec, str(wf)])
    assert answer["status"] == "created"
    assert sql_value("SELECT count(*) FROM human_task WHERE title IN ('Look', 'A')") == 1


def test_which_acts_apply_is_one_table_the_sql_enforces(flow: Flow) -> None:
    statuses = {
        (a, k): sql_value("SELECT fn_task_act_statuses(%s, %s)", [a, k])
        for a in ("claim", "release", "start", "complete", "reject", "approve", "cancel")
        for k in ("task", "approval")
    }
    assert statuses[("reject", "task")] == ["claimed", "started"]
    assert statuses[("approve", "task")] is None and statuses[("claim", "approval")] is None
    # an open task is not rejected: it is claimed first (the console offered it before)
    task = create({"title": "T", "assignee": {"user": "alice"}})
    with db_error(r"task_not_open: task \d+ is not claimed yet: claim it first", sqlstate="QG003"):
        act(task, "reject", "nope", as_="alice")


def test_a_group_whose_name_holds_a_comma_is_no_role(flow: Flow) -> None:
    approval = create({"title": "Approve", "assignee": {"role": "approver"}, "required": 1})
    with db_error(r"not_assignee: approval \d+ is for role approver, not user:bob", sqlstate="QG002"):
        act(approval, "approve", as_="bob", roles=("x,approver",))
    assert status(approval) == "open"
