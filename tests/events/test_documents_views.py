"""The documents' status views answer, under the documents' names (docs/operations.md, "Status views").

Operators' saved queries name v_iu_event_backlog, v_iu_route_dead_letter_open,
v_iu_composer_event_backlog, v_dot_iu_command_run_health and
v_iu_auto_instantiate_event_summary: each answers from the current tables,
readable by the app and auditor roles.
"""

from __future__ import annotations

import pytest

from queuegov.dbroles import role_name
from tests.database import as_owner
from tests.events.conftest import make_dead_letter, owner_exec
from tests.helpers import sql_exec, sql_rows, sql_value, use_actor

pytestmark = pytest.mark.django_db

VIEWS = (
    "v_iu_event_backlog",
    "v_iu_route_dead_letter_open",
    "v_iu_composer_event_backlog",
    "v_dot_iu_command_run_health",
    "v_iu_auto_instantiate_event_summary",
)


def test_each_view_exists_and_the_roles_that_read_the_engine_read_it() -> None:
    for view in VIEWS:
        assert sql_rows("SELECT relkind FROM pg_class WHERE relname = %s", [view]) == [("v",)]
        sql_rows(f"SELECT * FROM {view} LIMIT 1")  # the app role reads it
        for role in ("app", "auditor"):
            assert sql_value("SELECT has_table_privilege(%s, %s, 'SELECT')", [role_name(role), view]), (role, view)


def test_the_views_answer_what_the_tables_hold(ev, emit_on, sink) -> None:
    first = ev.emit("job.replayed", "job_dead_letter", "a")["event_id"]
    second = ev.emit("job.replayed", "job_dead_letter", "b")["event_id"]
    route = ev.route("test-docs", "job.replayed", "call_function", sink)
    dead = make_dead_letter(first, route)
    with as_owner():
        sql_exec(
            "INSERT INTO iu_route_delivery (event_id, route_id, status, attempts, next_attempt_at, last_error,"
            " event_created_at, event_domain, subject_key)"
            " SELECT id, %s, 'pending', 1, now() + interval '5 seconds', 'boom', created_at, event_domain, 'x'"
            " FROM event_outbox WHERE id = %s",
            [route, second],
        )
        sql_exec(
            "INSERT INTO iu_route_delivery (event_id, route_id, status, attempts, event_created_at, event_domain)"
            " SELECT id, %s, 'dead_lettered', 5, created_at, event_domain FROM event_outbox WHERE id = %s",
            [route, first],
        )
    ev.capture("job.replayed", "job_dead_letter", "c")
    owner_exec("UPDATE event_pending SET error_count = 1, last_error = 'not yet' WHERE event_subject_ref = 'c'")
    use_actor("user:ops")
    with as_owner():
        sql_exec("SELECT set_config('queuegov.actor', 'user:ops', true)")
        run = sql_rows("SELECT fn_iu_run_open('cleanup', 'plan', NULL, '{}'::jsonb)")[0][0]
        sql_exec("SELECT fn_iu_run_close(%s, 'planned', '{}'::jsonb)", [run])
        sql_exec("SELECT fn_iu_run_open('cleanup', 'apply', NULL, '{\"n\": 1}'::jsonb)")

    [backlog] = sql_rows(
        "SELECT unrouted, parked, next_retry_at IS NOT NULL FROM v_iu_event_backlog"
        " WHERE worker_name = 'job_default' AND event_domain = 'job'"
    )
    assert backlog == (2, 1, True)
    assert sql_rows("SELECT id, route_name, triage_status, attempts FROM v_iu_route_dead_letter_open") == [
        (dead, "test-docs", "open", 1)
    ]
    assert sql_rows(
        "SELECT event_type, pending, failing, parked, last_error FROM v_iu_composer_event_backlog"
        " WHERE event_type = 'job.replayed'"
    ) == [("job.replayed", 1, 1, 0, "not yet")]
    [(runs, running, last_status)] = sql_rows(
        "SELECT runs, running, last_status FROM v_dot_iu_command_run_health WHERE command = 'cleanup'"
    )
    assert (runs, running, last_status) == (2, 1, "running")
    assert sql_rows(
        "SELECT route_name, deliveries, succeeded, parked, dead_lettered, enabled, dry_run"
        " FROM v_iu_auto_instantiate_event_summary WHERE route_id = %s",
        [route],
    ) == [("test-docs", 2, 0, 1, 1, True, False)]
