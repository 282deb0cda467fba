"""Vector sync as a governed pipeline (docs/staging.md, "Vector sync"): one sync point
per unit identity (doc_code, section_code), its wanted version bumped once per
committed change by a deferred constraint trigger; with vector.sync.enabled open a
vector.sync job (references only) and a kb_vector_sync notice; the catch-up; the
fenced acknowledgement; the health row. In these single-transaction tests
``committed_cut`` fires the deferred trigger the way COMMIT does (SET CONSTRAINTS …
IMMEDIATE); test_vector_sync_concurrency.py commits for real."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.database import as_owner
from tests.helpers import as_json, db_error, governed_set, json_value, sql_exec, sql_rows, sql_value, use_actor
from tests.staging.conftest import StagingApi, clean_pieces

pytestmark = pytest.mark.django_db

OTHER_HASH = "ab" * 32


def fire_commit_triggers() -> None:
    """Run the deferred vector-sync trigger now, as COMMIT would (and defer it again)."""
    sql_exec("SET CONSTRAINTS information_unit_vector_sync IMMEDIATE")
    sql_exec("SET CONSTRAINTS information_unit_vector_sync DEFERRED")


def committed_cut(iu: StagingApi, pieces: list[dict[str, Any]] | None = None, **kwargs: Any) -> int:
    record_id = iu.consumed(pieces, **kwargs)
    fire_commit_triggers()
    return record_id


def points() -> dict[str, dict[str, Any]]:
    rows = json_value(
        "SELECT coalesce(jsonb_object_agg(section_code, to_jsonb(p)), '{}') FROM iu_vector_sync_point p"
        " WHERE doc_code = 'HANDBOOK'"
    )
    return rows


def current_units() -> dict[str, int]:
    return dict(
        sql_rows("SELECT section_code, id FROM information_unit WHERE doc_code = 'HANDBOOK' AND superseded_at IS NULL")
    )


def open_sync(*extra: str) -> None:
    for key in ("vector.sync.enabled", "queue.job_substrate.enabled", *extra):
        governed_set(key, True)


def sync_jobs() -> list[dict[str, Any]]:
    return [
        as_json(j)
        for (j,) in sql_rows(
            "SELECT jsonb_build_object('id', id, 'payload', payload, 'queue', queue_name, 'class', executor_class,"
            " 'status', status) FROM job_queue WHERE job_kind = 'vector.sync' ORDER BY id"
        )
    ]


def claim_sync_jobs(worker: str = "vec-1") -> list[dict[str, Any]]:
    answer = json_value(
        "SELECT fn_job_claim(%s, ARRAY['vector_sync'], 50, 300, 'external_worker', ARRAY['vector.sync'])", [worker]
    )
    assert answer["status"] == "claimed", answer
    return answer["jobs"]


def ack(job: dict[str, Any], ref: str | None, worker: str = "vec-1", attempt: int | None = None) -> dict[str, Any]:
    return json_value(
        "SELECT fn_iu_vector_sync_ack(%s, %s, %s, %s)",
        [job["id"], worker, ref, job["attempt"] if attempt is None else attempt],
    )


# ---------------------------------------------------------------------------
# Capture: one version per committed change
# ---------------------------------------------------------------------------
def test_a_cut_wants_each_unit_once_and_stays_behind_while_the_gate_is_closed(iu) -> None:
    committed_cut(iu)
    units = current_units()
    got = points()
    assert set(got) == set(units) and len(got) == 5
    for section, point in got.items():
        assert point["wanted_version"] == 1 and point["synced_version"] == 0
        assert point["wanted_unit_id"] == units[section] and point["job_id"] is None
        assert point["wanted_body_hash"] == sql_value(
            "SELECT body_hash FROM information_unit WHERE id = %s", [units[section]]
        )
    assert sql_value("SELECT count(*) FROM v_iu_vector_sync_behind WHERE doc_code = 'HANDBOOK'") == 5
    assert sync_jobs() == []


def test_a_re_cut_bumps_each_section_once_and_a_removed_section_is_wanted_gone(iu) -> None:
    committed_cut(iu)
    # The second manifest drops piece 5 (the chapter "Expenses") and changes piece 4's text.
    pieces = [p for p in clean_pieces(p4={"text": "Tell your lead at once."}) if p["piece_no"] != 5]
    committed_cut(iu, pieces, key="v2", source_hash=OTHER_HASH)
    got = points()
    units = current_units()
    assert len(got) == 5 and len(units) == 4
    for section, point in got.items():
        assert point["wanted_version"] == 2, (section, point)  # 2, not 3: INSERT and UPDATE of a section count once
        assert point["wanted_unit_id"] == units.get(section)
    gone = [s for s, p in got.items() if p["wanted_unit_id"] is None]
    assert gone == ["HANDBOOK/1.2"] and got["HANDBOOK/1.2"]["wanted_body_hash"] is None
    assert sql_value("SELECT op FROM v_iu_vector_sync_behind WHERE section_code = 'HANDBOOK/1.2'") == "delete"


def hundred_pieces(text: str) -> list[dict[str, Any]]:
    pieces = [{"piece_no": 1, "sort_order": 1, "section_type": "document", "heading": "Big", "text": "Big."}]
    pieces += [
        {"piece_no": n, "sort_order": n, "section_type": "chapter", "heading": f"C{n}", "parent_piece_no": 1,
         "text": f"{text} {n}"}
        for n in range(2, 101)
    ]  # fmt: skip
    return pieces


def test_a_re_cut_of_a_hundred_units_makes_a_hundred_versions_not_two_hundred(iu) -> None:
    open_sync()
    committed_cut(iu, hundred_pieces("first"), key="big1", doc_code="BIG")
    committed_cut(iu, hundred_pieces("second"), key="big2", doc_code="BIG", source_hash=OTHER_HASH)
    versions = sql_rows("SELECT wanted_version, count(*) FROM iu_vector_sync_point WHERE doc_code = 'BIG' GROUP BY 1")
    assert versions == [(2, 100)]
    assert (
        sql_value("SELECT count(*) FROM job_queue WHERE job_kind = 'vector.sync' AND payload ->> 'doc_code' = 'BIG'")
        == 200
    )


def test_the_statement_level_outcome_is_what_counts_not_each_row_event(iu) -> None:
    # Both cuts' row events wait for one commit: the trigger compares the final state only.
    iu.consumed()
    iu.consumed(key="v2", source_hash=OTHER_HASH)
    fire_commit_triggers()
    assert {p["wanted_version"] for p in points().values()} == {1}


def test_an_open_gate_enqueues_one_job_per_change_with_references_only(iu) -> None:
    open_sync()
    committed_cut(iu)
    jobs = sync_jobs()
    got = points()
    assert len(jobs) == 5
    assert {j["queue"] for j in jobs} == {"vector_sync"} and {j["class"] for j in jobs} == {"external_worker"}
    by_section = {j["payload"]["section_code"]: j for j in jobs}
    for section, point in got.items():
        job = by_section[section]
        assert point["job_id"] == job["id"]
        assert job["payload"] == {
            "doc_code": "HANDBOOK",
            "section_code": section,
            "unit_id": point["wanted_unit_id"],
            "version": 1,
            "body_hash": point["wanted_body_hash"],
            "op": "upsert",
        }
    # Idempotent per (unit, version): the catch-up finds nothing to add.
    assert json_value("SELECT fn_iu_vector_sync_catch_up(100)")["status"] == "nothing_to_do"
    assert len(sync_jobs()) == 5


def test_a_closed_job_substrate_leaves_the_points_behind(iu) -> None:
    governed_set("vector.sync.enabled", True)  # queue.job_substrate.enabled stays closed
    committed_cut(iu)
    assert sync_jobs() == []
    assert {p["job_id"] for p in points().values()} == {None}
    assert json_value("SELECT fn_iu_vector_sync_catch_up(100)") == {
        "status": "gate_closed",
        "gate": "queue.job_substrate.enabled",
    }


# ---------------------------------------------------------------------------
# Catch-up
# ---------------------------------------------------------------------------
def test_catch_up_enqueues_what_a_closed_gate_left_behind_once(iu) -> None:
    committed_cut(iu)
    assert json_value("SELECT fn_iu_vector_sync_catch_up(100)") == {
        "status": "gate_closed",
        "gate": "vector.sync.enabled",
    }
    open_sync()
    first = json_value("SELECT fn_iu_vector_sync_catch_up(2)")
    assert first == {"status": "enqueued", "enqueued": 2, "duplicates": 0, "left": 3}
    rest = json_value("SELECT fn_iu_vector_sync_catch_up(100)")
    assert rest == {"status": "enqueued", "enqueued": 3, "duplicates": 0, "left": 0}
    assert json_value("SELECT fn_iu_vector_sync_catch_up(100)")["status"] == "nothing_to_do"
    assert len(sync_jobs()) == 5 and None not in {p["job_id"] for p in points().values()}
    with db_error(sqlstate="QG004", match=r"^invalid_batch_size: p_limit must be between 1 and 10000, not 0$"):
        sql_exec("SELECT fn_iu_vector_sync_catch_up(0)")


def test_catch_up_is_a_registered_scheduled_built_in() -> None:
    from jobs.registry import resolve
    from staging import builtin

    assert sql_rows(
        "SELECT executor_class, queue_name, handler_ref FROM consumer_registry"
        " WHERE job_kind = 'queuegov.vector_sync_catch_up'"
    ) == [("pg_worker", "maintenance", "staging.builtin.vector_sync_catch_up")]
    assert sql_rows("SELECT job_kind, enabled FROM job_schedule WHERE name = 'maintenance.vector_sync_catch_up'") == [
        ("queuegov.vector_sync_catch_up", True)
    ]
    assert resolve("queuegov.vector_sync_catch_up") is builtin.vector_sync_catch_up
    assert sql_rows("SELECT executor_class, handler_ref FROM consumer_registry WHERE job_kind = 'vector.sync'") == [
        ("external_worker", None)
    ]


def test_the_catch_up_handler_answers_the_sql_answer(iu) -> None:
    from jobs.registry import JobContext
    from staging.builtin import vector_sync_catch_up

    committed_cut(iu)
    open_sync()
    job = JobContext(1, "queuegov.vector_sync_catch_up", "maintenance", 1, 1, None, "test-worker")
    assert vector_sync_catch_up({"limit": 10}, job)["enqueued"] == 5


# ---------------------------------------------------------------------------
# The acknowledgement
# ---------------------------------------------------------------------------
def test_ack_records_the_reference_through_the_fenced_job_ack(iu) -> None:
    open_sync("queue.worker.enabled")
    committed_cut(iu)
    job = claim_sync_jobs()[0]
    section = job["payload"]["section_code"]
    # A stale attempt is fenced like fn_job_ack, and records nothing.
    refused = ack(job, "vs://handbook/1", attempt=job["attempt"] + 1)
    assert refused["status"] == "refused"
    assert points()[section]["synced_version"] == 0
    answer = ack(job, "vs://handbook/1")
    assert answer["status"] == "succeeded" and answer["recorded"] is True and answer["synced_version"] == 1
    point = points()[section]
    assert (point["synced_version"], point["vector_ref"], point["synced_unit_id"]) == (
        1,
        "vs://handbook/1",
        job["payload"]["unit_id"],
    )
    assert json_value("SELECT result FROM job_queue WHERE id = %s", [job["id"]]) == {
        "vector_ref": "vs://handbook/1",
        "version": 1,
    }
    assert sql_value("SELECT count(*) FROM v_iu_vector_sync_behind WHERE section_code = %s", [section]) == 0
    # Repeated after a lost connection: refused as already done, nothing changes.
    assert ack(job, "vs://other")["status"] == "refused"
    assert points()[section]["vector_ref"] == "vs://handbook/1"


def test_a_late_ack_of_an_older_version_never_overwrites_a_newer_one(iu) -> None:
    open_sync("queue.worker.enabled")
    committed_cut(iu)
    committed_cut(iu, clean_pieces(p4={"text": "Tell your lead at once."}), key="v2", source_hash=OTHER_HASH)
    jobs = {(j["payload"]["section_code"], j["payload"]["version"]): j for j in claim_sync_jobs()}
    old, new = jobs[("HANDBOOK/1.1.1", 1)], jobs[("HANDBOOK/1.1.1", 2)]
    assert ack(new, "vs://v2")["recorded"] is True
    late = ack(old, "vs://v1")
    assert late["status"] == "succeeded" and late["recorded"] is False and late["synced_version"] == 2
    assert points()["HANDBOOK/1.1.1"]["vector_ref"] == "vs://v2"


def test_a_delete_is_acknowledged_without_a_reference(iu) -> None:
    open_sync("queue.worker.enabled")
    committed_cut(iu)
    committed_cut(iu, [p for p in clean_pieces() if p["piece_no"] != 5], key="v2", source_hash=OTHER_HASH)
    job = next(j for j in claim_sync_jobs() if j["payload"]["op"] == "delete")
    assert job["payload"]["unit_id"] is None and job["payload"]["body_hash"] is None
    assert ack(job, None)["recorded"] is True
    point = points()[job["payload"]["section_code"]]
    assert (point["synced_version"], point["vector_ref"]) == (2, None)


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("", r"^invalid_vector_ref: the vector reference of job \d+ is empty; pass the vector store's id of the unit$"),
        ("   ", r"^invalid_vector_ref: the vector reference of job \d+ is empty"),
        ("x" * 501, r"^invalid_vector_ref: the vector reference of job \d+ is 501 characters long \(at most 500\)"),
        (
            "[0.12, 0.5, 0.9]",
            r"^invalid_vector_ref: the vector reference of job \d+ looks like a vector or a JSON value",
        ),
        ('{"id": 1}', r"looks like a vector or a JSON value"),
        ("0.12, 0.5, 0.9, 0.1", r"looks like a vector or a JSON value"),
        (None, r"^invalid_vector_ref: job \d+ upserts unit \d+ and needs the vector store's reference, not NULL$"),
    ],
)
def test_ack_refuses_what_is_not_a_reference(iu, ref: str | None, message: str) -> None:
    open_sync("queue.worker.enabled")
    committed_cut(iu)
    job = claim_sync_jobs()[0]
    with db_error(sqlstate="QG004", match=message):
        ack(job, ref)
    assert sql_value("SELECT status FROM job_queue WHERE id = %s", [job["id"]]) == "running"


def test_ack_refuses_another_kind_of_job() -> None:
    governed_set("queue.job_substrate.enabled", True)
    use_actor("user:someone")
    job_id = json_value("SELECT fn_job_enqueue('test.job', '{}')")["job_id"]
    with db_error(sqlstate="QG004", match=rf"^not_vector_sync_job: job {job_id} is not a vector.sync job"):
        sql_exec("SELECT fn_iu_vector_sync_ack(%s, 'w', 'vs://1', 1)", [job_id])


# ---------------------------------------------------------------------------
# No vectors, health
# ---------------------------------------------------------------------------
def test_the_no_vector_guarantee_covers_the_sync_points() -> None:
    assert sql_value("SELECT fn_iu_vector_columns()") == []
    with db_error(match="^rolled back$"), as_owner():
        sql_exec("ALTER TABLE iu_vector_sync_point ADD COLUMN embedding real[]")
        sql_exec("ALTER TABLE iu_vector_sync_point ADD COLUMN vector_ref_2 text")
        found = sql_value("SELECT fn_iu_vector_columns()")
        assert found == ["iu_vector_sync_point.embedding", "iu_vector_sync_point.vector_ref_2"]
        sql_exec("DO $$ BEGIN RAISE EXCEPTION 'rolled back'; END $$")


def health_row() -> dict[str, Any]:
    rows = json_value(
        "SELECT jsonb_agg(to_jsonb(h)) FROM v_queue_health h WHERE section = 'vector_sync' AND name = 'units_behind'"
    )
    assert len(rows) == 1
    return rows[0]


def test_health_counts_units_behind_and_fails_only_past_the_threshold_with_the_gate_open(iu) -> None:
    row = health_row()
    assert (row["value"], row["threshold"], row["healthy"]) == (0, 900, True)
    committed_cut(iu)
    with as_owner():  # behind for an hour
        sql_exec("UPDATE iu_vector_sync_point SET wanted_at = now() - interval '1 hour'")
    row = health_row()
    assert (row["value"], row["healthy"], row["detail"]["gate_open"]) == (5, True, False)  # a closed gate is a decision
    open_sync()
    row = health_row()
    assert row["healthy"] is False and row["detail"]["behind_longer_than_threshold"] == 5
    problems = json_value("SELECT fn_queue_health() -> 'problems'")
    assert any(p["section"] == "vector_sync" and p["name"] == "units_behind" for p in problems)
    governed_set("vector.sync.max_behind_seconds", 7200)
    assert health_row()["healthy"] is True


def test_the_cut_still_commits_when_the_sync_kind_is_retired(iu) -> None:
    open_sync()
    with as_owner():
        sql_exec("UPDATE consumer_registry SET status = 'retired' WHERE job_kind = 'vector.sync'")
    committed_cut(iu)
    assert len(points()) == 5 and sync_jobs() == []
    assert {p["job_id"] for p in points().values()} == {None}


def test_the_payload_and_notice_carry_no_body(iu) -> None:
    open_sync()
    committed_cut(iu)
    for job in sync_jobs():
        assert "body" not in json.dumps(job["payload"]).replace("body_hash", "")
