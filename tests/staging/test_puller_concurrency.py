"""The staging puller under concurrent schedule ticks (docs/staging.md, "The staging
puller"): several connections call the tick functions at once, with real commits;
each manifest still gets one dry run, one verdict and one reminder per state, and
two cleanups at once apply once (the other answers busy). No fixed sleeps: the
tests wait for the other sessions to block on the first one's locks."""

from __future__ import annotations

import threading
from typing import Any

import psycopg
import pytest

from queuegov.actor import Actor, actor_context
from tests.helpers import governed_set, sql_value
from tests.staging.conftest import StagingApi
from tests.staging.test_concurrency import wait_for_lock_wait

pytestmark = pytest.mark.django_db(transaction=True)


def committed(call: Any) -> Any:
    with actor_context(Actor(name="user:setup", source="sql")):
        return call()


def tick(conn: psycopg.Connection, statement: str) -> dict[str, Any]:
    conn.execute("SELECT set_config('queuegov.actor', %s, true)", [f"worker:tick-{id(conn)}"])
    return conn.execute(statement).fetchone()[0]


def race(statement: str, connections: list[psycopg.Connection], function: str) -> list[dict[str, Any]]:
    """The first connection ticks and holds its transaction open; the others tick while it
    does (each waits on a row the first one claimed); then all commit."""
    answers: list[dict[str, Any]] = [tick(connections[0], statement)]

    def other(conn: psycopg.Connection) -> None:
        answers.append(tick(conn, statement))
        conn.commit()

    threads = [threading.Thread(target=other, args=(c,)) for c in connections[1:]]
    for t in threads:
        t.start()
    for t in threads:
        wait_for_lock_wait(function, t)
    connections[0].commit()
    for t in threads:
        t.join(timeout=20)
        assert not t.is_alive()
    return answers


def count(sql: str) -> int:
    return sql_value(sql)


def test_concurrent_verify_ticks_add_one_verdict_per_manifest(pg_connect) -> None:
    iu = StagingApi()
    records = [committed(lambda k=k: iu.marked(key=f"m{k}")) for k in range(3)]
    answers = race("SELECT fn_iu_puller_verify_new(100)", [pg_connect() for _ in range(3)], "fn_iu_puller_verify_new")
    assert sum(a["verdicts"] for a in answers) == 3 and answers[0]["verdicts"] == 3
    assert count("SELECT count(*) FROM event_pending WHERE event_type = 'staging.verify_verdict'") == 3
    assert count("SELECT count(*) FROM dot_iu_command_run WHERE command = 'verify_mark'") == 3
    assert count("SELECT count(*) FROM iu_staging_notice WHERE notice = 'verify_verdict'") == 3
    assert {iu.status(r) for r in records} == {"pending_review"}


def test_concurrent_remind_ticks_remind_once(pg_connect) -> None:
    iu = StagingApi()
    committed(lambda: iu.marked())
    committed(lambda: iu.approved(key="approved"))
    answers = race("SELECT fn_iu_puller_remind(100)", [pg_connect() for _ in range(3)], "fn_iu_puller_remind")
    assert sum(a["approval_waiting"] + a["cut_waiting"] for a in answers) == 2
    assert count("SELECT count(*) FROM event_pending WHERE event_type IN"
                 " ('staging.approval_waiting', 'staging.cut_waiting')") == 2  # fmt: skip


def test_free_for_all_ticks_add_nothing_twice(pg_connect) -> None:
    iu = StagingApi()
    for k in range(4):
        committed(lambda k=k: iu.marked(key=f"f{k}"))
    conns = [pg_connect() for _ in range(4)]
    barrier = threading.Barrier(len(conns))
    errors: list[BaseException] = []

    def run(conn: psycopg.Connection) -> None:
        try:
            barrier.wait()
            for statement in ("SELECT fn_iu_puller_verify_new(100)", "SELECT fn_iu_puller_remind(100)"):
                tick(conn, statement)
                conn.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in conns]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert count("SELECT count(*) FROM event_pending WHERE event_type = 'staging.verify_verdict'") == 4
    assert count("SELECT count(*) FROM event_pending WHERE event_type = 'staging.approval_waiting'") == 4
    assert count("SELECT count(*) FROM dot_iu_command_run WHERE command = 'verify_mark'") == 4


def test_two_scheduled_cleanups_at_once_apply_once_and_a_closed_gate_stops_both(pg_connect) -> None:
    iu = StagingApi()
    record_id = committed(lambda: iu.reject(iu.marked())["record_id"])
    with actor_context(Actor(name="user:setup", source="sql")):
        iu.force(record_id, "marked_at = now() - interval '40 days', expires_at = now() - interval '25 days'")
    first, second = pg_connect(), pg_connect()
    # A closed gate's refusal is audited: each tick commits before the next (the audit chain serialises them).
    for conn in (first, second):
        assert tick(conn, "SELECT fn_iu_puller_cleanup()")["status"] == "gate_closed"
        conn.commit()
    assert iu.status(record_id) == "rejected"
    governed_set("iu_core.retention_enabled", True)
    assert tick(first, "SELECT fn_iu_puller_cleanup()")["status"] == "applied"  # holds the lease, not committed
    busy = tick(second, "SELECT fn_iu_puller_cleanup()")
    assert busy["status"] == "busy" and busy["reason"].startswith("lease_held: ")
    second.commit()
    first.commit()
    assert iu.status(record_id) == "archived"
