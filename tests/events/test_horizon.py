"""A long transaction in another database of the server does not stall routing
(docs/architecture.md, "The event pipeline"): the horizon (fn_event_horizon) counts
only this database's transactions, and still every one of them."""

from __future__ import annotations

import psycopg
import pytest

from tests.events.conftest import sunk
from tests.helpers import connection_params, sql_value

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("routing_on")]

TYPE = "job.replayed"


@pytest.fixture
def other_database_transaction() -> psycopg.Connection:
    """A transaction holding an xid, open for the whole test, in another database of the same server."""
    params = {**connection_params(), "dbname": "postgres"}
    conn = psycopg.connect(**params, autocommit=False)
    conn.execute("SELECT pg_current_xact_id()")  # an xid: the cluster-wide xmin is now held back by it
    yield conn
    conn.rollback()
    conn.close()


def test_routing_is_not_stalled_by_a_transaction_in_another_database(ev, sink, other_database_transaction) -> None:
    held = other_database_transaction.execute("SELECT pg_current_xact_id()::text").fetchone()[0]
    route = ev.route("test-horizon", TYPE, "call_function", sink)
    event_id = ev.emit(TYPE, "job_dead_letter", "h")["event_id"]
    # the cluster-wide xmin is still the other database's transaction: the old horizon would wait for it
    assert sql_value("SELECT pg_snapshot_xmin(pg_current_snapshot()) <= %s::xid8", [held])
    assert sql_value("SELECT fn_event_horizon() > %s::xid8", [held])
    ev.tick_until(lambda: ev.deliveries(route) == {event_id: ("succeeded", 1)}, timeout=30)
    assert sunk() == [(event_id, "h")]


def test_a_transaction_of_this_database_still_holds_the_horizon(pg_connect) -> None:
    mine = pg_connect(autocommit=False)
    (xid,) = mine.execute("SELECT pg_current_xact_id()::text").fetchone()
    assert sql_value("SELECT fn_event_horizon() <= %s::xid8", [xid])
    mine.rollback()
