"""Messages on subjects (the comment stream): posted to users, groups and roles,
threaded, in the inbox; refused in words for an unknown subject or recipient."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from tests.helpers import db_error, json_value, sql_value, use_actor
from tests.queuegov.conftest import make_user, role_users, roles  # noqa: F401  (fixtures)
from tests.workflows.conftest import Flow, step

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def events_on(open_gate) -> None:
    open_gate("event.emit_enabled")


def post(table: str | None, ref: str | None, body: str, to: list[dict[str, str]], reply_to: int | None = None,
         *, as_: str = "alice") -> Any:  # fmt: skip
    use_actor(f"user:{as_}")
    return json_value("SELECT fn_message_post(%s, %s, %s, %s::jsonb, %s)", [table, ref, body, json.dumps(to), reply_to])


def inbox(kind: str, ref: str) -> list[int]:
    return json_value(
        "SELECT coalesce(jsonb_agg((e.payload ->> 'message_id')::bigint ORDER BY r.id), '[]') FROM event_read r"
        " JOIN event_outbox e ON e.id = r.event_id WHERE e.event_type = 'governance.message.posted'"
        " AND r.recipient_kind = %s AND r.recipient_ref = %s",
        [kind, ref],
    )


def test_a_message_on_a_workflow_reaches_users_and_roles_and_replies_reach_the_thread(flow: Flow, events_on) -> None:
    wf = flow.start("w", step("a"))
    first = post("workflow", str(wf), "Why is step a so slow?", [{"kind": "user", "ref": "bob"},
                                                                  {"kind": "role", "ref": "operator"}])  # fmt: skip
    assert first["status"] == "posted" and first["thread_id"] == first["message_id"]
    assert inbox("user", "bob") == [first["message_id"]] and inbox("role", "operator") == [first["message_id"]]
    reply = post(None, None, "The index was cold.", [], first["message_id"], as_="bob")
    assert reply["thread_id"] == first["message_id"]
    # the reply reaches the thread's author and its recipients, not its own author
    assert inbox("user", "alice") == [reply["message_id"]]
    assert inbox("role", "operator") == [first["message_id"], reply["message_id"]]
    assert inbox("user", "bob") == [first["message_id"]]
    posted = [str(first["message_id"]), str(reply["message_id"])]
    audited = sql_value(
        "SELECT count(*) FROM admin_action_audit WHERE action = 'message.post' AND target_ids && %s::text[]"
        " AND occurred_at >= now()",  # this test's rows: the trail keeps other runs' committed ones
        [posted],
    )
    assert audited == 2
    with db_error(r"reply_off_subject: message \d+ is on workflow:\d+", sqlstate="QG004"):
        post("job_queue", "1", "elsewhere", [], first["message_id"])


@pytest.mark.parametrize(
    ("table", "ref", "body", "to", "error"),
    [
        ("nowhere", "1", "hi", [{"kind": "user", "ref": "bob"}], r"unknown_subject: nowhere is not a table messages"),
        ("workflow", "999999", "hi", [{"kind": "user", "ref": "bob"}], r"unknown_subject: no a workflow 999999"),
        ("workflow", None, "  ", [{"kind": "user", "ref": "bob"}], r"invalid_message: a message has 1 to 4000"),
        (
            "workflow",
            None,
            "hi",
            [{"kind": "user", "ref": "bob"}, {"kind": "team", "ref": "bob"}],
            r"invalid_recipients: recipient 2 \(\{\"ref\": \"bob\", \"kind\": \"team\"\}\) is not",
        ),
        ("workflow", None, "hi", {"kind": "user"}, r"invalid_recipients: recipients are an array of at most 50"),
        (
            "workflow",
            None,
            "hi",
            [{"kind": "user", "ref": "bob"}, {"kind": "user", "ref": "nobody-at-all"}],
            r"unknown_recipient: recipient 2: no active user nobody-at-all",
        ),
        (
            "workflow",
            None,
            "hi",
            [{"kind": "role", "ref": "wizards"}],
            r"unknown_recipient: recipient 1: no role wizards",
        ),
        ("workflow", None, "hi", [], r"invalid_recipients: a message is posted to at least one"),
    ],
)
def test_a_bad_message_is_refused_in_words(flow: Flow, table, ref, body, to, error) -> None:
    wf = flow.start("w", step("a"))
    with db_error(error):
        post(table, ref if ref is not None else str(wf), body, to)
    assert sql_value("SELECT count(*) FROM subject_message") == 0


def test_post_and_reply_from_the_console(client, role_users, flow: Flow, events_on) -> None:
    wf = flow.start("w", step("a"))
    operator, approver = role_users["operator"], role_users["approver"]
    client.force_login(operator)
    url = reverse("admin:workflows_message_post")
    form = client.get(url, {"subject_table": "workflow", "subject_ref": wf}).content.decode()
    assert f'value="{wf}"' in form
    client.post(url, {"subject_table": "workflow", "subject_ref": wf, "recipients": "role:approver, user:nobody",
                      "body": "hello"})  # fmt: skip
    # the database names the bad recipient (no such user); nothing is posted
    assert sql_value("SELECT count(*) FROM subject_message") == 0
    assert (
        sql_value(
            "SELECT count(*) FROM admin_action_audit WHERE action = 'message.post' AND outcome = 'refused'"
            " AND detail LIKE 'unknown_recipient: recipient 2: no active user nobody%%' AND actor = %s"
            " AND occurred_at >= now()",
            [f"user:{operator.username}"],
        )
        == 1
    )
    client.post(url, {"subject_table": "workflow", "subject_ref": wf, "recipients": f"user:{approver.username}",
                      "body": "Please look at step a"})  # fmt: skip
    first = sql_value("SELECT id FROM subject_message")
    client.force_login(approver)
    client.post(f"{url}?reply_to={first}", {"subject_table": "workflow", "subject_ref": wf, "recipients": "",
                                            "body": "Looking now", "reply_to": first})  # fmt: skip
    page = client.get(reverse("admin:workflows_message_change", args=[first])).content.decode()
    assert "Please look at step a" in page and "Looking now" in page
    assert sql_value("SELECT count(*) FROM subject_message WHERE thread_id = %s", [first]) == 2
