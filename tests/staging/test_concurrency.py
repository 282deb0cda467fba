"""Staging steps that race: two cleanups at once (the second is refused by the
lease, not queued behind it) and two cuts of one manifest (SELECT … FOR UPDATE
serialises them; the second then fails G2). Real commits, several connections."""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg
import pytest

from queuegov.actor import Actor, actor_context
from queuegov.dbroles import role_name
from tests.database import admin_connect
from tests.helpers import governed_set, sql_value
from tests.staging.conftest import SOURCE_HASH, StagingApi, clean_pieces

pytestmark = pytest.mark.django_db(transaction=True)


def as_actor(conn: psycopg.Connection, name: str) -> None:
    """Act as ``name`` on the owner's clock: the cleanups below run a month ahead (fn_clock)."""
    conn.execute("SELECT set_config('queuegov.actor', %s, true)", [name])
    conn.execute(f"SET ROLE {role_name('owner')}")


def committed(call: Any) -> Any:
    with actor_context(Actor(name="user:setup", source="sql")):
        return call()


def wait_for_lock_wait(function: str, thread: threading.Thread, timeout: float = 10) -> None:
    """Until a session calling ``function`` waits for a lock (a row or an advisory lock), or its thread ends."""
    deadline = time.monotonic() + timeout

    def waiting() -> bool:
        # A connection of its own: inside the test's transaction pg_stat_activity is a snapshot
        # taken at its first read, which would never change.
        with admin_connect() as conn:
            return conn.execute(
                "SELECT count(*) > 0 FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND query LIKE %s",
                [f"%{function}%"],
            ).fetchone()[0]

    while not waiting():
        assert thread.is_alive(), f"{function} finished without waiting for a lock"
        assert time.monotonic() < deadline, f"no {function} call waited for a lock within {timeout} s"
        time.sleep(0.05)


def test_a_second_cleanup_at_the_same_time_is_refused(pg_connect) -> None:
    iu = StagingApi()
    record_id = committed(lambda: iu.reject(iu.marked())["record_id"])
    governed_set("iu_core.retention_enabled", True)
    first, second = pg_connect(), pg_connect()
    as_actor(first, "command:staging_cleanup")
    answer = first.execute("SELECT fn_iu_op_cleanup(true, now() + interval '31 days')").fetchone()[0]
    assert answer["status"] == "applied"  # not committed yet: it holds the lease
    as_actor(second, "command:staging_cleanup")
    started = time.monotonic()
    with pytest.raises(psycopg.Error) as err:
        second.execute("SELECT fn_iu_op_cleanup(true, now() + interval '31 days')")
    assert time.monotonic() - started < 5, "refused at once, not queued behind the first"
    assert err.value.sqlstate == "QG003"
    assert err.value.diag.message_primary.startswith(
        "lease_held: staging_cleanup is held by another cleanup running now"
    )
    second.rollback()
    first.commit()
    assert sql_value("SELECT lifecycle_status FROM iu_staging_record WHERE id = %s", [record_id]) == "archived"
    as_actor(second, "command:staging_cleanup")
    assert second.execute("SELECT fn_iu_op_cleanup(true, now() + interval '31 days')").fetchone()[0]["status"] == (
        "nothing_to_do"
    )
    second.commit()


def test_two_cuts_of_one_manifest_are_serialised(pg_connect) -> None:
    iu = StagingApi()
    record_id = committed(lambda: iu.approved())
    first, second = pg_connect(), pg_connect()
    as_actor(first, "user:op1")
    assert first.execute("SELECT fn_iu_op_cut(%s, %s)", [record_id, SOURCE_HASH]).fetchone()[0]["status"] == "consumed"
    outcome: dict[str, Any] = {}

    def cut_again() -> None:
        as_actor(second, "user:op2")
        try:
            outcome["answer"] = second.execute("SELECT fn_iu_op_cut(%s, %s)", [record_id, SOURCE_HASH]).fetchone()[0]
        except psycopg.Error as exc:
            outcome["error"] = exc
        second.rollback()

    thread = threading.Thread(target=cut_again)
    thread.start()
    wait_for_lock_wait("fn_iu_op_cut", thread)
    assert thread.is_alive(), "the second cut waits for the first one's row lock"
    first.commit()
    thread.join(timeout=10)
    assert "answer" not in outcome
    assert outcome["error"].diag.message_primary.startswith(f"G2 not_approved: staging record {record_id} is consumed")
    assert sql_value("SELECT count(*) FROM information_unit WHERE consumed_from_record_id = %s", [record_id]) == 5


def test_two_cuts_of_one_document_take_turns(pg_connect) -> None:
    iu = StagingApi()
    first_id = committed(lambda: iu.approved(key="v1"))
    second_id = committed(lambda: iu.approved(clean_pieces(p5={"text": "Keep every receipt."}), key="v2"))
    first, second = pg_connect(), pg_connect()
    as_actor(first, "user:op1")
    assert first.execute("SELECT fn_iu_op_cut(%s, %s)", [first_id, SOURCE_HASH]).fetchone()[0]["status"] == "consumed"
    outcome: dict[str, Any] = {}

    def cut_second() -> None:
        as_actor(second, "user:op2")
        outcome["answer"] = second.execute("SELECT fn_iu_op_cut(%s, %s)", [second_id, SOURCE_HASH]).fetchone()[0]
        second.commit()

    thread = threading.Thread(target=cut_second)
    thread.start()
    wait_for_lock_wait("fn_iu_op_cut", thread)
    assert thread.is_alive(), "the second cut of the document waits for the first"
    first.commit()
    thread.join(timeout=10)
    assert outcome["answer"]["status"] == "consumed" and outcome["answer"]["superseded"] == 5
    current = sql_value(
        "SELECT count(*) FROM information_unit WHERE doc_code = 'HANDBOOK' AND superseded_at IS NULL"
        " AND consumed_from_record_id = %s",
        [second_id],
    )
    assert current == 5
    assert sql_value("SELECT count(*) FROM information_unit WHERE superseded_at IS NULL") == 5
