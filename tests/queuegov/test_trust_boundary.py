"""docs/security.md: the database is the trust boundary.

Each bypass an attacker's SQL session found on the earlier schema is replayed
here on a session of its own — the app role's own login (as Django logs in)
and an external executor's login — and must be refused (permission denied or
a named rule) with nothing changed. The owner remains the trust root: what it
does past the triggers, audit_verify detects.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from psycopg import sql

from jobs.executors import ExecutorCredentials, create_executor_login
from queuegov.actor import Actor
from queuegov.trigger_drift import database_problems
from tests import helpers
from tests.database import admin_connect, app_connect, as_owner, login_connect

pytestmark = pytest.mark.django_db(transaction=True)

SOURCE = b"# Handbook\n\nintro\n"
PIECES = [
    {"piece_no": 1, "sort_order": 1, "section_type": "document", "heading": "Handbook", "parent_piece_no": None,
     "text": "The handbook."},
    {"piece_no": 2, "sort_order": 2, "section_type": "chapter", "heading": "Leave", "parent_piece_no": 1,
     "text": "How leave works."},
]  # fmt: skip


# ---------------------------------------------------------------------------
# Sessions and states
# ---------------------------------------------------------------------------
@pytest.fixture
def executor() -> Iterator[Callable[..., ExecutorCredentials]]:
    """``executor(kind, queues)``: a fresh executor login (dropped after the test)."""
    made: list[str] = []

    def make(kind: str = "Hermes", queues: list[str] | None = None) -> ExecutorCredentials:
        name = f"qg_test_exec_{uuid.uuid4().hex[:10]}"
        made.append(name)
        return create_executor_login(name, kind, queues, actor=Actor.for_command("test"))

    yield make
    with admin_connect() as conn:
        for name in made:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


def connect_as(credentials: ExecutorCredentials) -> psycopg.Connection:
    return login_connect(credentials.login, credentials.password)


def refused(conn: psycopg.Connection, statement: str, params: Any = None) -> psycopg.Error:
    """Run ``statement`` expecting an error; the failed transaction is rolled back."""
    with pytest.raises(psycopg.Error) as excinfo:
        conn.execute(statement, params)
    if not conn.autocommit:
        conn.rollback()
    return excinfo.value


def committed(actor: str, statement: str, params: Any = None) -> Any:
    """One committed transaction on Django's connection, as ``actor``."""
    with transaction.atomic():
        helpers.use_actor(actor)
        return helpers.json_value(statement, params)


def open_gates(*keys: str) -> None:
    for key in keys:
        helpers.governed_set(key, True, requester=f"user:req-{uuid.uuid4().hex[:6]}")


def mark_manifest(marker: str) -> int:
    answer = committed(
        marker,
        "SELECT fn_iu_op_mark_file(p_source_ref => %s, p_source_hash => %s, p_source_bytes => %s,"
        " p_pieces => %s::jsonb, p_doc_code => 'HB', p_idempotency_key => %s)",
        ["/docs/hb.md", hashlib.sha256(SOURCE).hexdigest(), len(SOURCE), json.dumps(PIECES), uuid.uuid4().hex],
    )
    return answer["record_id"]


# Executors made by ``executor()`` are Hermes executors: they claim only the kinds of class hermes.
HERMES_KIND = "test.hermes.summarise"


def enqueue_one(queue: str = "default", kind: str = HERMES_KIND) -> int:
    if kind == HERMES_KIND:
        committed("user:registrar", "SELECT fn_consumer_register(%s, 'hermes', 'default')", [kind])
    return committed(f"user:producer-{uuid.uuid4().hex[:6]}", "SELECT fn_job_enqueue(%s, '{}', %s)", [kind, queue])[
        "job_id"
    ]


def value_of(key: str) -> Any:
    return helpers.config_value(key)


# ---------------------------------------------------------------------------
# 1. "set_config the actor, file, set_config another actor, approve"
# ---------------------------------------------------------------------------
def test_app_cannot_switch_actor_to_approve_its_own_gate_change() -> None:
    with app_connect(autocommit=False) as conn:
        conn.execute("SELECT set_config('queuegov.actor', 'sql:mallory', true)")
        request_id = conn.execute(
            "SELECT fn_gate_change_request('queue.dlq_replay.enabled', 'true', 'let me in')"
        ).fetchone()[0]
        conn.execute("SELECT set_config('queuegov.actor', 'user:tb-approver', true)")
        error = refused(conn, "SELECT fn_gate_change_approve(%s, 'approved')", [request_id])
    assert error.sqlstate == "QG001" and str(error).startswith("actor_switched: this transaction already acted as")
    assert value_of("queue.dlq_replay.enabled") is False
    assert helpers.sql_value("SELECT count(*) FROM gate_change_request WHERE requested_by = 'sql:mallory'") == 0


def test_executor_cannot_file_or_approve_gate_changes_whatever_actor_it_names(executor) -> None:
    with connect_as(executor()) as conn:
        conn.execute("SELECT set_config('queuegov.actor', 'user:tb-approver', false)")
        assert conn.execute("SELECT fn_actor()").fetchone()[0].startswith("db:qg_test_exec_")
        for statement in (
            "SELECT fn_gate_change_request('queue.dlq_replay.enabled', 'true', 'let me in')",
            "SELECT fn_gate_change_approve(1, 'approved')",
        ):
            assert refused(conn, statement).sqlstate == "42501"
    assert value_of("queue.dlq_replay.enabled") is False


def test_app_cannot_switch_actor_to_approve_its_own_manifest() -> None:
    with app_connect(autocommit=False) as conn:
        conn.execute("SELECT set_config('queuegov.actor', 'user:tb-marker', true)")
        record_id = conn.execute(
            "SELECT fn_iu_op_mark_file(p_source_ref => %s, p_source_hash => %s, p_source_bytes => %s,"
            " p_pieces => %s::jsonb, p_doc_code => 'HB')",
            ["/docs/hb.md", hashlib.sha256(SOURCE).hexdigest(), len(SOURCE), json.dumps(PIECES)],
        ).fetchone()[0]["record_id"]
        conn.execute("SELECT set_config('queuegov.actor', 'user:tb-approver', true)")
        error = refused(conn, "SELECT fn_iu_op_verify_mark(%s, true, 'DOC-1', 'fine by me')", [record_id])
    assert error.sqlstate == "QG001" and str(error).startswith("actor_switched:")
    assert helpers.sql_value("SELECT count(*) FROM iu_staging_record WHERE id = %s", [record_id]) == 0


def test_executor_cannot_mark_or_approve_manifests(executor) -> None:
    record_id = mark_manifest("user:tb-marker")
    with connect_as(executor()) as conn:
        error = refused(conn, "SELECT fn_iu_op_verify_mark(%s, true, 'DOC-1', 'fine by me')", [record_id])
    assert error.sqlstate == "42501"
    assert helpers.sql_value("SELECT lifecycle_status FROM iu_staging_record WHERE id = %s", [record_id]) == (
        "pending_review"
    )


# ---------------------------------------------------------------------------
# 2. Direct writes: approve a manifest, apply a request, pass dot_config's guard
# ---------------------------------------------------------------------------
FORGERIES = {
    "approve a manifest": (
        "UPDATE iu_staging_record SET lifecycle_status = 'approved', approved_by = 'user:ghost',"
        " approved_at = now(), approval_doc_id = 'D' WHERE id = %(record)s"
    ),
    "apply a gate change": "UPDATE gate_change_request SET status = 'applied' WHERE id = %(request)s",
    "write dot_config under a named request": (
        "UPDATE dot_config SET value = 'true' WHERE key = 'queue.dlq_replay.enabled'"
    ),
    "finish a job": "UPDATE job_queue SET status = 'succeeded' WHERE id = %(job)s",
    "insert a job": "INSERT INTO job_queue (job_kind, max_attempts) VALUES ('x.y', 1)",
    "delete the audit trail": "DELETE FROM admin_action_audit",
    "truncate the audit trail": "TRUNCATE admin_action_audit",
}


@pytest.fixture
def targets() -> dict[str, int]:
    open_gates("queue.job_substrate.enabled")
    record = mark_manifest("user:tb-marker")
    request = committed("user:tb-mallory", "SELECT fn_gate_change_request('queue.dlq_replay.enabled', 'true', 'mine')")
    return {"record": record, "request": request, "job": enqueue_one()}


def state(targets: dict[str, int]) -> tuple[Any, ...]:
    return (
        helpers.sql_value("SELECT lifecycle_status FROM iu_staging_record WHERE id = %s", [targets["record"]]),
        helpers.sql_value("SELECT status FROM gate_change_request WHERE id = %s", [targets["request"]]),
        value_of("queue.dlq_replay.enabled"),
        helpers.sql_value("SELECT status FROM job_queue WHERE id = %s", [targets["job"]]),
        helpers.sql_value("SELECT count(*) FROM job_queue"),
        helpers.sql_value("SELECT count(*) FROM admin_action_audit"),
    )


@pytest.mark.parametrize("forgery", FORGERIES)
@pytest.mark.parametrize("session", ["app", "executor"])
def test_direct_writes_are_refused(executor, targets, session: str, forgery: str) -> None:
    creds = executor() if session == "executor" else None
    before = state(targets)
    with app_connect() if creds is None else connect_as(creds) as conn:
        conn.execute("SELECT set_config('queuegov.gate_change_request_id', %s, false)", [str(targets["request"])])
        conn.execute("SELECT set_config('queuegov.actor', 'user:tb-approver', false)")
        error = refused(conn, FORGERIES[forgery], targets)
    assert error.sqlstate == "42501", error
    assert state(targets) == before


def test_a_manifest_nobody_approved_is_not_cut(targets) -> None:
    with app_connect(autocommit=False) as conn:
        conn.execute("SELECT set_config('queuegov.actor', 'user:tb-operator', true)")
        error = refused(conn, "SELECT fn_iu_op_cut(%s, %s)", [targets["record"], hashlib.sha256(SOURCE).hexdigest()])
    assert error.sqlstate == "QG003" and "not_approved" in str(error)
    assert helpers.sql_value("SELECT lifecycle_status FROM iu_staging_record WHERE id = %s", [targets["record"]]) == (
        "pending_review"
    )


# ---------------------------------------------------------------------------
# 3. Switching the rules off: replica mode, disabled triggers
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("session", ["app", "executor"])
@pytest.mark.parametrize(
    "statement",
    [
        "SET session_replication_role = replica",
        "ALTER TABLE admin_action_audit DISABLE TRIGGER ALL",
        "ALTER TABLE dot_config DISABLE TRIGGER USER",
        "SET ROLE queuegov_owner",
        "CREATE TABLE public.squat (id int)",
    ],
)
def test_nobody_but_the_owner_switches_rules_off(executor, session: str, statement: str) -> None:
    statement = statement.replace("queuegov_owner", helpers.sql_value("SELECT fn_db_role('owner')"))
    with app_connect() if session == "app" else connect_as(executor()) as conn:
        assert refused(conn, statement).sqlstate == "42501"


def test_trigger_drift_check_fails_when_a_trigger_is_disabled() -> None:
    assert database_problems() == []
    call_command("trigger_drift", "--check")
    guard = helpers.sql_value("SELECT tgname::text FROM pg_trigger WHERE tgname LIKE 'pgtrigger_audit_append_only_%%'")
    with admin_connect() as conn:
        conn.execute(f"ALTER TABLE admin_action_audit DISABLE TRIGGER {guard}")
    try:
        assert database_problems() == [f"admin_action_audit: trigger {guard} is disabled"]
        with pytest.raises(CommandError, match=r"1 trigger\(s\) disabled or missing"):
            call_command("trigger_drift", "--check")
    finally:
        with admin_connect() as conn:
            conn.execute(f"ALTER TABLE admin_action_audit ENABLE TRIGGER {guard}")
    assert database_problems() == []


# ---------------------------------------------------------------------------
# 4. fn_audit_record: no executor access, no forged outcome or actor
# ---------------------------------------------------------------------------
def test_executor_cannot_record_audit_rows(executor) -> None:
    with connect_as(executor()) as conn:
        assert refused(conn, "SELECT fn_audit_record('job.cancel', 'refused')").sqlstate == "42501"


def test_app_records_only_refusals_in_its_resolved_actor() -> None:
    with app_connect(autocommit=False) as conn:
        conn.execute("SELECT set_config('queuegov.actor', 'user:tb-alice', true)")
        assert refused(conn, "SELECT fn_audit_record('gate_change.approve', 'applied')").sqlstate == "QG004"
        conn.execute("SELECT set_config('queuegov.actor', 'user:tb-alice', true)")
        audit_id = conn.execute("SELECT fn_audit_record('gate_change.approve', 'refused')").fetchone()[0]
        conn.commit()
    assert helpers.sql_rows("SELECT actor, outcome FROM admin_action_audit WHERE id = %s", [audit_id]) == [
        ("user:tb-alice", "refused")
    ]


# ---------------------------------------------------------------------------
# 5. Governed acts from psql are audited in SQL, once, with the resolved actor
# ---------------------------------------------------------------------------
def audit_rows_since(audit_id: int) -> list[tuple[str, str, str, list[str]]]:
    return helpers.sql_rows(
        "SELECT actor, action, outcome, target_ids FROM admin_action_audit WHERE id > %s ORDER BY id", [audit_id]
    )


def last_audit_id() -> int:
    return helpers.sql_value("SELECT coalesce(max(id), 0) FROM admin_action_audit")


@pytest.mark.parametrize(
    ("statement", "action"),
    [
        ("SELECT fn_queue_pause('default', 'maintenance window')", "queue.pause"),
        ("SELECT fn_job_cancel_many(ARRAY[%(job)s]::bigint[], 'not needed')", "job.cancel"),
        ("SELECT fn_job_retry_now_many(ARRAY[%(job)s]::bigint[], 'run it now')", "job.retry_now"),
        ("SELECT fn_job_schedule_set_enabled('maintenance.stale_check', false, 'quiet week')", "job_schedule.disable"),
    ],
)
def test_a_governed_act_from_psql_as_the_app_writes_one_audit_row(statement: str, action: str) -> None:
    open_gates("queue.job_substrate.enabled")
    job = enqueue_one()
    start = last_audit_id()
    with app_connect(autocommit=False) as conn:
        conn.execute("SELECT set_config('queuegov.actor', 'sql:tb-ops-alice', true)")
        conn.execute(statement, {"job": job})
        conn.commit()
    rows = audit_rows_since(start)
    assert len(rows) == 1 and rows[0][:3] == ("sql:tb-ops-alice", action, "applied")


def test_a_governed_act_from_psql_as_the_app_needs_an_actor() -> None:
    with app_connect() as conn:
        error = refused(conn, "SELECT fn_queue_pause('default', 'maintenance window')")
    assert error.sqlstate == "QG001"
    assert helpers.sql_value("SELECT paused FROM queue_state WHERE queue_name = 'default'") is False


def test_an_executor_cancels_its_own_job_audited_as_itself(executor) -> None:
    open_gates("queue.job_substrate.enabled")
    creds = executor()
    foreign = enqueue_one()
    with connect_as(creds) as conn:
        conn.execute("SELECT set_config('queuegov.actor', 'user:tb-boss', false)")
        own = conn.execute("SELECT fn_job_enqueue('hermes.summarise', '{}')").fetchone()[0]["job_id"]
        start = last_audit_id()
        answer = conn.execute("SELECT fn_job_cancel_many(ARRAY[%s]::bigint[], 'changed my mind')", [own]).fetchone()[0]
        error = refused(conn, "SELECT fn_job_cancel_many(ARRAY[%s]::bigint[], 'not mine')", [foreign])
    assert answer["cancelled"] == [own]
    assert error.sqlstate == "QG002" and str(error).startswith(f"not_owner: db:{creds.login} may cancel only")
    assert audit_rows_since(start) == [(f"db:{creds.login}", "job.cancel", "applied", [str(own)])]
    assert helpers.sql_rows("SELECT created_by FROM job_queue WHERE id = %s", [own]) == [(f"db:{creds.login}",)]
    assert helpers.sql_value("SELECT status FROM job_queue WHERE id = %s", [foreign]) == "queued"


# ---------------------------------------------------------------------------
# 6. Leases are bound to the login that claimed them
# ---------------------------------------------------------------------------
LEASE_CALLS = {
    "ack": "SELECT fn_job_ack(%(job)s, %(worker)s, NULL, %(attempt)s)",
    "ack_many": "SELECT fn_job_ack_many(%(worker)s, ARRAY[%(job)s]::bigint[], ARRAY[%(attempt)s]::integer[])",
    "fail": "SELECT fn_job_fail_or_retry(%(job)s, %(worker)s, 'boom', %(attempt)s)",
    "heartbeat": "SELECT fn_job_heartbeat(%(job)s, %(worker)s, 600, %(attempt)s)",
    "heartbeat_many": "SELECT fn_job_heartbeat_many(%(worker)s, ARRAY[%(job)s]::bigint[], ARRAY[1], 600)",
    "release": "SELECT fn_job_release_many(%(worker)s, ARRAY[%(job)s]::bigint[], ARRAY[1])",
}


@pytest.mark.parametrize("call", LEASE_CALLS)
def test_executor_a_cannot_touch_executor_b_lease_even_with_b_worker_id(executor, call: str) -> None:
    open_gates("queue.job_substrate.enabled", "queue.worker.enabled")
    a, b = executor(), executor()
    job = enqueue_one()
    with connect_as(b) as conn_b:
        claim = conn_b.execute("SELECT fn_job_claim('worker-1', ARRAY['default'], 1, 300)").fetchone()[0]
    assert [j["id"] for j in claim["jobs"]] == [job]
    lease = helpers.sql_rows("SELECT lease_owner, lease_until, attempts FROM job_queue WHERE id = %s", [job])[0]
    assert lease[0] == f"{b.login}/worker-1"
    for worker in ("worker-1", f"{b.login}/worker-1"):
        with connect_as(a) as conn_a:
            answer = conn_a.execute(LEASE_CALLS[call], {"job": job, "worker": worker, "attempt": 1}).fetchone()[0]
        assert answer.get("status") in ("refused", "extended", "released", "partial")
        assert answer.get("extended", []) == [] and answer.get("released", 0) == 0 and answer.get("acked", 0) == 0
        assert helpers.sql_rows("SELECT lease_owner, lease_until, attempts FROM job_queue WHERE id = %s", [job]) == [
            lease
        ]
    with connect_as(b) as conn_b:
        done = conn_b.execute("SELECT fn_job_ack(%s, 'worker-1', NULL, 1)", [job]).fetchone()[0]
    assert done["status"] == "succeeded"


def test_executor_claims_only_from_its_queues(executor) -> None:
    open_gates("queue.job_substrate.enabled", "queue.worker.enabled")
    committed("user:ops", "SELECT fn_queue_register('agents')")
    creds = executor("Hermes", ["agents"])
    default_job, agents_job = enqueue_one("default"), enqueue_one("agents")
    with connect_as(creds) as conn:
        error = refused(conn, "SELECT fn_job_claim('w', ARRAY['default'], 10, 60)")
        claimed = conn.execute("SELECT fn_job_claim('w', NULL, 10, 60)").fetchone()[0]
    assert error.sqlstate == "QG002" and "executor_queue_refused" in str(error)
    assert [j["id"] for j in claimed["jobs"]] == [agents_job]
    assert helpers.sql_value("SELECT status FROM job_queue WHERE id = %s", [default_job]) == "queued"


def test_an_unregistered_login_cannot_claim(executor) -> None:
    open_gates("queue.worker.enabled")
    creds = executor()
    with admin_connect() as conn, as_owner_sql(conn):
        conn.execute("DELETE FROM executor_login WHERE role_name = %s", [creds.login])
    with connect_as(creds) as conn:
        error = refused(conn, "SELECT fn_job_claim('w', NULL, 10, 60)")
    assert error.sqlstate == "QG002" and "unknown_executor" in str(error)


def test_executor_reads_no_table(executor) -> None:
    with connect_as(executor()) as conn:
        for table in ("job_queue", "admin_action_audit", "dot_config", "executor_login"):
            assert refused(conn, f"SELECT count(*) FROM {table}").sqlstate == "42501"


def as_owner_sql(conn: psycopg.Connection) -> Any:
    """The owner role on an admin connection, for one block."""
    from contextlib import contextmanager

    @contextmanager
    def block() -> Iterator[None]:
        owner = helpers.sql_value("SELECT fn_db_role('owner')")
        conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(owner)))
        try:
            yield
        finally:
            conn.execute("RESET ROLE")

    return block()


# ---------------------------------------------------------------------------
# 7. The owner is the trust root; audit_verify detects its edits
# ---------------------------------------------------------------------------
def past_the_append_only_trigger(statement: str, params: list[Any]) -> None:
    """What only the owner can do: switch the append-only trigger off, write, switch it on."""
    guard = helpers.sql_value("SELECT tgname::text FROM pg_trigger WHERE tgname LIKE 'pgtrigger_audit_append_only_%%'")
    with as_owner():
        helpers.sql_exec(f"ALTER TABLE admin_action_audit DISABLE TRIGGER {guard}")
        helpers.sql_exec(statement, params)
        helpers.sql_exec(f"ALTER TABLE admin_action_audit ENABLE TRIGGER {guard}")


@pytest.mark.django_db
def test_audit_verify_names_a_row_the_owner_deleted() -> None:
    ids = []
    for who in ("user:a1", "user:a2", "user:a3"):
        helpers.use_actor(who)
        ids.append(helpers.sql_value("SELECT fn_audit_record('probe.row', 'refused')"))
    call_command("audit_verify")
    past_the_append_only_trigger("DELETE FROM admin_action_audit WHERE id = %s", [ids[1]])
    with pytest.raises(CommandError, match=rf"audit trail broken at row {ids[2]} .*rows were deleted"):
        call_command("audit_verify")


@pytest.mark.django_db
def test_audit_verify_names_a_row_the_owner_edited() -> None:
    helpers.use_actor("user:a1")
    audit_id = helpers.sql_value("SELECT fn_audit_record('probe.row', 'refused', p_detail => 'as written')")
    past_the_append_only_trigger("UPDATE admin_action_audit SET detail = 'rewritten' WHERE id = %s", [audit_id])
    with pytest.raises(CommandError, match=rf"broken at row {audit_id} .*changed after it was written"):
        call_command("audit_verify")


@pytest.mark.django_db
def test_audit_verify_names_a_deleted_tail() -> None:
    helpers.use_actor("user:a1")
    audit_id = helpers.sql_value("SELECT fn_audit_record('probe.row', 'refused')")
    past_the_append_only_trigger("DELETE FROM admin_action_audit WHERE id = %s", [audit_id])
    with pytest.raises(CommandError, match=r"rows at the end of the trail were deleted"):
        call_command("audit_verify")


@pytest.mark.django_db
def test_each_row_links_to_the_previous_one() -> None:
    helpers.use_actor("user:a1")
    first = helpers.sql_value("SELECT fn_audit_record('probe.row', 'refused')")
    second = helpers.sql_value("SELECT fn_audit_record('probe.row', 'failed')")
    rows = helpers.sql_rows(
        "SELECT chain_no, prev_hash, row_hash FROM admin_action_audit WHERE id IN (%s, %s) ORDER BY id", [first, second]
    )
    (no1, _, hash1), (no2, prev2, _) = rows
    assert no2 == no1 + 1 and bytes(prev2) == bytes(hash1)
    assert helpers.json_value("SELECT fn_audit_verify()")["status"] == "ok"


# ---------------------------------------------------------------------------
# 8. What the app's own worker runs is the app's to enqueue
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["queuegov.event_partitions", "queuegov.noop", "task:jobs.builtin.noop"])
def test_an_executor_cannot_enqueue_the_apps_own_kinds(executor, kind: str) -> None:
    open_gates("queue.job_substrate.enabled")
    before = helpers.sql_value("SELECT count(*) FROM job_queue")
    with connect_as(executor()) as conn:
        single = refused(conn, "SELECT fn_job_enqueue(%s, '{\"months_ahead\": 50000}')", [kind])
        many = refused(
            conn, "SELECT fn_job_enqueue_many(%s::jsonb)", [json.dumps([{"job_kind": "hermes.x"}, {"job_kind": kind}])]
        )
    assert single.sqlstate == "QG002" and str(single).startswith(f"job_kind_reserved: {kind} is the app's own kind")
    assert many.sqlstate == "QG002" and str(many).startswith(f"job_kind_reserved: element 1 is {kind}")
    assert helpers.sql_value("SELECT count(*) FROM job_queue") == before


def test_an_executor_without_queues_never_claims_maintenance(executor) -> None:
    open_gates("queue.job_substrate.enabled", "queue.worker.enabled")
    maintenance, default = enqueue_one("maintenance"), enqueue_one("default")
    with connect_as(executor()) as conn:
        error = refused(conn, "SELECT fn_job_claim('w', ARRAY['maintenance'], 10, 60)")
        claimed = conn.execute("SELECT fn_job_claim('w', NULL, 10, 60)").fetchone()[0]
    assert error.sqlstate == "QG002" and "may not claim the app's own maintenance queue" in str(error)
    assert [j["id"] for j in claimed["jobs"]] == [default]
    assert helpers.sql_value("SELECT status FROM job_queue WHERE id = %s", [maintenance]) == "queued"


def test_a_refused_lease_call_tells_an_executor_nothing_about_other_logins(executor) -> None:
    open_gates("queue.job_substrate.enabled", "queue.worker.enabled")
    a, b = executor(), executor()
    job = enqueue_one()
    with connect_as(b) as conn_b:
        conn_b.execute("SELECT fn_job_claim('secret-worker-name', NULL, 1, 300)")
    with connect_as(a) as conn_a:
        answer = conn_a.execute("SELECT fn_job_ack(%s, 'w', NULL, 1)", [job]).fetchone()[0]
        missing = conn_a.execute("SELECT fn_job_ack(999999999, 'w', NULL, 1)").fetchone()[0]
    assert answer["reason"] == f"lease_lost: job {job} is not leased to {a.login}"
    assert missing["reason"] == f"lease_lost: job 999999999 is not leased to {a.login}"
    assert "secret-worker-name" not in json.dumps(answer)
