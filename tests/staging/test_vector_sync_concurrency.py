"""Vector sync with real commits (docs/staging.md, "Vector sync"): the deferred trigger
runs at COMMIT as the committing app login; two cuts of one document at once (they
take turns on the document's advisory lock) make one version each; kb_vector_sync
hears one notice per job; concurrent catch-ups enqueue each missing job once."""

from __future__ import annotations

import threading
from typing import Any

import psycopg
import pytest

from queuegov.actor import Actor, actor_context
from tests.helpers import governed_set, sql_rows, sql_value
from tests.staging.conftest import SOURCE_HASH, StagingApi, clean_pieces
from tests.staging.test_concurrency import wait_for_lock_wait

pytestmark = pytest.mark.django_db(transaction=True)


def committed(call: Any) -> Any:
    with actor_context(Actor(name="user:setup", source="sql")):
        return call()


def act(conn: psycopg.Connection, name: str) -> None:
    conn.execute("SELECT set_config('queuegov.actor', %s, true)", [name])


def cut(conn: psycopg.Connection, record_id: int, actor: str) -> dict[str, Any]:
    act(conn, actor)
    answer = conn.execute("SELECT fn_iu_op_cut(%s, %s)", [record_id, SOURCE_HASH]).fetchone()[0]
    conn.commit()
    return answer


def test_two_cuts_of_one_document_at_once_make_one_version_each(pg_connect) -> None:
    iu = StagingApi()
    first_id = committed(lambda: iu.approved(key="v1"))
    second_id = committed(lambda: iu.approved(clean_pieces(p5={"text": "Keep every receipt."}), key="v2"))
    for key in ("vector.sync.enabled", "queue.job_substrate.enabled"):
        governed_set(key, True)
    listener = pg_connect(autocommit=True)
    listener.execute("LISTEN kb_vector_sync")
    first, second = pg_connect(), pg_connect()
    act(first, "user:op1")
    assert first.execute("SELECT fn_iu_op_cut(%s, %s)", [first_id, SOURCE_HASH]).fetchone()[0]["status"] == "consumed"
    outcome: dict[str, Any] = {}

    def cut_second() -> None:
        outcome["answer"] = cut(second, second_id, "user:op2")

    thread = threading.Thread(target=cut_second)
    thread.start()
    wait_for_lock_wait("fn_iu_op_cut", thread)
    first.commit()  # the deferred trigger runs here, under the document's lock
    thread.join(timeout=10)
    assert outcome["answer"]["status"] == "consumed"

    rows = sql_rows(
        "SELECT p.section_code, p.wanted_version, p.wanted_unit_id = u.id, p.job_id IS NOT NULL"
        " FROM iu_vector_sync_point p JOIN information_unit u"
        "   ON u.doc_code = p.doc_code AND u.section_code = p.section_code AND u.superseded_at IS NULL"
        " WHERE p.doc_code = 'HANDBOOK' ORDER BY 1"
    )
    assert len(rows) == 5
    assert all(version == 2 and wanted_current and has_job for _, version, wanted_current, has_job in rows), rows
    jobs = sql_rows(
        "SELECT payload ->> 'section_code', (payload ->> 'version')::int FROM job_queue WHERE job_kind = 'vector.sync'"
        " ORDER BY 1, 2"
    )
    assert jobs == sorted((section, v) for section, *_ in rows for v in (1, 2))
    heard: list[Any] = []
    for note in listener.notifies(timeout=5):
        heard.append(note)
        if len(heard) == 10:
            break
    assert len(heard) == 10 and {n.channel for n in heard} == {"kb_vector_sync"}


def test_concurrent_catch_ups_enqueue_each_missing_job_once(pg_connect) -> None:
    iu = StagingApi()
    committed(lambda: iu.consumed())  # gate closed: five points behind, no job
    assert sql_value("SELECT count(*) FROM iu_vector_sync_point WHERE job_id IS NULL") == 5
    for key in ("vector.sync.enabled", "queue.job_substrate.enabled"):
        governed_set(key, True)
    conns = [pg_connect() for _ in range(3)]
    barrier = threading.Barrier(len(conns))
    answers: list[dict[str, Any]] = []

    def catch_up(conn: psycopg.Connection) -> None:
        act(conn, "worker:test")
        barrier.wait()
        answers.append(conn.execute("SELECT fn_iu_vector_sync_catch_up(2)").fetchone()[0])
        conn.commit()

    threads = [threading.Thread(target=catch_up, args=(c,)) for c in conns]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert sum(a.get("enqueued", 0) for a in answers) == 5
    assert sql_value("SELECT count(*) FROM job_queue WHERE job_kind = 'vector.sync'") == 5
    assert sql_value("SELECT count(*) FROM iu_vector_sync_point WHERE job_id IS NULL") == 0
