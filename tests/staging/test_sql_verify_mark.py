"""VERIFY-MARK and REJECT through the SQL API: the verdict of a clean manifest
and of one broken on each axis (each problem listed by piece), the dry run that
changes nothing but its run row, approval (four-eyes, approval doc, reason),
refusal with the verdict, and rejection."""

from __future__ import annotations

from typing import Any

import pytest

from queuegov.errors import FourEyesViolation, translate
from tests.database import as_owner
from tests.helpers import db_error, sql_exec, sql_rows, sql_value, use_actor
from tests.staging.conftest import APPROVER, MARKER, clean_pieces, refused_to_app

pytestmark = pytest.mark.django_db


def problems(verdict: dict[str, Any], axis: str) -> list[tuple[int | None, str]]:
    return [(p["piece_no"], p["problem"]) for p in verdict["axes"][axis]["problems"]]


def failing_axes(verdict: dict[str, Any]) -> set[str]:
    return {axis for axis, result in verdict["axes"].items() if not result["ok"]}


# ---------------------------------------------------------------------------
# Verdicts
# ---------------------------------------------------------------------------
def test_a_clean_manifest_passes_every_axis(iu) -> None:
    verdict = iu.verify(iu.marked())["verdict"]
    assert verdict["verdict"] == "passed" and verdict["problem_count"] == 0 and verdict["pieces"] == 5
    assert {axis: result["ok"] for axis, result in verdict["axes"].items()} == {"A": True, "B": True, "C": True}
    assert verdict["axes"]["B"]["check"].endswith("preamble, document, chapter, section, subsection, paragraph")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"p4": {"sort_order": 3}},
            [(3, "sort_order 3 is also used by piece 4"), (4, "sort_order 3 is also used by piece 3"),
             (None, "sort_order 4 is not used by any piece")],
        ),
        (
            {"p5": {"sort_order": 9}},
            [(5, "sort_order 9 is outside 1..5"), (None, "sort_order 5 is not used by any piece")],
        ),
        (
            {"p1": {"sort_order": None}},
            [(1, "sort_order is missing"), (None, "sort_order 1 is not used by any piece")],
        ),
    ],
)  # fmt: skip
def test_axis_a_sort_order_complete_and_unique(iu, changes, expected) -> None:
    verdict = iu.verify(iu.marked(clean_pieces(**changes)))["verdict"]
    assert verdict["verdict"] == "problems"
    assert problems(verdict, "A") == expected
    # a sort_order change can also break precedence (axis C); axis B is untouched
    assert "B" not in failing_axes(verdict)


def test_axis_b_section_type_in_the_vocabulary(iu) -> None:
    pieces = clean_pieces(p4={"section_type": "appendix"}, p5={"section_type": None})
    verdict = iu.verify(iu.marked(pieces))["verdict"]
    assert failing_axes(verdict) == {"B"}
    assert problems(verdict, "B") == [
        (4, "section_type 'appendix' is not allowed; allowed values: preamble, document, chapter, section, "
            "subsection, paragraph"),
        (5, "section_type is missing"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"p4": {"parent_piece_no": 9}}, [(4, "parent piece 9 does not exist in the manifest")]),
        ({"p4": {"parent_piece_no": 4}}, [(4, "the piece is its own parent")]),
        (
            {"p3": {"parent_piece_no": 4}},
            [(3, "parent piece 4 (sort_order 4) does not precede it (sort_order 3)"),
             (3, "parent piece 4 is a section and cannot contain a chapter"),
             (3, "the parent chain loops back to it: 3 → 4 → 3"),
             (4, "the parent chain loops back to it: 4 → 3 → 4")],
        ),
        ({"p4": {"parent_piece_no": 1}}, [(4, "parent piece 1 is a preamble and cannot contain a section")]),
        ({"p2": {"parent_piece_no": 5}},
         [(2, "parent piece 5 (sort_order 5) does not precede it (sort_order 2)"),
          (2, "parent piece 5 is a chapter and cannot contain a document"),
          (2, "the parent chain loops back to it: 2 → 5 → 2"),
          (5, "the parent chain loops back to it: 5 → 2 → 5")]),
        ({"p1": {"parent_piece_no": 2}},
         [(1, "a preamble has no parent, but names piece 2"),
          (1, "parent piece 2 (sort_order 2) does not precede it (sort_order 1)")]),
    ],
)  # fmt: skip
def test_axis_c_parent_refs_resolvable(iu, changes, expected) -> None:
    verdict = iu.verify(iu.marked(clean_pieces(**changes)))["verdict"]
    assert failing_axes(verdict) == {"C"}
    assert problems(verdict, "C") == expected


def test_a_manifest_broken_on_every_axis_lists_each_problem_by_piece(iu) -> None:
    pieces = clean_pieces(p2={"sort_order": 3}, p3={"section_type": "volume"}, p5={"parent_piece_no": 7})
    verdict = iu.verify(iu.marked(pieces))["verdict"]
    assert failing_axes(verdict) == {"A", "B", "C"}
    assert verdict["problem_count"] == sum(len(r["problems"]) for r in verdict["axes"].values())
    assert {piece for axis in "ABC" for piece, _ in problems(verdict, axis)} == {None, 2, 3, 5}


# ---------------------------------------------------------------------------
# Dry run
# ---------------------------------------------------------------------------
def test_dry_run_changes_nothing_but_writes_its_run_row(iu) -> None:
    record_id = iu.marked()
    before = iu.record(record_id)
    answer = iu.verify(record_id, as_="user:reviewer")
    assert answer["status"] == "dry_run"
    after = iu.record(record_id)
    assert after == before
    run = iu.run(answer["run_id"])
    assert (run["command"], run["run_mode"], run["run_status"], run["actor"]) == (
        "verify_mark",
        "plan",
        "passed",
        "user:reviewer",
    )
    assert run["evidence"] == answer["verdict"]
    assert iu.captures(record_id) == ["staging.record_created"]
    broken = iu.marked(clean_pieces(p4={"sort_order": 3}), key="broken")
    assert iu.run(iu.verify(broken)["run_id"])["run_status"] == "problems"


def test_dry_run_of_an_unknown_record(iu) -> None:
    with db_error(sqlstate="QG005", match=r"^unknown_record: staging record 999999 does not exist"):
        iu.verify(999999)


# ---------------------------------------------------------------------------
# Apply: approval
# ---------------------------------------------------------------------------
def test_apply_approves_a_passing_manifest(iu) -> None:
    record_id = iu.marked()
    answer = iu.approve(record_id, doc=" APPROVAL-42 ", reason="read it twice")
    assert answer["status"] == "approved" and answer["verdict"]["verdict"] == "passed"
    record = iu.record(record_id)
    assert record["lifecycle_status"] == "approved"
    assert (record["approved_by"], record["approval_doc_id"], record["approval_reason"]) == (
        APPROVER,
        "APPROVAL-42",
        "read it twice",
    )
    assert record["approved_at"] is not None
    run = iu.run(answer["run_id"])
    assert (run["run_mode"], run["run_status"], run["actor"]) == ("apply", "succeeded", APPROVER)
    assert run["evidence"]["approval_doc_id"] == "APPROVAL-42"
    assert iu.captures(record_id) == ["staging.record_created", "staging.record_approved"]
    mark_run = sql_value("SELECT min(id) FROM dot_iu_command_run WHERE record_id = %s", [record_id])
    log = sql_rows(
        "SELECT from_status, to_status, actor, run_id FROM iu_lifecycle_log WHERE record_id = %s ORDER BY id",
        [record_id],
    )
    assert log == [
        (None, "pending_review", MARKER, mark_run),
        ("pending_review", "approved", APPROVER, answer["run_id"]),
    ]


def test_apply_on_a_failing_verdict_is_refused_with_the_verdict(iu) -> None:
    record_id = iu.marked(clean_pieces(p4={"section_type": "appendix"}))
    answer = iu.approve(record_id)
    assert answer["status"] == "refused"
    assert answer["reason"] == f"verdict_failed: staging record {record_id} has problems on axis B (1)"
    assert problems(answer["verdict"], "B")[0][0] == 4
    assert iu.status(record_id) == "pending_review"
    assert iu.run(answer["run_id"])["run_status"] == "refused"
    assert iu.captures(record_id) == ["staging.record_created"]


def test_four_eyes_the_marker_cannot_approve(iu) -> None:
    record_id = iu.marked(as_="user:admin")
    with db_error(sqlstate="QG002", match=r"^four_eyes: approver must differ from marker") as err:
        iu.approve(record_id, as_="user:admin")
    assert isinstance(translate(err.exception), FourEyesViolation)
    assert iu.status(record_id) == "pending_review"


def test_four_eyes_is_a_database_constraint(iu) -> None:
    record_id = iu.marked()
    self_approval = (
        "UPDATE iu_staging_record SET lifecycle_status = 'approved', approved_at = now(), approved_by = marked_by,"
        " approval_doc_id = 'X' WHERE id = %s"
    )
    refused_to_app(self_approval, [record_id], table="iu_staging_record")
    with db_error(constraint="four_eyes_approver_differs"), as_owner():
        sql_exec(self_approval, [record_id])
    assert iu.status(record_id) == "pending_review"


@pytest.mark.parametrize(
    ("doc", "reason", "sqlstate", "message"),
    [
        (None, "fine", "QG008", r"^approval_doc_required: approving staging record \d+ needs an approval_doc_id"),
        ("  ", "fine", "QG008", r"^approval_doc_required: "),
        ("DOC-1", None, "QG008", r"^reason_required: approving staging record \d+ needs a reason"),
        ("DOC-1", "ok", "QG008", r"^reason_required: "),
    ],
)
def test_approval_needs_a_doc_id_and_a_reason(iu, doc, reason, sqlstate, message) -> None:
    record_id = iu.marked()
    with db_error(sqlstate=sqlstate, match=message):
        iu.approve(record_id, doc=doc, reason=reason)


def test_only_pending_review_manifests_are_approved(iu) -> None:
    record_id = iu.approved()
    with db_error(sqlstate="QG003", match=r"^not_pending_review: staging record \d+ is approved"):
        iu.approve(record_id, as_="user:someone-else")


def test_an_expired_manifest_is_not_approved(iu) -> None:
    record_id = iu.marked()
    with db_error(sqlstate="QG002", match=r"^clock_refused: only the owner runs an approval at another time"):
        iu.approve(record_id, now="infinity")
    use_actor(APPROVER)
    with db_error(sqlstate="QG003", match=r"^expired: staging record \d+ expired at"):
        with as_owner():
            iu.approve(record_id, now="infinity", as_=None)
    assert iu.approve(record_id)["status"] == "approved"


def test_approval_needs_an_actor(iu, actor) -> None:
    record_id = iu.marked()
    actor.clear()
    with db_error(sqlstate="QG001"):
        iu.call("SELECT fn_iu_op_verify_mark(%s, true, 'D', 'fine')", record_id)


# ---------------------------------------------------------------------------
# Reject
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("approved_first", [False, True])
def test_reject_a_pending_or_approved_manifest(iu, approved_first: bool) -> None:
    record_id = iu.approved() if approved_first else iu.marked()
    answer = iu.reject(record_id, "  not our document  ")
    assert answer["status"] == "rejected" and answer["was"] == ("approved" if approved_first else "pending_review")
    record = iu.record(record_id)
    assert (record["lifecycle_status"], record["rejected_by"], record["rejection_reason"]) == (
        "rejected",
        APPROVER,
        "not our document",
    )
    assert iu.run(answer["run_id"])["run_status"] == "succeeded"
    assert iu.captures(record_id)[-1] == "staging.record_rejected"


def test_reject_needs_a_reason_and_a_live_manifest(iu) -> None:
    record_id = iu.marked()
    with db_error(sqlstate="QG008", match=r"^reason_required: rejecting staging record"):
        iu.reject(record_id, " ")
    iu.reject(record_id)
    with db_error(sqlstate="QG003", match=r"^not_rejectable: staging record \d+ is rejected"):
        iu.reject(record_id)
    with db_error(sqlstate="QG003", match=r"^not_pending_review: "):
        iu.approve(record_id)
