"""A route is never deleted or renumbered: its attempts and deliveries name it by key.

They carry no FOREIGN KEY (sql/events/0023): the RI check of each row locked the
route's one row FOR KEY SHARE, twice per routed event. What the key kept is now
kept by the route registry itself, as for the queues and retry policies jobs name.
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
