"""Every gate and setting a live SQL function or view reads names a dot_config row of the right kind
(docs/architecture.md, "Governance").

A function reads a gate through ``fn_gate_open('<key>')`` (and answers ``fn_gate_closed_result('<key>')``)
and a setting through ``fn_setting_int('<key>')``; both refuse a key that does not exist, but only
when the call runs, and a branch a test never takes never runs. An inline read (``... FROM dot_config
WHERE key = '<key>'``) fails closed forever on a mistyped key; one a hot path might need again must name
its kind (``AND kind = 'gate'``). So this test reads the body of every function in ``public`` from
pg_proc (and every view's definition) and checks each literal key.
"""

from __future__ import annotations

import re

import pytest

from tests.database import as_owner
from tests.helpers import sql_exec, sql_rows

pytestmark = pytest.mark.django_db

CALLS = {
    "gate": re.compile(r"\bfn_gate_(?:open|closed_result)\(\s*'([^']*)'"),
    "setting": re.compile(r"\bfn_setting_int\(\s*'([^']*)'"),
}
# an inline read: `key = '<key>'` (or `g.key = ...`), then the kind it expects
INLINE = re.compile(r"(?<![\w.])(?:\w+\.)?key\s*=\s*'([^']*)'(?:\s+AND\s+(?:\w+\.)?kind\s*=\s*'(\w+)')?", re.IGNORECASE)
# the bodies that write dot_config rather than read a key from it
NOT_READERS = {"fn_sql_event_route_register"}

BROKEN = """
CREATE FUNCTION fn_test_gate_reads_broken() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    IF NOT fn_gate_open('queue.wroker.enabled') THEN            -- mistyped
        RETURN false;
    END IF;
    PERFORM fn_setting_int('queue.worker.enabled');              -- a gate read as a setting
    PERFORM (SELECT value FROM dot_config WHERE key = 'queue.notfy.enabled' AND kind = 'gate');
    PERFORM (SELECT value FROM dot_config WHERE key = 'queue.notify.enabled');   -- no kind named
    RETURN true;
END;
$$
"""


def sql_bodies() -> dict[str, str]:
    """name -> source of every function in ``public`` (extensions' excluded) and every view's definition."""
    functions = sql_rows(
        "SELECT p.oid::regprocedure::text, p.prosrc FROM pg_proc p"
        " WHERE p.pronamespace = 'public'::regnamespace"
        "   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')"
    )
    views = sql_rows(
        "SELECT c.relname::text, pg_get_viewdef(c.oid) FROM pg_class c"
        " WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('v', 'm')"
    )
    return dict(functions + views)


def key_reads(bodies: dict[str, str]) -> list[tuple[str, str, str | None]]:
    """(where, key, kind expected or None when an inline read names no kind) for every literal key read."""
    found = []
    for where, body in sorted(bodies.items()):
        if where.split("(")[0] in NOT_READERS:
            continue
        for kind, pattern in CALLS.items():
            found += [(where, key, kind) for key in pattern.findall(body)]
        if "dot_config" in body:
            found += [(where, key, kind or None) for key, kind in INLINE.findall(body)]
    return found


def wrong_reads(bodies: dict[str, str]) -> list[str]:
    rows = dict(sql_rows("SELECT key, kind FROM dot_config"))
    wrong = []
    for where, key, kind in key_reads(bodies):
        if kind is None:
            wrong.append(f"{where}: reads {key!r} inline without naming its kind (AND kind = 'gate' / 'setting')")
        elif key not in rows:
            wrong.append(f"{where}: reads {key!r}, which is not in dot_config")
        elif rows[key] != kind:
            wrong.append(f"{where}: reads {key!r} as a {kind}; it is a {rows[key]}")
    return wrong


def test_the_scan_finds_the_reads() -> None:
    reads = key_reads(sql_bodies())
    keys = {(key, kind) for _, key, kind in reads}
    assert {("queue.worker.enabled", "gate"), ("event.retry.max_attempts", "setting")} <= keys
    # reads inside a statement are found too (fn_job_enqueue's fast path reads the size cap in its WHERE)
    by_function = {(where.split("(")[0], key) for where, key, _ in reads}
    assert ("fn_job_enqueue", "queue.payload.max_bytes") in by_function


def test_every_key_a_function_or_view_reads_is_a_row_of_its_kind() -> None:
    assert wrong_reads(sql_bodies()) == []


def test_a_mistyped_key_fails_the_check() -> None:
    with as_owner():
        sql_exec(BROKEN)
        bodies = sql_bodies()
    wrong = [w for w in wrong_reads(bodies) if w.startswith("fn_test_gate_reads_broken")]
    assert wrong == [
        "fn_test_gate_reads_broken(): reads 'queue.wroker.enabled', which is not in dot_config",
        "fn_test_gate_reads_broken(): reads 'queue.worker.enabled' as a setting; it is a gate",
        "fn_test_gate_reads_broken(): reads 'queue.notfy.enabled', which is not in dot_config",
        "fn_test_gate_reads_broken(): reads 'queue.notify.enabled' inline without naming its kind "
        "(AND kind = 'gate' / 'setting')",
    ]


def test_every_snapshot_key_of_the_command_catalogue_is_in_dot_config() -> None:
    """fn_iu_run_open snapshots the keys dot_iu_command_catalog lists; a missing one would vanish silently."""
    missing = sql_rows(
        "SELECT c.command, k FROM dot_iu_command_catalog c, unnest(c.snapshot_keys) AS k"
        " WHERE k NOT IN (SELECT key FROM dot_config) ORDER BY 1, 2"
    )
    assert missing == []
