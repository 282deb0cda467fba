"""A trigger-OUT route goes live only by four-eyes on its own gate (docs/events.md, "Going live")."""

from __future__ import annotations

import pytest

from tests.events.conftest import call, register_route_target
from tests.helpers import (
    config_value,
    db_error,
    decide_change,
    governed_set,
    preserved_actor,
    request_change,
    sql_rows,
    sql_value,
    use_actor,
)

pytestmark = pytest.mark.django_db

TYPE = "job.replayed"


def as_actor(name: str, sql: str, *params: object) -> dict:
    with preserved_actor():
        use_actor(name)
        return call(sql, *params)


def state(route_id: int) -> tuple[bool, bool]:
    [found] = sql_rows("SELECT enabled, dry_run FROM iu_outbound_route WHERE id = %s", [route_id])
    return found


def create(name: str, target: str, action: str = "call_function") -> dict:
    return as_actor("user:ops", "SELECT fn_iu_outbound_route_create(%s, %s, %s, %s)", name, TYPE, action, target)


def test_a_route_is_born_with_its_own_gate_off_and_cannot_go_live_on_one_word(sink) -> None:
    created = create("test-out.a", sink)
    gate = created["gate"]
    assert gate == "event.outbound_route.test_out_a.live"
    assert config_value(gate) is False
    assert sql_value("SELECT kind FROM dot_config WHERE key = %s", [gate]) == "gate"
    with db_error(
        r"^four_eyes_required: route test-out.a goes live only by an approved change of its gate "
        r"event.outbound_route.test_out_a.live",
        sqlstate="QG002",
    ):
        as_actor("user:ops", "SELECT fn_iu_outbound_route_set(%s, true, false, 'just do it')", created["route_id"])
    assert state(created["route_id"]) == (False, True)
    # the requester may not approve their own request
    request_id = request_change(gate, True, "ready", requester="user:ops")
    with db_error("^four_eyes: approver must differ from requester", sqlstate="QG002"):
        decide_change("approve", request_id, "I approve my own", decider="user:ops")
    assert state(created["route_id"]) == (False, True)
    decide_change("approve", request_id, "looked at it", decider="user:approver")
    assert state(created["route_id"]) == (True, False)


def test_an_open_gate_lets_operators_pause_and_resume_and_closing_it_ends_live(sink) -> None:
    created = create("test-out-b", sink)
    route = created["route_id"]
    governed_set(created["gate"], True)
    as_actor("user:ops", "SELECT fn_iu_outbound_route_set(%s, true, true, 'pause it')", route)
    assert state(route) == (True, True)
    as_actor("user:ops", "SELECT fn_iu_outbound_route_set(%s, true, false, 'resume')", route)
    assert state(route) == (True, False)
    governed_set(created["gate"], False)
    assert state(route) == (True, True)
    with db_error("^four_eyes_required", sqlstate="QG002"):
        as_actor("user:ops", "SELECT fn_iu_outbound_route_set(%s, true, false, 'resume again')", route)


def test_opening_is_refused_when_the_route_could_not_follow(sink) -> None:
    created = create("test-out-c", sink)
    as_actor("user:admin", "SELECT fn_iu_route_target_retire(%s, 'misbehaves')", sink)
    with db_error("^unregistered_route_target: fn_test_route_sink is retired as a route target", sqlstate="QG002"):
        request_change(created["gate"], True, "ready", requester="user:ops")
    register_route_target(sink)
    request_id = request_change(created["gate"], True, "ready", requester="user:ops")
    # retired between request and approval: the approval fails and nothing changes
    as_actor("user:admin", "SELECT fn_iu_route_target_retire(%s, 'misbehaves again')", sink)
    with db_error("^unregistered_route_target", sqlstate="QG002"):
        decide_change("approve", request_id, "looks fine", decider="user:approver")
    assert config_value(created["gate"]) is False and state(created["route_id"]) == (False, True)


def test_two_names_that_would_share_a_gate_are_refused(sink) -> None:
    created = create("test-out-d", sink)
    governed_set(created["gate"], True)
    with db_error('^duplicate key value violates unique constraint "outbound_route_gate_key_once"'):
        create("test_out.d", sink)
    assert sql_rows("SELECT route_name FROM iu_outbound_route WHERE route_name LIKE 'test%%'") == [("test-out-d",)]
    assert config_value(created["gate"]) is True


def test_route_targets_are_registered_by_an_actor_with_a_description(sink) -> None:
    with db_error("^actor_required", sqlstate="QG001"):
        call("SELECT fn_iu_route_target_register('fn_test_route_sink', 'x')")
    with db_error("^invalid_route_target: 'DROP TABLE' is not a function name", sqlstate="QG004"):
        as_actor("user:admin", "SELECT fn_iu_route_target_register('DROP TABLE', 'sneaky')")
    with db_error("^unknown_function: fn_no_such_target\\(jsonb\\) does not exist", sqlstate="QG005"):
        as_actor("user:admin", "SELECT fn_iu_route_target_register('fn_no_such_target', 'missing')")
    assert sql_rows("SELECT function_name FROM iu_route_target WHERE function_name = 'fn_no_such_target'") == []
    again = as_actor("user:admin", "SELECT fn_iu_route_target_register(%s, 'again')", sink)
    assert again == {"status": "nothing_to_do", "function": sink}
    audited = sql_rows(
        "SELECT actor, action, left(detail, 13) FROM admin_action_audit WHERE action LIKE 'route_target.%%' ORDER BY id"
    )
    assert audited[-2:] == [
        ("test:route-admin", "route_target.register", "route target "),
        ("user:admin", "route_target.register", "nothing_to_do"),
    ]


def test_a_route_whose_target_was_retired_can_still_be_paused_and_closed(sink) -> None:
    created = create("test-out-e", sink)
    governed_set(created["gate"], True)
    as_actor("user:admin", "SELECT fn_iu_route_target_retire(%s, 'misbehaves')", sink)
    governed_set(created["gate"], False)  # the four-eyes way back to dry-run
    assert state(created["route_id"]) == (True, True)
    as_actor("user:ops", "SELECT fn_iu_outbound_route_set(%s, false, true, 'off until fixed')", created["route_id"])
    with db_error("^unregistered_route_target", sqlstate="QG002"):
        as_actor("user:ops", "SELECT fn_iu_outbound_route_set(%s, true, true, 'on again')", created["route_id"])
    with db_error("^unknown_retry_policy: nope is not an active retry policy", sqlstate="QG005"):
        as_actor(
            "user:ops",
            "SELECT fn_iu_outbound_route_create('test-out-f', 'job.replayed', 'notify', 'ch',"
            " p_retry_policy => 'nope')",
        )
