"""fn_job_enqueue / fn_job_enqueue_many: gates, idempotency, registry defaults,
bad input (a clear error naming the rule, nothing written), and wake-ups."""

from __future__ import annotations

import pytest

from queuegov.actor import Actor, actor_context
from tests.database import as_owner
from tests.helpers import db_error, sql_exec, sql_value
from tests.jobs.conftest import assert_app_denied, owner_exec

pytestmark = pytest.mark.django_db

SUBSTRATE = "queue.job_substrate.enabled"


def closed(gate: str) -> dict[str, str]:
    return {"status": "gate_closed", "gate": gate}


# ---------------------------------------------------------------------------
# Gates: every function behind one does nothing and says so
# ---------------------------------------------------------------------------
def test_enqueue_gate_closed(q) -> None:
    assert q.enqueue("test.job", {"ref": 1}) == closed(SUBSTRATE)
    assert q.enqueue_many([{"job_kind": "test.job"}] * 3) == closed(SUBSTRATE)
    assert q.count() == 0


def test_claim_gate_closed(q, open_gate) -> None:
    open_gate(SUBSTRATE)
    job_id = q.enqueue("test.job")["job_id"]
    assert q.claim("w1") == closed("queue.worker.enabled")
    assert q.job(job_id)["status"] == "queued" and q.job(job_id)["attempts"] == 0


def test_lease_reaper_gate_closed(q, open_gate) -> None:
    open_gate(SUBSTRATE)
    job_id = q.enqueue("test.job")["job_id"]
    q.start(job_id, "w1")
    owner_exec("UPDATE job_queue SET lease_until = now() - interval '1 hour' WHERE id = %s", [job_id])
    assert q.call("SELECT fn_job_lease_reaper()") == closed("queue.lease_reaper.enabled")
    assert q.job(job_id)["status"] == "running" and q.job(job_id)["lease_owner"] == "w1"


def test_dead_letter_replay_gate_closed(q, open_gate, actor) -> None:
    open_gate(SUBSTRATE)
    actor("user:operator")
    dl = q.dead_letter()
    q.call("SELECT fn_job_dead_letter_triage(%s, 'manual_replay', 'looked at it')", dl)
    before = q.count()
    assert q.call("SELECT fn_job_dead_letter_replay(%s, 'ticket-1')", dl) == closed("queue.dlq_replay.enabled")
    assert q.count() == before
    assert sql_value("SELECT triage_status FROM job_dead_letter WHERE id = %s", [dl]) == "manual_replay"


def test_heartbeat_tick_and_stale_check_gate_closed(q) -> None:
    gate = "queue.heartbeat.enabled"
    assert q.call("SELECT fn_queue_heartbeat_tick('w1', 'PG_worker', '{}')") == closed(gate)
    assert sql_value("SELECT count(*) FROM queue_heartbeat") == 0
    owner_exec(
        "INSERT INTO queue_heartbeat (executor_name, executor_kind, last_beat_at)"
        " VALUES ('old', 'DOT', now() - interval '1 day')"
    )
    assert q.call("SELECT fn_queue_stale_check()") == closed(gate)
    assert sql_value("SELECT status FROM queue_heartbeat WHERE executor_name = 'old'") == "fresh"


def test_schedule_tick_gate_closed(q, open_gate) -> None:
    with as_owner():  # no SQL API creates a schedule or moves its clock
        sql_exec("DELETE FROM job_schedule")  # only this test's schedule
        sql_exec(
            "INSERT INTO job_schedule (name, cron_expression, job_kind)"
            " VALUES ('every-minute', '* * * * *', 'test.job')"
        )
        sql_exec("UPDATE job_schedule SET next_run_at = now() - interval '5 minutes'")
    due = sql_value("SELECT next_run_at FROM job_schedule")
    assert q.call("SELECT fn_schedule_tick()") == closed("queue.scheduler.enabled")
    open_gate("queue.scheduler.enabled")  # the tick also enqueues: it honours the substrate gate too
    assert q.call("SELECT fn_schedule_tick()") == closed(SUBSTRATE)
    assert q.count() == 0 and sql_value("SELECT next_run_at FROM job_schedule") == due


# ---------------------------------------------------------------------------
# Idempotency and bulk enqueue
# ---------------------------------------------------------------------------
def test_duplicate_idempotency_key_returns_the_same_job(q, jobs_on) -> None:
    first = q.enqueue("test.job", {"n": 1}, idempotency_key="order:42:ship")
    again = q.enqueue("test.job", {"n": 2}, idempotency_key="order:42:ship")
    assert first["status"] == "enqueued" and again == {"status": "duplicate", "job_id": first["job_id"]}
    assert q.count() == 1 and q.job(first["job_id"])["payload"] == {"n": 1}


def test_bulk_enqueue_5000_in_one_call_skips_duplicates(q, jobs_on) -> None:
    existing = q.enqueue("test.bulk", idempotency_key="bulk-7")["job_id"]
    jobs = [{"job_kind": "test.bulk", "payload": {"i": i}, "idempotency_key": f"bulk-{i}"} for i in range(4900)]
    jobs += [{"job_kind": "test.bulk", "payload": {"again": i}, "idempotency_key": f"bulk-{i}"} for i in range(100)]
    answer = q.enqueue_many(jobs)
    assert answer["status"] == "enqueued"
    assert (answer["enqueued"], answer["duplicates"]) == (4899, 101)  # 100 repeated in the call + bulk-7
    assert len(set(answer["job_ids"])) == 4899 and existing not in answer["job_ids"]
    assert q.count("job_kind = 'test.bulk'") == 4900
    assert q.count("payload ? 'again'") == 0


def test_bulk_without_keys_and_empty_list(q, jobs_on) -> None:
    assert q.enqueue_many([{"job_kind": "test.job"}] * 3)["enqueued"] == 3
    assert q.enqueue_many([]) == {"status": "enqueued", "enqueued": 0, "duplicates": 0, "job_ids": []}


# ---------------------------------------------------------------------------
# consumer_registry defaults
# ---------------------------------------------------------------------------
def test_registry_binds_queue_and_retry_policy(q, jobs_on, consumer, retry_policy) -> None:
    retry_policy("test_seven", 7, "linear", 2, 60)
    consumer("test.bound", queue_name="maintenance", retry_policy="test_seven")
    job = q.job(q.enqueue("test.bound")["job_id"])
    assert (job["queue_name"], job["retry_policy"], job["max_attempts"]) == ("maintenance", "test_seven", 7)
    job = q.job(q.enqueue("test.bound", queue_name="default", max_attempts=2)["job_id"])
    assert (job["queue_name"], job["retry_policy"], job["max_attempts"]) == ("default", "test_seven", 2)
    [bulk_id] = q.enqueue_many([{"job_kind": "test.bound"}])["job_ids"]
    assert q.job(bulk_id)["max_attempts"] == 7 and q.job(bulk_id)["queue_name"] == "maintenance"


def test_unbound_kind_gets_default_queue_and_policy(q, jobs_on, actor) -> None:
    actor("user:producer")
    job = q.job(q.enqueue("test.unbound", correlation_id="corr-1", priority=-5)["job_id"])
    assert (job["queue_name"], job["retry_policy"], job["max_attempts"]) == ("default", "default", 5)
    assert (job["status"], job["attempts"], job["priority"]) == ("queued", 0, -5)
    assert (job["created_by"], job["correlation_id"]) == ("user:producer", "corr-1")


# ---------------------------------------------------------------------------
# Bad input: a clear error naming the rule, nothing written
# ---------------------------------------------------------------------------
BIG = "x" * 70_000

BAD_SINGLE = [
    ({"queue_name": "nowhere"}, {"sqlstate": "QG005", "match": r"^unknown_queue: nowhere "}),
    (
        {"payload": {"a": {"b": [{"Embedding": [0.1]}]}}},
        {"constraint": "payload_prohibited_key", "match": r"^payload_prohibited_key: Embedding at \$\.a\.b\[0\]"},
    ),
    (
        {"payload": {"blob": BIG}},
        {"sqlstate": "QG007", "match": r"^payload_too_large: .*queue\.payload\.max_bytes is 65536"},
    ),
    ({"priority": 101}, {"constraint": "priority_in_range", "match": r"^priority_in_range: .* not 101"}),
    ({"priority": -101}, {"constraint": "priority_in_range", "match": r"^priority_in_range: .* not -101"}),
    ({"max_attempts": 0}, {"constraint": "max_attempts_in_range", "match": r"^max_attempts_in_range: "}),
    ({"job_kind": "9 bad kind"}, {"constraint": "job_kind_format"}),
]


@pytest.mark.parametrize(("args", "expect"), BAD_SINGLE, ids=lambda v: next(iter(v)) if isinstance(v, dict) else "")
def test_bad_single_enqueue_is_refused(q, jobs_on, args, expect) -> None:
    args = dict(args)
    kind, payload = args.pop("job_kind", "test.job"), args.pop("payload", {})
    with db_error(**expect):
        q.enqueue(kind, payload, **args)
    assert q.count() == 0


def test_payload_cap_follows_the_setting(q, jobs_on, set_config) -> None:
    set_config("queue.payload.max_bytes", 1024)
    assert q.enqueue("test.job", {"blob": "x" * 900})["status"] == "enqueued"
    with db_error(sqlstate="QG007", match=r"^payload_too_large: payload is \d+ bytes; queue.payload.max_bytes is 1024"):
        q.enqueue("test.job", {"blob": "x" * 1100})
    assert q.count() == 1


GOOD = {"job_kind": "test.job", "payload": {"ref": "a"}}
BAD_BULK = [
    ({"job_kind": "test.job", "priority": 500}, {"sqlstate": "QG004", "match": r"^invalid_job: element 2 "}),
    ({"job_kind": "test.job", "max_attempts": 0}, {"sqlstate": "QG004", "match": r"^invalid_job: element 2 "}),
    ({"payload": {}}, {"sqlstate": "QG004", "match": r"^invalid_job: element 2 .*needs a job_kind"}),
    ({"job_kind": "test.job", "queue_name": "nowhere"}, {"sqlstate": "QG005", "match": r"^unknown_queue: element 2 "}),
    (
        {"job_kind": "test.job", "payload": {"meta": {"password": "x"}}},
        {"constraint": "payload_prohibited_key", "match": r"password at \$\.meta\.password"},
    ),
    ({"job_kind": "bad kind!"}, {"constraint": "job_kind_format"}),
]


@pytest.mark.parametrize(("bad", "expect"), BAD_BULK)
def test_bulk_with_one_bad_element_inserts_nothing(q, jobs_on, bad, expect) -> None:
    with db_error(**expect):
        q.enqueue_many([GOOD, GOOD, bad, GOOD])
    assert q.count() == 0


def test_bulk_oversize_payload_names_payload_too_large(q, jobs_on) -> None:
    with db_error(sqlstate="QG007", match=r"^payload_too_large: element 1 payload is \d+ bytes; .* is 65536$"):
        q.enqueue_many([GOOD, {"job_kind": "test.job", "payload": {"blob": BIG}}])
    assert q.count() == 0


@pytest.mark.parametrize("bad", [{"priority": "high"}, {"priority": 1.5}, {"run_at": "soon"}])
def test_bulk_element_of_the_wrong_type_is_named(q, jobs_on, bad) -> None:
    with db_error(sqlstate="QG004", match=r"^invalid_job: element 1 "):
        q.enqueue_many([GOOD, {"job_kind": "test.job", **bad}])
    assert q.count() == 0


def test_consumer_default_queue_that_is_not_registered_is_named(q, jobs_on, consumer) -> None:
    # consumer_registry.queue_name is free text; job_queue has no FOREIGN KEY to queue_state
    # (0007), so the enqueue functions resolve the effective queue and name a missing one.
    # fn_consumer_register refuses an unregistered queue, so the row is written as the owner.
    with db_error(sqlstate="QG005", match=r"^unknown_queue: not_a_queue "):
        consumer("test.lost", queue_name="not_a_queue")
    owner_exec(
        "INSERT INTO consumer_registry (job_kind, executor_class, queue_name, retry_policy)"
        " VALUES ('test.lost', 'pg_worker', 'not_a_queue', 'default')"
    )
    with db_error(sqlstate="QG005", match=r"^unknown_queue: not_a_queue .*consumer_registry gives test\.lost$"):
        q.enqueue("test.lost")
    with db_error(sqlstate="QG005", match=r"^unknown_queue: element 1 goes to queue not_a_queue"):
        q.enqueue_many([GOOD, {"job_kind": "test.lost"}])
    assert q.count() == 0
    assert q.enqueue("test.lost", queue_name="default")["status"] == "enqueued"  # an explicit queue wins


def test_both_enqueue_paths_write_the_same_row(q, jobs_on, actor) -> None:
    # One statement for the common call (a small payload, or one over 256 bytes that
    # reads the cap); the checked path for a key.
    actor("user:producer")
    small = q.job(q.enqueue("test.job", {"ref": "s"}, priority=3, correlation_id="c")["job_id"])
    large = q.job(q.enqueue("test.job", {"ref": "x" * 3000}, priority=3, correlation_id="c")["job_id"])
    assert large["payload"] == {"ref": "x" * 3000}
    keyed = q.job(q.enqueue("test.job", {"ref": "k"}, priority=3, correlation_id="c", idempotency_key="k1")["job_id"])
    same = (
        "queue_name",
        "retry_policy",
        "max_attempts",
        "priority",
        "status",
        "attempts",
        "created_by",
        "correlation_id",
    )
    assert [small[k] for k in same] == [large[k] for k in same] == [keyed[k] for k in same]
    assert [small[k] for k in same] == ["default", "default", 5, 3, "queued", 0, "user:producer", "c"]


DIRECT_INSERT_RULES = [
    ("priority", "101", "priority_in_range"),
    ("max_attempts", "0", "max_attempts_in_range"),
    ("attempts", "-1", "attempts_non_negative"),
    ("status", "'lost'", "job_status_allowed"),
    ("job_kind", "'bad kind!'", "job_kind_format"),
    ("idempotency_key", "''", "idempotency_key_length"),
]


@pytest.mark.parametrize(("column", "value", "constraint"), DIRECT_INSERT_RULES)
def test_column_rules_hold_for_a_direct_insert(column, value, constraint) -> None:
    # The rules are DOMAINs on the columns (0007), so they bind every writer, not only the
    # functions: even the owner. The app role may not write the table at all.
    row = {"job_kind": "'test.job'", "max_attempts": "5", column: value}
    insert = f"INSERT INTO job_queue ({', '.join(row)}) VALUES ({', '.join(row.values())})"
    with as_owner(), db_error(constraint=constraint, sqlstate="23514"):
        sql_exec(insert)
    assert_app_denied(insert)


def test_lease_fields_rule_holds_for_a_direct_update(q, jobs_on) -> None:
    job_id = q.enqueue("test.job")["job_id"]
    update = "UPDATE job_queue SET status = 'running' WHERE id = %s"
    with as_owner(), db_error(constraint="lease_fields_consistent", sqlstate="23514"):
        sql_exec(update, [job_id])
    assert_app_denied(update, [job_id])
    assert q.status(job_id) == "queued"


@pytest.mark.parametrize(
    ("sql", "match"),
    [
        ("DELETE FROM queue_state WHERE queue_name = 'maintenance'", r"queue_state maintenance cannot be deleted"),
        (
            "UPDATE queue_state SET queue_name = 'upkeep' WHERE queue_name = 'maintenance'",
            r"queue_state maintenance cannot be renamed: .*pause the queue instead$",
        ),
        ("DELETE FROM retry_policy_registry WHERE code = 'linear'", r"retry_policy_registry linear cannot be deleted"),
        (
            "UPDATE retry_policy_registry SET code = 'straight' WHERE code = 'linear'",
            r"retry_policy_registry linear cannot be renamed: .*retire the policy instead",
        ),
    ],
)
def test_registry_rows_that_jobs_name_are_kept(sql, match) -> None:
    # The trigger holds even for the owner; the app role may not write the registries at all.
    with as_owner(), db_error(sqlstate="23001", match=r"^registry_row_kept: " + match):
        sql_exec(sql)
    assert_app_denied(sql)
    assert sql_value("SELECT count(*) FROM queue_state WHERE queue_name = 'maintenance'") == 1
    assert sql_value("SELECT count(*) FROM retry_policy_registry WHERE code = 'linear'") == 1


def test_registry_rows_still_change_in_place(actor) -> None:
    actor("user:operator")
    sql_exec("SELECT fn_queue_pause('maintenance', 'disk swap')")
    assert sql_value("SELECT paused FROM queue_state WHERE queue_name = 'maintenance'") is True
    update = "UPDATE retry_policy_registry SET description = 'renamed text only' WHERE code = 'linear'"
    owner_exec(update)  # the kept-row trigger lets an in-place change through
    assert sql_value("SELECT description FROM retry_policy_registry WHERE code = 'linear'") == "renamed text only"
    assert_app_denied(update)  # no SQL API edits a policy: only the owner can


@pytest.mark.django_db(transaction=True)
def test_bulk_enqueue_wakes_each_queue_once_and_only_with_the_gate_open(q, jobs_on, set_config, pg_connect) -> None:
    listener = pg_connect()
    listener.execute("LISTEN queue_wake_default")
    listener.execute("LISTEN queue_wake_maintenance")
    set_config("queue.notify.enabled", True)

    def wakeups(expected: int) -> list[str]:
        got = list(listener.notifies(timeout=2, stop_after=expected)) if expected else []
        got += listener.notifies(timeout=0.2)  # and nothing more
        return sorted(n.channel for n in got)

    assert q.enqueue_many([{"job_kind": "test.job"}] * 100)["enqueued"] == 100
    assert wakeups(1) == ["queue_wake_default"]
    mixed = [{"job_kind": "test.job"}] * 50 + [{"job_kind": "test.job", "queue_name": "maintenance"}] * 50
    q.enqueue_many(mixed)
    assert wakeups(2) == ["queue_wake_default", "queue_wake_maintenance"]
    q.enqueue("test.job")
    assert wakeups(1) == ["queue_wake_default"]

    set_config("queue.notify.enabled", False)
    q.enqueue_many([{"job_kind": "test.job"}] * 100)
    q.enqueue("test.job")
    assert wakeups(0) == []
    assert q.count() == 302


@pytest.mark.django_db(transaction=True)
def test_keyed_enqueue_and_replay_wake_their_queue(q, jobs_on, set_config, open_gate, pg_connect) -> None:
    # The checked path (an idempotency key) and the dead-letter replay send their own
    # wake-up since 0007 dropped the NOTIFY trigger; a duplicate sends none.
    listener = pg_connect()
    listener.execute("LISTEN queue_wake_maintenance")
    dl = q.dead_letter(queue_name="maintenance")
    set_config("queue.notify.enabled", True)
    open_gate("queue.dlq_replay.enabled")
    operator = Actor(name="user:operator", source="sql")  # the functions audit the acts: a valid source

    def wakeups() -> int:
        return len(list(listener.notifies(timeout=1, stop_after=1))) + len(list(listener.notifies(timeout=0.2)))

    assert q.enqueue("test.job", queue_name="maintenance", idempotency_key="wake-1")["status"] == "enqueued"
    assert wakeups() == 1
    assert q.enqueue("test.job", queue_name="maintenance", idempotency_key="wake-1")["status"] == "duplicate"
    assert wakeups() == 0
    with actor_context(operator):
        q.call("SELECT fn_job_dead_letter_triage(%s, 'manual_replay', 'looked at it')", dl)
    assert wakeups() == 0
    with actor_context(operator):
        assert q.call("SELECT fn_job_dead_letter_replay(%s, 'ticket-7')", dl)["status"] == "replayed"
    assert wakeups() == 1
