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

import json

import pytest

from tests.events.conftest import owner_exec, owner_value
from tests.helpers import sql_exec, sql_value

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("emit_on")]

BACKLOG = 100_000
BATCH = 100
IMMEDIATE = "job.replayed"


def rows_scanned() -> int:
    """event_pending rows read so far in this transaction by sequential and bitmap scans (an index scan
    counts its rows on the index): what a plan reading the whole backlog reads."""
    return sql_value(
        "SELECT pg_stat_get_xact_tuples_returned('event_pending'::regclass)"
        " + pg_stat_get_xact_tuples_fetched('event_pending'::regclass)"
    )


def test_a_batch_reads_its_captures_not_the_backlog_under_a_generic_plan(ev) -> None:
    # A bulk load of ready captures (the owner's setup, as a trigger-IN statement would write them).
    owner_exec(
        "INSERT INTO event_pending (event_type, event_subject_table, event_subject_ref, correlation_id,"
        " capture_payload) SELECT %s, 'job_queue', g::text, 'doc-' || g %% 100,"
        " jsonb_build_object('n', g, 'status', 'ready') FROM generate_series(1, %s) g",
        [IMMEDIATE, BACKLOG],
    )
    sql_exec("SET LOCAL plan_cache_mode = force_generic_plan")
    before = rows_scanned()
    answer = ev.process(batch=BATCH)
    rows = rows_scanned() - before
    assert answer["emitted"] == BATCH, answer
    # Before the fix, every ready capture (100,000), read by a bitmap scan and sorted. (Index entries
    # are not counted: the planner's own probes of the index read them too.)
    assert rows <= 10 * BATCH, rows


# Transaction ids far past any this server has given, so no committed event lies among them.
FAKE_XID = 10**12
# Events in the 'system' domain with the transaction ids given (a bulk load by the owner: the ids of
# transactions that committed one after another, which a single test transaction cannot produce).
INSERT_EVENTS = (
    "INSERT INTO event_outbox (id, event_domain, event_stream, event_type, delivery_lane, severity,"
    " event_subject_table, event_subject_ref, tx_id)"
    " SELECT nextval('event_outbox_id_seq'), 'system', 'update', 'system.queue_worker_silent', 'immediate',"
    " 'info', 'job_queue', g::text, (%s + g / %s)::text::xid8 FROM generate_series(1, %s) g"
)


def outbox_index_entries_read() -> int:
    """Index entries read so far in this transaction, over every index of event_outbox's partitions."""
    return sql_value(
        "SELECT coalesce(sum(pg_stat_get_xact_tuples_returned(i.indexrelid)), 0)::bigint"
        " FROM pg_inherits h JOIN pg_index i ON i.indrelid = h.inhrelid WHERE h.inhparent = 'event_outbox'::regclass"
    )


def test_a_route_batch_reads_its_events_not_the_backlog_under_stale_statistics() -> None:
    """Statistics taken when the cursor had caught up, then a backlog past it: the planner expected
    none past the cursor, appended the partitions unordered and sorted every event past it."""
    owner_exec(INSERT_EVENTS, [FAKE_XID, 1, 2_000])  # 2,000 transactions of one event each
    owner_exec("ANALYZE event_outbox")
    cursor = owner_value(
        "SELECT ARRAY[max(tx_id)::text, max(id)::text] FROM event_outbox WHERE tx_id > %s::text::xid8", [FAKE_XID]
    )
    owner_exec(INSERT_EVENTS, [FAKE_XID + 2_001, 100, BACKLOG // 2])  # then 500 of 100 events each
    before = outbox_index_entries_read()
    # The route worker's read, with a horizon past every event (the worker's own comes from pg_snapshot).
    read = owner_value(
        "SELECT cardinality(fn_iu_route_batch('system', %s::xid8, %s::bigint, %s::text::xid8, %s))",
        [cursor[0], cursor[1], 2 * FAKE_XID, BATCH],
    )
    entries = outbox_index_entries_read() - before
    assert read == BATCH
    # Before the fix, every event past the cursor (50,000).
    assert entries <= 10 * BATCH, entries


@pytest.mark.parametrize(
    ("function", "setting"),
    [
        ("fn_event_pending_emit_batch(integer, timestamptz)", "enable_bitmapscan=off"),
        ("fn_iu_route_batch(text, xid8, bigint, xid8, integer)", "enable_sort=off"),
    ],
)
def test_the_batch_readers_keep_their_planner_setting(function: str, setting: str) -> None:
    # A CREATE OR REPLACE of either function without its SET clause would drop the setting silently.
    assert sql_value("SELECT %s = ANY (proconfig) FROM pg_proc WHERE oid = %s::regprocedure", [setting, function])


def test_a_route_batch_hands_back_the_events_as_stored() -> None:
    # The batch is built in event_outbox's own type (sql/events/0029), in (tx_id, id) order; a payload
    # with quotes, backslashes, commas and non-ASCII text comes back as it was written.
    payload = {"q": 'say "hi", \\ (x, y)', "u": "Zürich ✓", "n": [1, None, {"a": "}"}]}
    owner_exec(
        "INSERT INTO event_outbox (id, event_domain, event_stream, event_type, delivery_lane, severity, payload,"
        " event_subject_table, event_subject_ref, tx_id)"
        " SELECT nextval('event_outbox_id_seq'), 'system', 'update', 'system.queue_worker_silent', 'immediate',"
        " 'info', %s::jsonb, 'job_queue', g::text, (%s + 3 - g)::text::xid8 FROM generate_series(1, 3) g",
        [json.dumps(payload), FAKE_XID],
    )
    rows = owner_value(
        "SELECT jsonb_agg(jsonb_build_object('ref', e.event_subject_ref, 'payload', e.payload) ORDER BY n)"
        " FROM unnest(fn_iu_route_batch('system', %s::text::xid8, 0, %s::text::xid8, 10)) WITH ORDINALITY AS e(id,"
        " event_domain, event_stream, event_type, delivery_lane, severity, payload, payload_classification,"
        " event_subject_table, event_subject_ref, correlation_id, causation_id, actor, occurred_at, created_at,"
        " tx_id, delivered_at, n)",
        [FAKE_XID, 2 * FAKE_XID],
    )
    rows = json.loads(rows) if isinstance(rows, str) else rows
    assert [r["ref"] for r in rows] == ["3", "2", "1"]  # tx_id order: the third row's transaction came first
    assert all(r["payload"] == payload for r in rows)
    assert owner_value("SELECT fn_iu_route_batch('system', %s::text::xid8, 0, %s::text::xid8, 10)",
                       [2 * FAKE_XID, 3 * FAKE_XID]) is None  # fmt: skip
