"""docs/operations.md, "Gates": every change of dot_config is kept in dot_config_history, so the
value of any gate at any past time can be answered (fn_config_value_at)."""

from __future__ import annotations

import pytest

from queuegov.errors import UnknownObject, translate
from tests.helpers import (
    API_SETTINGS,
    OPS_SETTINGS,
    SPEC_GATES,
    SPEC_SETTINGS,
    as_json,
    db_error,
    decide_change,
    is_subject_gate,
    json_value,
    request_change,
    sql_rows,
    sql_value,
    use_actor,
)

pytestmark = pytest.mark.django_db

GATE = "queue.scheduler.enabled"


def now() -> object:
    # clock_timestamp(), not now(): within the test transaction now() is frozen,
    # while history rows are stamped with clock_timestamp().
    return sql_value("SELECT clock_timestamp()")


def value_at(key: str, at: object) -> object:
    return json_value("SELECT fn_config_value_at(%s, %s)", [key, at])


def test_every_key_has_its_seed_in_history() -> None:
    rows = sql_rows("SELECT key, new_value FROM dot_config_history WHERE operation = 'INSERT' AND old_value IS NULL")
    seeded = {key: as_json(value) for key, value in rows}
    # each route's and gated type's own switch is seeded OFF when its subject is made (docs/events.md)
    route_switches = [key for key in seeded if is_subject_gate(key)]
    assert seeded == {
        **dict.fromkeys(SPEC_GATES, False),
        **SPEC_SETTINGS,
        **OPS_SETTINGS,
        **API_SETTINGS,
        **dict.fromkeys(route_switches, False),
    }


def test_value_of_a_gate_at_time_t(set_config) -> None:
    before = now()
    set_config(GATE, True)
    between = now()
    set_config(GATE, False)
    after = now()
    assert before < between < after
    assert value_at(GATE, before) is False
    assert value_at(GATE, between) is True
    assert value_at(GATE, after) is False


def test_value_of_a_setting_over_three_changes(set_config) -> None:
    key = "event.debounce_seconds"
    stamps = [now()]
    for value in (120, 30, 600):
        set_config(key, value)
        stamps.append(now())
    assert [value_at(key, t) for t in stamps] == [90, 120, 30, 600]


def test_value_before_the_key_existed_is_null() -> None:
    assert value_at(GATE, "-infinity") is None
    assert value_at(GATE, "infinity") is False


def test_unknown_key_raises() -> None:
    with db_error(sqlstate="QG005", match=r"^unknown_config_key: no\.such\.key has no history$") as err:
        value_at("no.such.key", now())
    assert isinstance(translate(err.exception), UnknownObject)


def test_history_row_names_approver_request_and_request_id() -> None:
    request_id = request_change(GATE, True, requester="user:olga")
    use_actor("user:anna", request_id="req-42")
    json_value("SELECT fn_gate_change_approve(%s, %s)", [request_id, "ok by me"])
    rows = sql_rows(
        "SELECT old_value, new_value, operation, changed_by, gate_change_request_id, request_id,"
        " txid = txid_current(), changed_at <= clock_timestamp()"
        " FROM dot_config_history WHERE key = %s AND operation = 'UPDATE' AND changed_at >= now()",
        [GATE],
    )
    assert [(as_json(o), as_json(n), *rest) for o, n, *rest in rows] == [
        (False, True, "UPDATE", "user:anna", request_id, "req-42", True, True)
    ]
    # the request id is transaction-local and cleared after the approval
    assert sql_value("SELECT coalesce(current_setting('queuegov.gate_change_request_id', true), '')") == ""


def test_only_value_changes_are_recorded(set_config) -> None:
    count = "SELECT count(*) FROM dot_config_history WHERE key = %s"
    before = sql_value(count, [GATE])
    set_config(GATE, True)
    assert sql_value(count, [GATE]) == before + 1
    request_id = request_change(GATE, False)
    decide_change("reject", request_id)
    assert sql_value(count, [GATE]) == before + 1
