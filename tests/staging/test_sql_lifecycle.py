"""The manifest lifecycle and the staging tables' protections: the pgtrigger
FSM refuses every illegal transition (and pgtrigger.ignore cannot bypass it),
a manifest is born pending_review, what was marked never changes, pieces are
immutable and leave only with the clean pass, the lifecycle log and the run
ledger are append-only, and the vocabularies hold.

Two layers are checked for each direct write: the app role (the suite's role)
holds no INSERT/UPDATE/DELETE on the staging tables at all (42501), and the
triggers and constraints refuse the write even to the owner role, which
holds the privilege (``as_owner``)."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection

from queuegov.errors import TransitionRefused, translate
from staging.models import LIFECYCLE_TRANSITIONS, StagingRecord
from tests.database import as_owner
from tests.helpers import db_error, sql_exec, sql_rows, sql_value, use_actor
from tests.staging.conftest import owner_only, refused_to_app

pytestmark = pytest.mark.django_db

STATES = [s.value for s in StagingRecord.Lifecycle]
ALLOWED = set(LIFECYCLE_TRANSITIONS)

# Columns each state's CHECK constraints need (set together with the state).
SUPPORT = {
    "pending_review": "",
    "approved": ", approved_at = now(), approved_by = 'user:a', approval_doc_id = 'D'",
    "rejected": ", rejected_at = now(), rejected_by = 'user:a'",
    "consumed": ", consumed_by_run_id = last_run_id",
    "expired": ", expired_at = now()",
    "cleaned": ", cleaned_at = now()",
    "archived": ", archived_at = now()",
}


def test_the_declared_transitions() -> None:
    assert ALLOWED == {
        ("pending_review", "approved"),
        ("pending_review", "rejected"),
        ("pending_review", "expired"),
        ("approved", "consumed"),
        ("approved", "rejected"),
        ("approved", "expired"),
        ("consumed", "cleaned"),
        ("expired", "cleaned"),
        ("rejected", "cleaned"),
        ("cleaned", "archived"),
    }


@pytest.mark.parametrize(("source", "target"), list(itertools.permutations(STATES, 2)))
def test_fsm_allows_exactly_the_declared_transitions(iu, source: str, target: str) -> None:
    record_id = iu.marked()
    if source != "pending_review":
        iu.force(record_id, f"lifecycle_status = '{source}'{SUPPORT[source]}")
    move = f"UPDATE iu_staging_record SET lifecycle_status = '{target}'{SUPPORT[target]} WHERE id = %s"
    refused_to_app(move, [record_id], table="iu_staging_record")
    assert iu.status(record_id) == source
    if (source, target) in ALLOWED:
        with as_owner():
            sql_exec(move, [record_id])
        assert iu.status(record_id) == target
        return
    with db_error(
        match=rf'^pgtrigger: Invalid transition of field "lifecycle_status" from "{source}" to "{target}"'
    ) as err:
        with as_owner():
            sql_exec(move, [record_id])
    assert isinstance(translate(err.exception), TransitionRefused)
    assert iu.status(record_id) == source


@pytest.mark.parametrize(("source", "target"), [("consumed", "approved"), ("pending_review", "consumed")])
def test_the_fsm_cannot_be_bypassed_with_pgtrigger_ignore(iu, source: str, target: str) -> None:
    record_id = iu.marked()
    if source != "pending_review":
        iu.force(record_id, f"lifecycle_status = '{source}'{SUPPORT[source]}")
    trigger = sql_value(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'iu_staging_record'::regclass AND tgname LIKE %s",
        ["pgtrigger_iu_staging_lifecycle_fsm_%"],
    )
    sql_exec("SELECT set_config('pgtrigger.ignore', %s, true)", [f"{{iu_staging_record:{trigger}}}"])
    move = f"UPDATE iu_staging_record SET lifecycle_status = '{target}'{SUPPORT[target]} WHERE id = %s"
    refused_to_app(move, [record_id], table="iu_staging_record")
    with db_error(match=r"^pgtrigger: Invalid transition"), as_owner():
        sql_exec(move, [record_id])
    assert iu.status(record_id) == source


def test_every_transition_is_logged_with_actor_and_run(iu, open_gate) -> None:
    record_id = iu.consumed()
    open_gate("iu_core.retention_enabled")
    cleanup = iu.cleanup(apply=True, days=31)
    runs = [r[0] for r in sql_rows("SELECT id FROM dot_iu_command_run WHERE record_id = %s ORDER BY id", [record_id])]
    mark_run, approve_run, cut_run = runs
    assert sql_rows(
        "SELECT from_status, to_status, actor, run_id FROM iu_lifecycle_log WHERE record_id = %s ORDER BY id",
        [record_id],
    ) == [
        (None, "pending_review", "user:marker", mark_run),
        ("pending_review", "approved", "user:approver", approve_run),
        ("approved", "consumed", "user:operator", cut_run),
        ("consumed", "cleaned", "user:operator", cleanup["run_id"]),
        ("cleaned", "archived", "user:operator", cleanup["run_id"]),
    ]


def test_a_manifest_is_born_pending_review(iu) -> None:
    record_id = iu.marked()
    forge = (
        "INSERT INTO iu_staging_record (idempotency_key, content_hash, source_ref, source_hash, source_bytes,"
        " doc_code, piece_count, digest, marked_by, marked_at, expires_at, lifecycle_status, approved_at,"
        " approved_by, approval_doc_id)"
        " SELECT 'forged', content_hash, source_ref, source_hash, source_bytes, doc_code, piece_count, digest,"
        " marked_by, marked_at, expires_at, 'approved', now(), 'user:x', 'D' FROM iu_staging_record WHERE id = %s"
    )
    refused_to_app(forge, [record_id], table="iu_staging_record")
    with db_error(match=r"^pgtrigger: Cannot insert rows"), as_owner():
        sql_exec(forge, [record_id])
    assert sql_value("SELECT count(*) FROM iu_staging_record WHERE idempotency_key = 'forged'") == 0


@pytest.mark.parametrize(
    "assignment",
    [
        "digest = md5('x')",
        "source_hash = md5('x')",
        "content_hash = md5('x')",
        "marked_by = 'user:someone-else'",
        "expires_at = expires_at + interval '1 year'",
        "piece_count = 4",
        "doc_code = 'OTHER'",
    ],
)
def test_what_was_marked_never_changes(iu, assignment: str) -> None:
    record_id = iu.marked()
    before = iu.record(record_id)
    change = f"UPDATE iu_staging_record SET {assignment} WHERE id = %s"
    refused_to_app(change, [record_id], table="iu_staging_record")
    with db_error(match=r"^pgtrigger: Cannot update rows from iu_staging_record"), as_owner():
        sql_exec(change, [record_id])
    assert iu.record(record_id) == before


def test_records_are_never_deleted(iu) -> None:
    record_id = iu.marked()
    delete = "DELETE FROM iu_staging_record WHERE id = %s"
    refused_to_app(delete, [record_id], table="iu_staging_record")
    with db_error(match=r"^pgtrigger: Cannot delete rows from iu_staging_record"), as_owner():
        sql_exec(delete, [record_id])
    assert iu.status(record_id) == "pending_review"


def test_pieces_are_immutable_and_leave_only_with_the_clean_pass(iu) -> None:
    record_id = iu.marked()
    update = "UPDATE iu_staging_payload SET piece_text = 'x' WHERE record_id = %s"
    delete = "DELETE FROM iu_staging_payload WHERE record_id = %s"
    refused_to_app(update, [record_id], table="iu_staging_payload")
    refused_to_app(delete, [record_id], table="iu_staging_payload")
    with db_error(match=r"^pgtrigger: Cannot update rows from iu_staging_payload"), as_owner():
        sql_exec(update, [record_id])
    with (
        db_error(sqlstate="QG006", match=r"^official_interface: pieces of staging record \d+ \(pending_review\)"),
        as_owner(),
    ):
        sql_exec(delete, [record_id])
    iu.reject(record_id)
    refused_to_app(delete, [record_id], table="iu_staging_payload")
    with db_error(sqlstate="QG006", match=r"\(rejected\) are deleted only by the cleanup clean pass"), as_owner():
        sql_exec(delete, [record_id])
    assert iu.pieces_of(record_id) == 5


def test_the_lifecycle_log_is_append_only(iu) -> None:
    iu.marked()
    count = sql_value("SELECT count(*) FROM iu_lifecycle_log")
    update, delete = "UPDATE iu_lifecycle_log SET actor = 'user:nobody'", "DELETE FROM iu_lifecycle_log"
    refused_to_app(update, table="iu_lifecycle_log")
    refused_to_app(delete, table="iu_lifecycle_log")
    with db_error(sqlstate="QG006", match=r"^append_only: UPDATE on iu_lifecycle_log"), as_owner():
        sql_exec(update)
    with db_error(sqlstate="QG006", match=r"^append_only: DELETE on iu_lifecycle_log"), as_owner():
        sql_exec(delete)
    assert sql_value("SELECT count(*) FROM iu_lifecycle_log") == count
    assert sql_value("SELECT count(*) FROM iu_lifecycle_log WHERE actor = 'user:nobody'") == 0


def test_a_finished_run_never_changes(iu) -> None:
    run_id = iu.mark()["run_id"]
    update = "UPDATE dot_iu_command_run SET run_status = 'refused' WHERE id = %s"
    delete = "DELETE FROM dot_iu_command_run WHERE id = %s"
    refused_to_app(update, [run_id], table="dot_iu_command_run")
    refused_to_app(delete, [run_id], table="dot_iu_command_run")
    with db_error(match=r"^pgtrigger: Cannot update rows from dot_iu_command_run"), as_owner():
        sql_exec(update, [run_id])
    with db_error(match=r"^pgtrigger: Cannot delete rows from dot_iu_command_run"), as_owner():
        sql_exec(delete, [run_id])
    assert iu.run(run_id)["run_status"] == "succeeded"


def test_vector_excluded_is_forced_true(iu) -> None:
    record_id = iu.marked()
    with db_error(constraint="vector_excluded_forced"):
        iu.force(record_id, "vector_excluded = false")


def test_information_unit_section_type_is_a_vocabulary(iu) -> None:
    record_id = iu.consumed()
    change = "UPDATE information_unit SET section_type = 'appendix' WHERE consumed_from_record_id = %s"
    refused_to_app(change, [record_id], table="information_unit")
    with (
        db_error(
            constraint="section_type_allowed",
            match=r"^section_type_allowed: section_type 'appendix' is not allowed; allowed values: preamble, document,"
            r" chapter, section, subsection, paragraph$",
        ),
        as_owner(),
    ):
        sql_exec(change, [record_id])


def test_run_mode_and_status_vocabularies(iu) -> None:
    use_actor("user:x")
    open_run = "SELECT fn_iu_run_open('cut', 'plan', NULL, '{}')"
    # fn_iu_run_open is internal (the owner's only): the vocabulary is checked on the primitive itself.
    owner_only(open_run, function="fn_iu_run_open")
    with db_error(sqlstate="QG004", match=r"^invalid_run_mode: cut runs in apply mode only, not plan"), as_owner():
        sql_exec(open_run)
    insert = (
        "INSERT INTO dot_iu_command_run (command, run_mode, run_status, params_digest, actor, finished_at)"
        " VALUES ('cut', 'apply', 'great', md5('x'), 'user:x', now())"
    )
    refused_to_app(insert, table="dot_iu_command_run")
    with db_error(constraint="iu_run_status_allowed"), as_owner():
        sql_exec(insert)


def test_the_staging_triggers_are_installed() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'pgtrigger_iu_%%' AND NOT tgisinternal ORDER BY 1"
        )
        names = {row[0].rsplit("_", 1)[0] for row in cursor.fetchall()}
    assert {
        "pgtrigger_iu_staging_lifecycle_fsm",
        "pgtrigger_iu_staging_record_born_pending",
        "pgtrigger_iu_staging_record_marked_immutable",
        "pgtrigger_iu_staging_record_no_delete",
        "pgtrigger_iu_staging_payload_immutable",
        "pgtrigger_iu_lifecycle_log_append_only",
        "pgtrigger_iu_command_run_no_delete",
        "pgtrigger_iu_command_run_finished_immutable",
    } <= names


def test_python_vocabularies_match_the_database() -> None:
    from staging.admin.display import RUN_STATUSES
    from staging.models import SECTION_TYPES

    assert list(SECTION_TYPES) == sql_value("SELECT fn_iu_section_types()")
    constraint = sql_value(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'iu_run_status_allowed'"
    )
    assert sorted(set(RUN_STATUSES) | {"running"}) == sorted(
        v.strip("'") for v in constraint.split("ARRAY[")[1].split("]")[0].replace("::text", "").split(", ")
    )
    lifecycle = sql_value(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'iu_lifecycle_status_allowed'"
    )
    assert all(f"'{state}'" in lifecycle for state in STATES) and len(STATES) == 7
