"""Pending processing reads one batch of captures, whatever the statistics say.

The machine's PostgreSQL runs without autovacuum, so event_pending's statistics
are as old as its last ANALYZE, or absent. Measured from outside (the event
bench on a new database, 100,000 captures): after five calls PL/pgSQL planned
the batch generically, estimated two ready captures, and read every ready
capture through a bitmap scan, then sorted them on disk to keep the first
1,000. Each batch cost the whole backlog: 83 µs an event instead of 42.
Forcing the generic plan here is what the plan cache does from the sixth call
on; the rows a call fetches are counted in the transaction's own statistics.
Which plan the planner makes of no statistics also depends on the table's
physical size, so the failure showed in three of five runs before the fix
(100,000 rows fetched each time), and never after it.
"""

from __future__ import annotations

import pytest

from tests.events.conftest import owner_exec
from tests.helpers import sql_exec, sql_value

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("emit_on")]

BACKLOG = 100_000
BATCH = 100
IMMEDIATE = "job.replayed"


def rows_fetched() -> int:
    """event_pending rows fetched from the heap so far in this transaction."""
    return sql_value("SELECT pg_stat_get_xact_tuples_fetched('event_pending'::regclass)")


def test_a_batch_reads_its_captures_not_the_backlog_under_a_generic_plan(ev) -> None:
    # A bulk load of ready captures (the owner's setup, as a trigger-IN statement would write them).
    owner_exec(
        "INSERT INTO event_pending (event_type, event_subject_table, event_subject_ref, correlation_id,"
        " capture_payload) SELECT %s, 'job_queue', g::text, 'doc-' || g %% 100,"
        " jsonb_build_object('n', g, 'status', 'ready') FROM generate_series(1, %s) g",
        [IMMEDIATE, BACKLOG],
    )
    sql_exec("SET LOCAL plan_cache_mode = force_generic_plan")
    before = rows_fetched()
    answer = ev.process(batch=BATCH)
    rows = rows_fetched() - before
    assert answer["emitted"] == BATCH, answer
    # Rows fetched from the heap: before the fix, every ready capture (100,000), read by a bitmap scan
    # and sorted. (Index entries are not counted: the planner's own probes of the index read them too.)
    assert rows <= 10 * BATCH, rows
