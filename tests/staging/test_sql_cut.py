"""CUT and VERIFY-CUT through the SQL API: each guard G1-G7 with a case that
trips it and its named error, the information units a cut materialises, the
run rows and events, and the verify-cut verdicts verified / problems /
no_vector_ok.

G3 and G5 restate CHECK constraints of iu_staging_record; to trip them the test
first removes the CHECK inside its own transaction (rolled back afterwards),
as a damaged or hand-restored database would have lost it. G5 and G7 rows are
written below the triggers (``iu.force``, ``below_triggers``) for the same
reason: the ordinary paths cannot produce such a manifest, which is why the cut
re-checks it. The suite runs as the app role, which can do none of this: the
damage is done as the owner role (``as_owner``), the trust root."""

from __future__ import annotations

import pytest

from queuegov.errors import InvalidState, InvalidValue, UnknownObject, translate
from tests.database import as_owner
from tests.helpers import db_error, sql_exec, sql_rows, sql_value, use_actor
from tests.staging.conftest import OPERATOR, SOURCE_HASH, below_triggers, clean_pieces, owner_only, refused_to_app

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------
# The cut
# ---------------------------------------------------------------------------
def test_cut_materialises_the_expected_units(iu) -> None:
    record_id = iu.approved()
    answer = iu.cut(record_id)
    assert answer["status"] == "consumed" and answer["units"] == 5 and answer["superseded"] == 0
    units = iu.units(record_id)
    by_piece = {u["piece_no"]: u for u in units}
    assert [(u["sort_order"], u["section_code"], u["section_type"], u["title"], u["body"]) for u in units] == [
        (1, "HANDBOOK/P1", "preamble", "", "Read this first."),
        (2, "HANDBOOK/1", "document", "Handbook", "The handbook."),
        (3, "HANDBOOK/1.1", "chapter", "Leave", "How leave works."),
        (4, "HANDBOOK/1.1.1", "section", "Sick leave", "Tell your lead."),
        (5, "HANDBOOK/1.2", "chapter", "Expenses", "Keep receipts."),
    ]
    parents = {u["piece_no"]: u["parent_id"] for u in units}
    assert parents == {1: None, 2: None, 3: by_piece[2]["id"], 4: by_piece[3]["id"], 5: by_piece[2]["id"]}
    assert {u["doc_code"] for u in units} == {"HANDBOOK"}
    assert {(u["created_by_run_id"], u["created_by"], u["consumed_from_record_id"]) for u in units} == {
        (answer["run_id"], OPERATOR, record_id)
    }
    record = iu.record(record_id)
    assert (record["lifecycle_status"], record["consumed_by_run_id"]) == ("consumed", answer["run_id"])


def test_cut_writes_its_run_row_and_events(iu) -> None:
    record_id = iu.approved()
    answer = iu.cut(record_id)
    run = iu.run(answer["run_id"])
    assert (run["command"], run["run_mode"], run["run_status"], run["actor"]) == (
        "cut",
        "apply",
        "succeeded",
        OPERATOR,
    )
    assert run["evidence"]["guards"] == {f"G{i}": "ok" for i in range(1, 8)}
    assert run["evidence"]["units"] == 5 and run["evidence"]["parent_links"] == 3
    assert run["params"]["current_source_hash"] == SOURCE_HASH
    assert iu.captures(record_id) == ["staging.record_created", "staging.record_approved", "staging.record_consumed"]
    unit_events = sql_rows(
        "SELECT event_subject_ref FROM event_pending WHERE event_type = 'iu.unit_created' AND causation_id = %s"
        " ORDER BY id",
        [f"dot_iu_command_run:{answer['run_id']}"],
    )
    assert [int(ref) for (ref,) in unit_events] == [u["id"] for u in iu.units(record_id)]


def test_a_second_cut_of_the_same_document_supersedes_the_first(iu) -> None:
    first = iu.consumed()
    second = iu.approved(clean_pieces(p5={"text": "Keep every receipt."}), source_hash="2" * 64)
    answer = iu.cut(second, "2" * 64)
    assert answer["superseded"] == 5
    old = iu.units(first)
    assert all(u["superseded_at"] and u["superseded_by_run_id"] == answer["run_id"] for u in old)
    current = sql_rows(
        "SELECT section_code, body FROM information_unit WHERE doc_code = 'HANDBOOK' AND superseded_at IS NULL"
        " ORDER BY sort_order"
    )
    assert current[-1] == ("HANDBOOK/1.2", "Keep every receipt.")


def test_a_consumed_manifest_is_not_cut_twice(iu) -> None:
    record_id = iu.consumed()
    with db_error(sqlstate="QG003", match=r"^G2 not_approved: staging record \d+ is consumed"):
        iu.cut(record_id)
    assert len(iu.units(record_id)) == 5


# ---------------------------------------------------------------------------
# Guards G1-G7
# ---------------------------------------------------------------------------
def test_g1_the_manifest_exists(iu) -> None:
    with db_error(sqlstate="QG005", match=r"^G1 record_missing: staging record 424242 does not exist$") as err:
        iu.cut(424242)
    assert isinstance(translate(err.exception), UnknownObject)


def test_g2_the_manifest_is_approved(iu) -> None:
    record_id = iu.marked()
    with db_error(sqlstate="QG003", match=r"^G2 not_approved: staging record \d+ is pending_review; only approved"):
        iu.cut(record_id)
    iu.reject(record_id)
    with db_error(sqlstate="QG003", match=r"^G2 not_approved: staging record \d+ is rejected"):
        iu.cut(record_id)


def test_g3_the_approval_is_present(iu) -> None:
    record_id = iu.approved()
    with as_owner():
        sql_exec("ALTER TABLE iu_staging_record DROP CONSTRAINT iu_approval_complete")
        sql_exec("UPDATE iu_staging_record SET approval_doc_id = NULL WHERE id = %s", [record_id])
    with db_error(sqlstate="QG003", match=r"^G3 approval_missing: staging record \d+ has no complete approval") as err:
        iu.cut(record_id)
    assert "approval_doc_id missing" in err.message
    with as_owner():
        sql_exec("ALTER TABLE iu_staging_record DROP CONSTRAINT iu_approved_has_approval")
        sql_exec("UPDATE iu_staging_record SET approved_at = NULL, approved_by = NULL WHERE id = %s", [record_id])
    with db_error(sqlstate="QG003", match=r"^G3 approval_missing: .*approved_at missing"):
        iu.cut(record_id)


def test_g4_the_manifest_has_not_expired(iu) -> None:
    record_id = iu.approved()
    with db_error(sqlstate="QG002", match=r"^clock_refused: only the owner runs a cut at another time"):
        iu.cut(record_id, now="infinity")
    use_actor(OPERATOR)
    with db_error(sqlstate="QG003", match=r"^G4 expired: staging record \d+ expired at .*; mark the source again"):
        with as_owner():
            iu.cut(record_id, now="infinity", as_=None)
    assert iu.status(record_id) == "approved"


def test_g5_the_digest_is_32_hex(iu) -> None:
    record_id = iu.approved()
    with db_error(constraint="digest_is_32_hex"):
        iu.force(record_id, "digest = 'not-a-digest'")
    with as_owner():
        sql_exec("ALTER TABLE iu_staging_record DROP CONSTRAINT digest_is_32_hex")
    iu.force(record_id, "digest = upper(digest)")
    with db_error(sqlstate="QG004", match=r"^G5 digest_malformed: staging record \d+ has digest '[0-9A-F]{32}'") as err:
        iu.cut(record_id)
    assert isinstance(translate(err.exception), InvalidValue)


@pytest.mark.parametrize(
    ("current", "now_shown"),
    [("3" * 64, "3" * 64), (None, "unavailable"), (SOURCE_HASH.upper(), None)],
)
def test_g6_the_source_is_unchanged(iu, current, now_shown) -> None:
    record_id = iu.approved()
    if now_shown is None:  # the same hash in capitals is the same hash
        assert iu.cut(record_id, current)["status"] == "consumed"
        return
    with db_error(
        sqlstate="QG003", match=r"^G6 source_changed: /docs/handbook.md is not the source that was marked"
    ) as err:
        iu.cut(record_id, current)
    assert f"(hash at mark {SOURCE_HASH}, now {now_shown})" in err.message
    assert isinstance(translate(err.exception), InvalidState)
    assert iu.status(record_id) == "approved" and iu.units(record_id) == []


def test_g7_a_missing_piece(iu) -> None:
    record_id = iu.approved()
    with below_triggers("iu_staging_payload"):
        sql_exec("DELETE FROM iu_staging_payload WHERE record_id = %s AND piece_no = 4", [record_id])
    with db_error(
        sqlstate="QG003", match=r"^G7 payload_incomplete: staging record \d+ holds 4 of 5 pieces \(0 altered\)"
    ):
        iu.cut(record_id)


def test_g7_an_altered_piece(iu) -> None:
    record_id = iu.approved()
    with below_triggers("iu_staging_payload"):
        sql_exec(
            "UPDATE iu_staging_payload SET piece_text = 'Tell nobody.' WHERE record_id = %s AND piece_no = 4",
            [record_id],
        )
    with db_error(
        sqlstate="QG003", match=r"^G7 payload_incomplete: staging record \d+ holds 5 of 5 pieces \(1 altered\)"
    ):
        iu.cut(record_id)


def test_g7_pieces_that_no_longer_hash_to_the_digest(iu) -> None:
    record_id = iu.approved()
    # consistent piece hashes, but the structure changed: only the digest notices
    with below_triggers("iu_staging_payload"):
        sql_exec("UPDATE iu_staging_payload SET parent_piece_no = 2 WHERE record_id = %s AND piece_no = 4", [record_id])
    with db_error(
        sqlstate="QG003", match=r"^G7 payload_incomplete: .*\(0 altered\); they hash to [0-9a-f]{32}, the digest"
    ):
        iu.cut(record_id)


def test_cut_needs_an_actor(iu, actor) -> None:
    record_id = iu.approved()
    actor.clear()
    with db_error(sqlstate="QG001"):
        iu.call("SELECT fn_iu_op_cut(%s, %s)", record_id, SOURCE_HASH)


# ---------------------------------------------------------------------------
# Verify-cut
# ---------------------------------------------------------------------------
def test_verify_cut_of_a_clean_cut_is_verified(iu) -> None:
    record_id = iu.consumed()
    answer = iu.verify_cut(record_id)
    assert answer["status"] == answer["verdict"] == "verified"
    evidence = answer["evidence"]
    assert evidence["compared_with_manifest"] is True and evidence["units"] == 5
    assert all(axis["ok"] for axis in evidence["axes"].values())
    assert evidence["manifest"]["ok"] and evidence["no_vector"]["ok"]
    cut_run = iu.record(record_id)["consumed_by_run_id"]
    run = iu.run(answer["run_id"])
    assert (run["command"], run["run_mode"], run["run_status"], run["linked_run_id"]) == (
        "verify_cut",
        "verify",
        "verified",
        cut_run,
    )
    assert (
        sql_value(
            "SELECT count(*) FROM event_pending WHERE event_type = 'iu.cut_verified' AND event_subject_ref = %s",
            [str(cut_run)],
        )
        == 1
    )


@pytest.mark.parametrize(
    ("tamper", "axis", "problem"),
    [
        ("sort_order = 7", "A", "sort_order 7 is outside 1..5"),
        ("parent_id = NULL", "C", "the manifest names parent piece 3, the unit has no parent"),
        ("body = 'Tell nobody.'", "manifest", "the unit text differs from the piece"),
    ],
)
def test_verify_cut_finds_problems(iu, tamper, axis, problem) -> None:
    record_id = iu.consumed()
    tampering = f"UPDATE information_unit SET {tamper} WHERE consumed_from_record_id = %s AND piece_no = 4"
    refused_to_app(tampering, [record_id], table="information_unit")
    with as_owner():  # a hand-edited unit: only the owner holds the privilege
        sql_exec(tampering, [record_id])
    answer = iu.verify_cut(record_id)
    assert answer["verdict"] == "problems"
    evidence = answer["evidence"]
    result = evidence["manifest"] if axis == "manifest" else evidence["axes"][axis]
    assert problem in [p["problem"] for p in result["problems"]]
    assert iu.run(answer["run_id"])["run_status"] == "problems"
    assert sql_value("SELECT count(*) FROM event_pending WHERE event_type = 'iu.cut_verified'") == 0


def test_verify_cut_after_cleanup_is_no_vector_ok(iu, open_gate) -> None:
    record_id = iu.consumed()
    open_gate("iu_core.retention_enabled")
    iu.cleanup(apply=True, days=16)
    assert iu.status(record_id) == "cleaned" and iu.pieces_of(record_id) == 0
    answer = iu.verify_cut(record_id)
    assert answer["verdict"] == "no_vector_ok"
    assert answer["evidence"]["compared_with_manifest"] is False
    assert answer["evidence"]["no_vector"]["ok"] is True


def test_verify_cut_needs_a_cut(iu) -> None:
    record_id = iu.approved()
    with db_error(sqlstate="QG003", match=r"^not_cut: staging record \d+ is approved and was never cut"):
        iu.verify_cut(record_id)
    with db_error(sqlstate="QG005", match=r"^unknown_record: "):
        iu.verify_cut(99999)
    # fn_iu_verify_cut_result is the owner's only; fn_iu_op_verify_cut never passes it an unknown run.
    owner_only("SELECT fn_iu_verify_cut_result(%s)", [99999], function="fn_iu_verify_cut_result")
    with db_error(sqlstate="QG005", match=r"^unknown_cut_run: "), as_owner():
        sql_exec("SELECT fn_iu_verify_cut_result(%s)", [99999])


def test_staging_and_units_have_no_vector_columns() -> None:
    assert sql_value("SELECT fn_iu_vector_columns()") == []
