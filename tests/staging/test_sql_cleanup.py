"""CLEANUP through the SQL API with the clock moved forward (p_now): expire,
clean at 15 days, archive at 30 days, in dry run and apply; the retention gate;
the settings; and the runtime lease that refuses a cleanup while someone else
holds it."""

from __future__ import annotations

import pytest

from tests.database import as_owner
from tests.helpers import db_error, sql_exec, sql_rows, sql_value
from tests.staging.conftest import clean_pieces

pytestmark = pytest.mark.django_db


@pytest.fixture
def manifests(iu) -> dict[str, int]:
    """One manifest in each live state, all marked now."""
    return {
        "pending": iu.marked(key="pending"),
        "approved": iu.approved(key="approved"),
        "rejected": iu.reject(iu.marked(key="rejected"))["record_id"],
        "consumed": iu.consumed(clean_pieces(p1={"text": "other"}), key="consumed", doc_code="OTHER"),
    }


def states(iu, manifests: dict[str, int]) -> dict[str, str]:
    return {name: iu.status(record_id) for name, record_id in manifests.items()}


def pieces(manifests: dict[str, int]) -> int:
    return sql_value("SELECT count(*) FROM iu_staging_payload WHERE record_id = ANY(%s)", [list(manifests.values())])


UNCHANGED = {"pending": "pending_review", "approved": "approved", "rejected": "rejected", "consumed": "consumed"}


# ---------------------------------------------------------------------------
# Dry run
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("days", "expire", "clean", "archive"),
    [(10, 0, 0, 0), (15.01, 2, 4, 0), (31, 2, 4, 4)],
)
def test_dry_run_reports_each_pass_and_changes_nothing(iu, manifests, days, expire, clean, archive) -> None:
    answer = iu.cleanup(days=days)
    assert answer["status"] == "dry_run"
    assert (answer["expire"], answer["clean"], answer["archive"]) == (expire, clean, archive)
    assert answer["payload_rows"] == 5 * clean
    assert answer["retention_enabled"] is False
    assert states(iu, manifests) == UNCHANGED and pieces(manifests) == 20
    run = iu.run(answer["run_id"])
    assert (run["command"], run["run_mode"], run["run_status"]) == ("cleanup", "plan", "planned")
    assert run["evidence"]["passes"]["clean"]["count"] == clean
    assert set(run["gate_snapshot"]) >= {
        "iu_core.retention_enabled",
        "iu_core.clean_after_days",
        "iu_core.archive_after_days",
    }


def test_dry_run_names_the_records_of_each_pass(iu, manifests) -> None:
    evidence = iu.run(iu.cleanup(days=16)["run_id"])["evidence"]["passes"]
    assert evidence["expire"]["record_ids"] == sorted([manifests["pending"], manifests["approved"]])
    assert evidence["clean"]["record_ids"] == sorted(manifests.values())
    assert evidence["archive"]["record_ids"] == []


# ---------------------------------------------------------------------------
# Apply
# ---------------------------------------------------------------------------
def test_apply_is_gated_by_iu_core_retention_enabled(iu, manifests) -> None:
    runs = sql_value("SELECT count(*) FROM dot_iu_command_run")
    assert iu.cleanup(apply=True, days=31) == {"status": "gate_closed", "gate": "iu_core.retention_enabled"}
    assert states(iu, manifests) == UNCHANGED
    assert sql_value("SELECT count(*) FROM dot_iu_command_run") == runs


def test_apply_expire_then_clean_at_15_days_then_archive_at_30(iu, manifests, open_gate) -> None:
    open_gate("iu_core.retention_enabled")
    early = iu.cleanup(apply=True, days=10)
    assert early["status"] == "nothing_to_do"
    assert iu.run(early["run_id"])["run_status"] == "nothing_to_do"
    assert states(iu, manifests) == UNCHANGED

    # day 14: nothing has expired yet (ttl 15 days), nothing is old enough to clean
    assert iu.cleanup(apply=True, days=14)["status"] == "nothing_to_do"

    day15 = iu.cleanup(apply=True, days=15.01)
    assert (day15["expired"], day15["cleaned"], day15["archived"], day15["payload_rows"]) == (2, 4, 0, 20)
    assert states(iu, manifests) == dict.fromkeys(manifests, "cleaned")
    assert pieces(manifests) == 0
    log = sql_rows(
        "SELECT from_status, to_status FROM iu_lifecycle_log WHERE record_id = %s ORDER BY id", [manifests["pending"]]
    )
    assert log[-2:] == [("pending_review", "expired"), ("expired", "cleaned")]
    # the units of the consumed manifest stay
    assert len(iu.units(manifests["consumed"])) == 5

    assert iu.cleanup(apply=True, days=29)["status"] == "nothing_to_do"
    day30 = iu.cleanup(apply=True, days=30.01)
    assert (day30["expired"], day30["cleaned"], day30["archived"]) == (0, 0, 4)
    assert states(iu, manifests) == dict.fromkeys(manifests, "archived")
    assert iu.cleanup(apply=True, days=400)["status"] == "nothing_to_do"


def test_apply_writes_its_run_row_and_record_cleaned_events(iu, manifests, open_gate) -> None:
    open_gate("iu_core.retention_enabled")
    answer = iu.cleanup(apply=True, days=31)
    run = iu.run(answer["run_id"])
    assert (run["command"], run["run_mode"], run["run_status"], run["actor"]) == (
        "cleanup",
        "apply",
        "succeeded",
        "user:operator",
    )
    assert run["evidence"]["passes"]["archive"]["count"] == 4
    assert run["gate_snapshot"]["iu_core.retention_enabled"] is True
    for record_id in manifests.values():
        assert iu.captures(record_id)[-2:] == ["staging.record_cleaned", "staging.record_cleaned"]
    passes = sql_rows(
        "SELECT capture_payload->>'pass' FROM event_pending WHERE event_type = 'staging.record_cleaned'"
        " AND event_subject_ref = %s ORDER BY id",
        [str(manifests["rejected"])],
    )
    assert passes == [("clean",), ("archive",)]


def test_the_settings_move_the_thresholds(iu, manifests, set_config) -> None:
    set_config("iu_core.clean_after_days", 20)
    set_config("iu_core.archive_after_days", 40)
    assert (iu.cleanup(days=16)["clean"], iu.cleanup(days=21)["clean"]) == (0, 4)
    assert (iu.cleanup(days=39)["archive"], iu.cleanup(days=41)["archive"]) == (0, 4)
    set_config("iu_core.staging_ttl_days", 2)
    later = iu.marked(key="short-lived")
    # expires_at is fixed at MARK: only the manifest marked after the change expires at day 3
    answer = iu.cleanup(days=3)
    assert iu.run(answer["run_id"])["evidence"]["passes"]["expire"]["record_ids"] == [later]
    assert iu.status(later) == "pending_review"


def test_cleanup_needs_an_actor(iu, actor) -> None:
    actor.clear()
    with db_error(sqlstate="QG001"):
        iu.call("SELECT fn_iu_op_cleanup_dry_run()")


# ---------------------------------------------------------------------------
# The lease
# ---------------------------------------------------------------------------
def test_cleanup_is_refused_while_someone_else_holds_the_lease(iu, manifests, open_gate) -> None:
    open_gate("iu_core.retention_enabled")
    held = iu.call(
        "SELECT fn_iu_runtime_lease_acquire('staging_cleanup', 'sql:alice maintenance', 3600)", as_="sql:alice"
    )
    assert held["status"] == "acquired"
    with db_error(
        sqlstate="QG003", match=r"^lease_held: staging_cleanup is held by sql:alice maintenance until .* \(acquired"
    ):
        iu.cleanup(apply=True, days=31)
    assert states(iu, manifests) == UNCHANGED
    # a dry run changes nothing, so the lease does not stop it
    assert iu.cleanup(days=31)["status"] == "dry_run"
    released = iu.call(
        "SELECT fn_iu_runtime_lease_release('staging_cleanup', 'sql:alice maintenance')", as_="sql:alice"
    )
    assert released["status"] == "released"
    assert iu.cleanup(apply=True, days=31)["status"] == "applied"
    lease = sql_rows("SELECT holder, run_id, released_at IS NOT NULL FROM dot_iu_runtime_lease")[0]
    assert lease[0].startswith("user:operator (run ") and lease[2] is True


def test_an_expired_lease_is_taken_over(iu, manifests, open_gate) -> None:
    open_gate("iu_core.retention_enabled")
    iu.call("SELECT fn_iu_runtime_lease_acquire('staging_cleanup', 'worker:crashed', 60)", as_="worker:crashed")
    with as_owner():  # the clock moved past the lease: no API call back-dates it
        sql_exec("UPDATE dot_iu_runtime_lease SET expires_at = clock_timestamp() - interval '1 second'")
    assert iu.cleanup(apply=True, days=31)["status"] == "applied"


def test_lease_arguments(iu) -> None:
    with db_error(sqlstate="QG005", match=r"^unknown_lease: nope is not in dot_iu_runtime_lease"):
        iu.call("SELECT fn_iu_runtime_lease_acquire('nope', 'x')", as_="sql:x")
    with db_error(sqlstate="QG004", match=r"^invalid_lease_seconds: "):
        iu.call("SELECT fn_iu_runtime_lease_acquire('staging_cleanup', 'x', 0)", as_="sql:x")
    assert iu.call("SELECT fn_iu_runtime_lease_release('staging_cleanup', 'x')", as_="sql:x")["status"] == (
        "nothing_to_do"
    )
