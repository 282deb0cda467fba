"""docs/operations.md, "Gates", and docs/security.md: the rules on gate_change_request hold for direct SQL too — the
four-eyes CHECK, the status FSM, immutable fields and no DELETE. The app role
holds no write privilege on the table at all; the direct writes below run as
the owner (who holds the privileges), so they prove the table's own rules hold
even for the trust root."""

from __future__ import annotations

import pytest

from queuegov.errors import FourEyesViolation, InvalidState, TransitionRefused, translate
from tests.database import as_owner
from tests.factories import GateChangeRequestFactory
from tests.helpers import db_error, sql_exec, sql_rows, sql_value

pytestmark = pytest.mark.django_db

IMMUTABLE_MESSAGE = r"^pgtrigger: Cannot update rows from gate_change_request table$"
DELETE_MESSAGE = r"^pgtrigger: Cannot delete rows from gate_change_request table$"


def owner_exec(statement: str, params: list | None = None) -> None:
    """A direct write as the owner: the rule under test is the table's own."""
    with as_owner():
        sql_exec(statement, params)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE gate_change_request SET status = 'applied', decided_by = 'user:ghost', decided_at = now()",
        "INSERT INTO gate_change_request (config_key, old_value, new_value, reason, requested_by)"
        " VALUES ('queue.worker.enabled', 'false', 'true', 'forged', 'user:ghost')",
        "DELETE FROM gate_change_request",
        "TRUNCATE gate_change_request",
    ],
)
def test_the_app_role_cannot_write_requests(statement: str) -> None:
    request = GateChangeRequestFactory()
    with db_error(sqlstate="42501", match=r"^permission denied for table gate_change_request$"):
        sql_exec(statement)
    assert sql_value("SELECT status FROM gate_change_request WHERE id = %s", [request.pk]) == "pending"


# ---------------------------------------------------------------------------
# Four-eyes is a CHECK: no path avoids it
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("status", ["applied", "rejected"])
def test_direct_update_deciding_own_request_refused_by_check(status: str) -> None:
    request = GateChangeRequestFactory()
    with db_error(constraint="four_eyes_decider_differs", sqlstate="23514") as err:
        owner_exec(
            "UPDATE gate_change_request SET status = %s, decided_by = requested_by, decided_at = now() WHERE id = %s",
            [status, request.pk],
        )
    assert isinstance(translate(err.exception), FourEyesViolation)
    assert sql_value("SELECT status FROM gate_change_request WHERE id = %s", [request.pk]) == "pending"


def test_direct_insert_of_a_decided_request_refused() -> None:
    # A request is born pending (trigger gate_change_request_born_pending), so
    # a forged decided row never reaches the four-eyes CHECK.
    with db_error(match=r"^pgtrigger: Cannot insert rows from gate_change_request table"):
        owner_exec(
            "INSERT INTO gate_change_request"
            " (config_key, old_value, new_value, reason, status, requested_by, decided_by, decided_at)"
            " VALUES ('queue.worker.enabled', 'false', 'true', 'why not', 'applied', 'sql:me', 'sql:me', now())"
        )


def test_withdrawal_by_requester_is_allowed_by_check() -> None:
    request = GateChangeRequestFactory(withdrawn=True)
    assert (request.status, request.decided_by) == ("withdrawn", request.requested_by)


def test_decision_must_be_complete() -> None:
    request = GateChangeRequestFactory()
    with db_error(constraint="gate_change_decision_complete"):
        owner_exec(
            "UPDATE gate_change_request SET status = 'rejected', decided_by = 'user:x' WHERE id = %s", [request.pk]
        )


def test_second_pending_request_refused_by_unique_index() -> None:
    request = GateChangeRequestFactory()
    with db_error(constraint="gate_change_request_one_pending_per_key", sqlstate="23505") as err:
        owner_exec(
            "INSERT INTO gate_change_request (config_key, old_value, new_value, reason, requested_by)"
            " SELECT config_key, old_value, new_value, reason, 'sql:other' FROM gate_change_request WHERE id = %s",
            [request.pk],
        )
    assert isinstance(translate(err.exception), InvalidState)


def test_request_must_change_something_check() -> None:
    with db_error(constraint="gate_change_changes_something"):
        owner_exec(
            "INSERT INTO gate_change_request (config_key, old_value, new_value, reason, requested_by)"
            " VALUES ('queue.worker.enabled', 'false', 'false', 'no-op', 'sql:me')"
        )


# ---------------------------------------------------------------------------
# FSM on status (pgtrigger)
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("trait", "target"),
    [
        ("applied", "pending"),
        ("rejected", "pending"),
        ("rejected", "applied"),
        ("withdrawn", "applied"),
        ("withdrawn", "pending"),
        ("applied", "rejected"),
        ("applied", "withdrawn"),
    ],
)
def test_fsm_refuses_transition(trait: str, target: str) -> None:
    request = GateChangeRequestFactory(**{trait: True})
    with db_error(match=rf'^pgtrigger: Invalid transition of field "status" from "{trait}" to "{target}"') as err:
        owner_exec("UPDATE gate_change_request SET status = %s WHERE id = %s", [target, request.pk])
    assert isinstance(translate(err.exception), TransitionRefused)
    assert sql_value("SELECT status FROM gate_change_request WHERE id = %s", [request.pk]) == trait


def test_fsm_allows_pending_to_rejected_by_someone_else() -> None:
    request = GateChangeRequestFactory()
    owner_exec(
        "UPDATE gate_change_request SET status = 'rejected', decided_by = 'user:x', decided_at = now() WHERE id = %s",
        [request.pk],
    )
    assert sql_value("SELECT status FROM gate_change_request WHERE id = %s", [request.pk]) == "rejected"


# ---------------------------------------------------------------------------
# Immutable fields, no DELETE
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("reason", "'rewritten reason'"),
        ("new_value", "'false'"),
        ("old_value", "'true'"),
        ("requested_by", "'user:someone-else'"),
        ("config_key", "'queue.notify.enabled'"),
        ("requested_at", "now() - interval '1 day'"),
    ],
)
@pytest.mark.parametrize("trait", ["pending", "applied"])
def test_immutable_fields_cannot_be_updated(trait: str, column: str, value: str) -> None:
    request = GateChangeRequestFactory(**{trait: True})
    with db_error(match=IMMUTABLE_MESSAGE):
        owner_exec(f"UPDATE gate_change_request SET {column} = {value} WHERE id = %s", [request.pk])


@pytest.mark.parametrize("trait", ["pending", "applied", "rejected", "withdrawn"])
def test_request_cannot_be_deleted(trait: str) -> None:
    request = GateChangeRequestFactory(**{trait: True})
    with db_error(match=DELETE_MESSAGE):
        owner_exec("DELETE FROM gate_change_request WHERE id = %s", [request.pk])
    with db_error(match=DELETE_MESSAGE), as_owner():
        type(request).objects.filter(pk=request.pk).delete()
    assert sql_value("SELECT count(*) FROM gate_change_request WHERE id = %s", [request.pk]) == 1


# ---------------------------------------------------------------------------
# Gaps found by review, now closed
# ---------------------------------------------------------------------------
def pgid(name: str) -> str:
    rows = sql_rows("SELECT tgname::text FROM pg_trigger WHERE tgname LIKE %s", [f"pgtrigger_{name}_%"])
    assert len(rows) == 1
    return rows[0][0]


def test_pgtrigger_ignore_cannot_delete_a_request() -> None:
    request = GateChangeRequestFactory(applied=True)
    sql_exec(f"SET LOCAL pgtrigger.ignore = '{{{pgid('gate_change_request_no_delete')}}}'")
    with db_error(match=DELETE_MESSAGE):
        owner_exec("DELETE FROM gate_change_request WHERE id = %s", [request.pk])


def test_truncate_gate_change_request_refused() -> None:
    GateChangeRequestFactory(applied=True)
    with db_error():
        owner_exec("TRUNCATE gate_change_request")


def test_official_interface_flag_alone_cannot_change_a_gate() -> None:
    sql_exec("SELECT set_config('queuegov.official_interface', 'dot_config', true)")
    with db_error():
        owner_exec("UPDATE dot_config SET value = 'true' WHERE key = 'queue.worker.enabled'")


def test_truncate_dot_config_refused() -> None:
    with db_error():
        owner_exec("TRUNCATE dot_config CASCADE")
