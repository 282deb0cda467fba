"""Routes and event types are never deleted or renamed: what is written per event names them by key.

A route's attempts and deliveries (sql/events/0023) and the captures of an event
type (sql/events/0026) carry no FOREIGN KEY: the RI check of each row locked the
route's or the type's one row FOR KEY SHARE, once or twice per event. What the
key kept is now kept by the registry itself, as for the queues and retry policies
jobs name, and a capture of an unregistered type is refused by name.
"""

from __future__ import annotations

import pytest

from tests.database import as_owner
from tests.events.conftest import call, owner_exec
from tests.helpers import db_error, sql_exec, sql_value, use_actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def route_id(ev) -> int:
    return ev.route("kept-route", "job.replayed", "notify", "test_route_channel", live=False)


@pytest.mark.parametrize(
    ("sql", "match"),
    [
        ("DELETE FROM iu_outbound_route WHERE id = {id}", r"iu_outbound_route \d+ cannot be deleted"),
        ("UPDATE iu_outbound_route SET id = DEFAULT WHERE id = {id}", r"iu_outbound_route \d+ cannot be renamed"),
    ],
)
def test_a_route_is_kept_even_by_its_owner(route_id: int, sql: str, match: str) -> None:
    with (
        as_owner(),
        db_error(sqlstate="23001", match=r"^registry_row_kept: " + match + ".*its attempts and deliveries"),
    ):
        sql_exec(sql.format(id=route_id))
    assert sql_value("SELECT count(*) FROM iu_outbound_route WHERE id = %s", [route_id]) == 1


def test_a_route_still_changes_in_place(route_id: int) -> None:
    use_actor("user:route-admin")
    call("SELECT fn_iu_outbound_route_set(%s, false, true, 'off for the night')", route_id)
    assert sql_value("SELECT enabled FROM iu_outbound_route WHERE id = %s", [route_id]) is False
    owner_exec("UPDATE iu_outbound_route SET description = 'text only' WHERE id = %s", [route_id])


def test_attempts_and_deliveries_carry_no_foreign_key() -> None:
    assert (
        sql_value(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f'"
            " AND conrelid IN ('iu_route_attempt'::regclass, 'iu_route_delivery'::regclass)"
        )
        == 0
    )


@pytest.mark.parametrize(
    ("sql", "match"),
    [
        ("DELETE FROM event_type_registry WHERE event_type = 'job.replayed'", "cannot be deleted"),
        (
            "UPDATE event_type_registry SET event_type = 'job.renamed' WHERE event_type = 'job.replayed'",
            "cannot be renamed",
        ),
    ],
)
def test_an_event_type_is_kept_even_by_its_owner(sql: str, match: str) -> None:
    kept = r"^registry_row_kept: event_type_registry job.replayed " + match + ": captures and events name it by key"
    with as_owner(), db_error(sqlstate="23001", match=kept):
        sql_exec(sql)
    assert sql_value("SELECT count(*) FROM event_type_registry WHERE event_type = 'job.replayed'") == 1


def test_a_capture_of_an_unregistered_type_is_refused_by_name(ev) -> None:
    with db_error(sqlstate="QG005", match=r"^unknown_event_type: job.nope is not in event_type_registry"):
        ev.capture("job.nope")
    assert sql_value("SELECT count(*) FROM event_pending WHERE event_type = 'job.nope'") == 0


def test_captures_carry_no_foreign_key() -> None:
    assert (
        sql_value("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = 'event_pending'::regclass")
        == 0
    )
