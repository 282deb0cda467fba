"""docs/operations.md, "Gates": filing, approving, rejecting and withdrawing gate-change requests
through the SQL functions (fn_gate_change_*)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from queuegov.errors import ActorRequired, FourEyesViolation, InvalidState, InvalidValue, ReasonRequired, translate
from tests.database import as_owner
from tests.helpers import as_json, config_value, db_error, json_value, sql_exec, sql_rows, sql_value

pytestmark = pytest.mark.django_db

GATE = "queue.worker.enabled"
SETTING = "event.retry.max_attempts"  # 1..100, default 5


def file_request(key: str, value: Any, reason: str | None = "operator needs it") -> int:
    return sql_value("SELECT fn_gate_change_request(%s, %s::jsonb, %s)", [key, json.dumps(value), reason])


def decide(verb: str, request_id: int, reason: str | None = "checked it") -> dict[str, Any]:
    return json_value(f"SELECT fn_gate_change_{verb}(%s, %s)", [request_id, reason])


def request_row(request_id: int) -> dict[str, Any]:
    cols = ["config_key", "old_value", "new_value", "reason", "status", "requested_by", "decided_by", "decision_reason"]
    row = sql_rows(
        f"SELECT {', '.join(cols)}, decided_at IS NOT NULL FROM gate_change_request WHERE id = %s", [request_id]
    )[0]
    data = dict(zip([*cols, "decided"], row, strict=True))
    data["old_value"], data["new_value"] = as_json(data["old_value"]), as_json(data["new_value"])
    return data


# ---------------------------------------------------------------------------
# Filing a request
# ---------------------------------------------------------------------------
def test_request_needs_an_actor(actor) -> None:
    actor("user:olga")
    actor.clear()
    with db_error(sqlstate="QG001", match=r"^actor_required: ") as err:
        file_request(GATE, True)
    assert isinstance(translate(err.exception), ActorRequired)
    assert sql_value("SELECT count(*) FROM gate_change_request WHERE status = 'pending'") == 0


@pytest.mark.parametrize("reason", [None, "", "   ", "ab", " ab "])
def test_request_needs_a_reason(actor, reason: str | None) -> None:
    actor("user:olga")
    with db_error(sqlstate="QG008", match=r"^reason_required: ") as err:
        file_request(GATE, True, reason)
    assert isinstance(translate(err.exception), ReasonRequired)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (GATE, 1, "queue.worker.enabled is a gate and takes true or false, not 1"),
        (GATE, "true", 'queue.worker.enabled is a gate and takes true or false, not "true"'),
        (GATE, None, "queue.worker.enabled is a gate and takes true or false, not null"),
        (SETTING, True, "event.retry.max_attempts takes a whole number, not true"),
        (SETTING, 2.5, "event.retry.max_attempts takes a whole number, not 2.5"),
        (SETTING, "7", 'event.retry.max_attempts takes a whole number, not "7"'),
        (SETTING, 0, "event.retry.max_attempts must be between 1 and 100, not 0"),
        (SETTING, 101, "event.retry.max_attempts must be between 1 and 100, not 101"),
        ("queue.payload.max_bytes", 255, "queue.payload.max_bytes must be between 256 and 10485760, not 255"),
    ],
)
def test_request_value_is_validated(actor, key: str, value: Any, message: str) -> None:
    actor("user:olga")
    with db_error(sqlstate="QG004") as err:
        file_request(key, value)
    assert err.message == f"invalid_config_value: {message}"
    assert isinstance(translate(err.exception), InvalidValue)


def test_request_for_unknown_key(actor) -> None:
    actor("user:olga")
    with db_error(sqlstate="QG005", match=r"^unknown_config_key: no\.such\.key "):
        file_request("no.such.key", True)


def test_request_must_change_something(actor) -> None:
    actor("user:olga")
    with db_error(sqlstate="QG004", match=r"^no_change: queue\.worker\.enabled is already false$"):
        file_request(GATE, False)


def test_request_records_old_value_and_requester(actor) -> None:
    actor("user:olga")
    request_id = file_request(SETTING, 7, "  more retries  ")
    assert request_row(request_id) == {
        "config_key": SETTING,
        "old_value": 5,
        "new_value": 7,
        "reason": "more retries",
        "status": "pending",
        "requested_by": "user:olga",
        "decided_by": None,
        "decision_reason": None,
        "decided": False,
    }
    assert config_value(SETTING) == 5  # filing changes nothing yet


def test_one_pending_request_per_key(actor) -> None:
    actor("user:olga")
    file_request(GATE, True)
    actor("user:peter")
    with db_error(sqlstate="QG003", match=r"^request_pending: queue\.worker\.enabled already has a pending") as err:
        file_request(GATE, True)
    assert isinstance(translate(err.exception), InvalidState)
    file_request("queue.notify.enabled", True)  # another key is independent


# ---------------------------------------------------------------------------
# Deciding
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("verb", ["approve", "reject"])
def test_requester_cannot_decide_own_request(actor, verb: str) -> None:
    actor("user:olga", roles=("operator", "approver", "superuser"))
    request_id = file_request(GATE, True)
    with db_error(sqlstate="QG002", match=r"^four_eyes: ") as err:
        decide(verb, request_id)
    assert isinstance(translate(err.exception), FourEyesViolation)
    if verb == "approve":
        assert err.message.startswith("four_eyes: approver must differ from requester")
    assert request_row(request_id)["status"] == "pending"
    assert config_value(GATE) is False


def test_approve_applies_value_and_history_in_same_transaction(actor) -> None:
    actor("user:olga")
    request_id = file_request(GATE, True)
    txid = sql_value("SELECT txid_current()")
    actor("user:anna")
    result = decide("approve", request_id, " looks right ")
    assert result == {"status": "applied", "request_id": request_id, "key": GATE, "old_value": False, "new_value": True}
    assert sql_value("SELECT fn_gate_open(%s)", [GATE]) is True
    assert sql_rows("SELECT updated_by FROM dot_config WHERE key = %s", [GATE]) == [("user:anna",)]
    row = request_row(request_id)
    assert (row["status"], row["decided_by"], row["decision_reason"], row["decided"]) == (
        "applied",
        "user:anna",
        "looks right",
        True,
    )
    history = sql_rows(
        "SELECT old_value, new_value, operation, changed_by, gate_change_request_id, txid FROM dot_config_history"
        " WHERE key = %s AND operation = 'UPDATE' AND txid = txid_current()",
        [GATE],
    )
    assert [(as_json(o), as_json(n), *rest) for o, n, *rest in history] == [
        (False, True, "UPDATE", "user:anna", request_id, txid)
    ]


def test_approve_needs_a_reason(actor) -> None:
    actor("user:olga")
    request_id = file_request(GATE, True)
    actor("user:anna")
    with db_error(sqlstate="QG008"):
        decide("approve", request_id, " ")
    assert config_value(GATE) is False


def test_approve_needs_an_actor(actor) -> None:
    actor("user:olga")
    request_id = file_request(GATE, True)
    actor.clear()
    with db_error(sqlstate="QG001"):
        decide("approve", request_id)


def test_reject_leaves_value_alone(actor) -> None:
    actor("user:olga")
    request_id = file_request(SETTING, 9)
    actor("user:anna")
    assert decide("reject", request_id, "not now") == {"status": "rejected", "request_id": request_id, "key": SETTING}
    row = request_row(request_id)
    assert (row["status"], row["decided_by"], row["decision_reason"]) == ("rejected", "user:anna", "not now")
    assert config_value(SETTING) == 5
    assert sql_value("SELECT count(*) FROM dot_config_history WHERE key = %s AND txid = txid_current()", [SETTING]) == 0
    actor("user:olga")
    file_request(SETTING, 9)  # the key is free for a new request


def test_withdraw_only_by_requester(actor) -> None:
    actor("user:olga")
    request_id = file_request(GATE, True)
    actor("user:anna")
    with db_error(sqlstate="QG002", match=r"^not_requester: only user:olga can withdraw"):
        decide("withdraw", request_id)
    actor("user:olga")
    assert decide("withdraw", request_id, None)["status"] == "withdrawn"
    row = request_row(request_id)
    assert (row["status"], row["decided_by"], row["decision_reason"]) == ("withdrawn", "user:olga", None)
    assert config_value(GATE) is False


@pytest.mark.parametrize(("first", "second"), [("approve", "approve"), ("approve", "reject"), ("reject", "approve")])
def test_a_request_is_decided_once(actor, first: str, second: str) -> None:
    actor("user:olga")
    request_id = file_request(GATE, True)
    actor("user:anna")
    decide(first, request_id)
    actor("user:bert")
    with db_error(sqlstate="QG003", match=rf"^not_pending: gate change request {request_id} is \w+ and cannot"):
        decide(second, request_id)


def test_withdrawn_request_cannot_be_withdrawn_again(actor) -> None:
    actor("user:olga")
    request_id = file_request(GATE, True)
    decide("withdraw", request_id)
    with db_error(sqlstate="QG003", match=r"is withdrawn and cannot be decided again"):
        decide("withdraw", request_id)


@pytest.mark.parametrize("verb", ["approve", "reject", "withdraw"])
def test_unknown_request(actor, verb: str) -> None:
    actor("user:anna")
    with db_error(sqlstate="QG005", match=r"^unknown_request: gate change request -1 does not exist"):
        decide(verb, -1)


def test_stale_request_is_refused(actor) -> None:
    """Only one request per key can be pending, so no governed path changes a
    key under a pending request; simulate an out-of-band write (the owner with
    the guard trigger off for one statement) to exercise the guard."""
    actor("user:olga")
    request_id = file_request(SETTING, 8)
    guard = sql_value("SELECT tgname::text FROM pg_trigger WHERE tgname LIKE 'pgtrigger_dot_config_four_eyes_only_%%'")
    with as_owner():
        sql_exec(f"ALTER TABLE dot_config DISABLE TRIGGER {guard}")
        sql_value("UPDATE dot_config SET value = '6' WHERE key = %s RETURNING key", [SETTING])
        sql_exec(f"ALTER TABLE dot_config ENABLE TRIGGER {guard}")
    actor("user:anna")
    with db_error(sqlstate="QG003", match=rf"^stale_request: {SETTING} changed since request {request_id} was filed"):
        decide("approve", request_id)
    assert config_value(SETTING) == 6
