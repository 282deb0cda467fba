"""The staging commands end to end on a real multi-level Markdown file: mark,
re-mark (a no-op that says so), verify-mark dry run and apply, cut, verify-cut,
cleanup; a file changed after approval fails G6; exit codes and --json."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from staging.models import CommandRun, InformationUnit, StagingRecord
from tests.queuegov.conftest import make_user, role_users, roles  # noqa: F401  (fixtures)
from tests.staging.conftest import audit_rows

pytestmark = pytest.mark.django_db

HANDBOOK = """\
Read this before anything else.

# Staff handbook

Everything a new colleague needs.

## Leave

How leave works.

### Sick leave

Tell your lead before nine.

#### Longer than a week

Bring a doctor's note.

### Holidays

Book two weeks ahead.

## Expenses

Keep receipts.

```text
# not a heading: a code sample
```
"""


def run(command: str, *args: str) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def run_json(command: str, *args: str) -> dict[str, Any]:
    return json.loads(run(command, *args, "--json"))


@pytest.fixture
def handbook(tmp_path: Path) -> Path:
    path = tmp_path / "staff-handbook.md"
    path.write_text(HANDBOOK, encoding="utf-8")
    return path


def test_a_markdown_document_end_to_end(handbook: Path, role_users) -> None:
    out = run("staging_mark_file", str(handbook), "--as-user", "operator1")
    record = StagingRecord.objects.get()
    assert f"marked {handbook} as staging record #{record.pk}: 7 pieces, pending_review" in out
    assert (record.doc_code, record.marked_by, record.source_kind) == ("STAFF-HANDBOOK", "user:operator1", "file")
    pieces = list(record.pieces.order_by("sort_order").values_list("section_type", "heading", "parent_piece_no"))
    assert pieces == [
        ("preamble", "", None),
        ("document", "Staff handbook", None),
        ("chapter", "Leave", 2),
        ("section", "Sick leave", 3),
        ("subsection", "Longer than a week", 4),
        ("section", "Holidays", 3),
        ("chapter", "Expenses", 2),
    ]

    again = run("staging_mark_file", str(handbook), "--as-user", "operator1")
    assert f"nothing_to_do: {handbook} is unchanged and already marked as staging record #{record.pk}" in again
    assert StagingRecord.objects.count() == 1

    dry = run("staging_verify_mark", str(record.pk), "--as-user", "reviewer1")
    assert f"staging_verify_mark: dry_run — staging record #{record.pk}: passed (A ok, B ok, C ok)" in dry
    assert "axis C: ok" in dry

    approved = run(
        "staging_verify_mark", str(record.pk), "--apply", "--approval-doc-id", "HR-2026-7", "--reason", "read it",
        "--as-user", "approver1",
    )  # fmt: skip
    assert f"approved staging record #{record.pk} with HR-2026-7" in approved

    cut = run("staging_cut", str(record.pk), "--as-user", "operator1", "--reason", "go live")
    assert f"cut staging record #{record.pk} into 7 information units of STAFF-HANDBOOK" in cut
    codes = list(InformationUnit.objects.order_by("sort_order").values_list("section_code", "section_type"))
    assert codes == [
        ("STAFF-HANDBOOK/P1", "preamble"),
        ("STAFF-HANDBOOK/1", "document"),
        ("STAFF-HANDBOOK/1.1", "chapter"),
        ("STAFF-HANDBOOK/1.1.1", "section"),
        ("STAFF-HANDBOOK/1.1.1.1", "subsection"),
        ("STAFF-HANDBOOK/1.1.2", "section"),
        ("STAFF-HANDBOOK/1.2", "chapter"),
    ]
    assert "# not a heading" in InformationUnit.objects.get(section_code="STAFF-HANDBOOK/1.2").body

    verified = run("staging_verify_cut", str(record.pk), "--as-user", "operator1")
    assert f"verify-cut of staging record #{record.pk}: verified" in verified
    assert "axis no_vector: ok" in verified

    runs = CommandRun.objects.filter(record=record).order_by("id")
    assert list(runs.values_list("command", "run_mode", "actor")) == [
        ("mark_file", "apply", "user:operator1"),
        ("mark_file", "apply", "user:operator1"),
        ("verify_mark", "plan", "user:reviewer1"),
        ("verify_mark", "apply", "user:approver1"),
        ("cut", "apply", "user:operator1"),
        ("verify_cut", "verify", "user:operator1"),
    ]
    assert list(audit_rows().filter(source="command").order_by("id").values_list("action", "outcome")) == [
        ("staging.mark", "applied"),
        ("staging.mark", "applied"),
        ("staging.verify_mark", "dry_run"),
        ("staging.approve", "applied"),
        ("staging.cut", "applied"),
        ("staging.verify_cut", "applied"),
    ]


def test_a_file_changed_after_approval_fails_g6(handbook: Path, role_users) -> None:
    record_id = run_json("staging_mark_file", str(handbook))["answer"]["record_id"]
    run("staging_verify_mark", str(record_id), "--apply", "--approval-doc-id", "D-1", "--reason", "fine",
        "--as-user", "approver1")  # fmt: skip
    handbook.write_text(HANDBOOK.replace("two weeks", "three weeks"), encoding="utf-8")
    with pytest.raises(CommandError, match=rf"^G6 source_changed: {handbook} is not the source that was marked"):
        run("staging_cut", str(record_id))
    assert StagingRecord.objects.get(pk=record_id).lifecycle_status == "approved"
    # marking the changed file is a new manifest; the old one still cannot be cut
    second = run_json("staging_mark_file", str(handbook))
    assert second["answer"]["status"] == "created" and second["answer"]["record_id"] != record_id
    handbook.unlink()
    with pytest.raises(CommandError, match=r"now unavailable"):
        run("staging_cut", str(record_id))


def test_marking_a_text_file(tmp_path: Path) -> None:
    path = tmp_path / "minutes.txt"
    path.write_text("Present: A, B.\n\nDecided: ship it.\n", encoding="utf-8")
    answer = run_json("staging_mark_file", str(path), "--doc-code", "MIN-2026-01")["answer"]
    record = StagingRecord.objects.get(pk=answer["record_id"])
    assert record.doc_code == "MIN-2026-01" and record.marked_by == "command:staging_mark_file"
    assert list(record.pieces.order_by("sort_order").values_list("section_type", "heading")) == [
        ("document", "minutes"),
        ("paragraph", ""),
        ("paragraph", ""),
    ]


def test_json_output(handbook: Path) -> None:
    out = run_json("staging_mark_file", str(handbook))
    assert out["outcome"] == "applied" and out["answer"]["status"] == "created" and out["audit_id"] > 0
    dry = run_json("staging_verify_mark", str(out["answer"]["record_id"]))
    assert dry["outcome"] == "dry_run" and dry["answer"]["verdict"]["verdict"] == "passed"


def test_bad_input_and_refusals_exit_non_zero(tmp_path: Path, handbook: Path, role_users) -> None:
    with pytest.raises(CommandError, match=r"^source_unreadable: .*missing\.md"):
        run("staging_mark_file", str(tmp_path / "missing.md"))
    empty = tmp_path / "empty.md"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"^source_empty: .*nothing to mark"):
        run("staging_mark_file", str(empty))
    binary = tmp_path / "image.md"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(CommandError, match=r"^source_unreadable: .* is not UTF-8 text"):
        run("staging_mark_file", str(binary))
    with pytest.raises(CommandError, match=r"no active user 'nobody'"):
        run("staging_mark_file", str(handbook), "--as-user", "nobody")
    with pytest.raises(CommandError, match=r"^permission: auditor1 lacks staging.mark_stagingrecord"):
        run("staging_mark_file", str(handbook), "--as-user", "auditor1")
    record_id = run_json("staging_mark_file", str(handbook))["answer"]["record_id"]
    with pytest.raises(CommandError, match=r"--apply needs --approval-doc-id and --reason"):
        run("staging_verify_mark", str(record_id), "--apply")
    with pytest.raises(CommandError, match=r"--apply needs --as-user"):
        run("staging_verify_mark", str(record_id), "--apply", "--approval-doc-id", "D", "--reason", "fine")
    with pytest.raises(CommandError, match=r"^G2 not_approved"):
        run("staging_cut", str(record_id))
    assert audit_rows().filter(action="staging.cut", outcome="refused").count() == 1


def test_verify_mark_with_problems_prints_them_and_exits_1(iu) -> None:
    from tests.staging.conftest import clean_pieces

    record_id = iu.marked(clean_pieces(p4={"section_type": "appendix"}))
    out = io.StringIO()
    with pytest.raises(CommandError, match="the verdict has problems"):
        call_command("staging_verify_mark", str(record_id), stdout=out)
    assert "piece 4: section_type 'appendix' is not allowed" in out.getvalue()


def test_marker_cannot_approve_through_the_command(handbook: Path, make_user) -> None:
    make_user("admin", superuser=True)
    record_id = run_json("staging_mark_file", str(handbook), "--as-user", "admin")["answer"]["record_id"]
    with pytest.raises(CommandError, match=r"^four_eyes: approver must differ from marker"):
        run("staging_verify_mark", str(record_id), "--apply", "--approval-doc-id", "D", "--reason", "mine",
            "--as-user", "admin")  # fmt: skip


def test_cleanup_command(handbook: Path, open_gate, role_users) -> None:
    dry = run("staging_cleanup")
    assert dry.startswith("staging_cleanup: dry_run — dry run: would expire 0, clean 0 (0 pieces), archive 0")
    closed = run("staging_cleanup", "--apply")  # a closed gate is not a failure
    assert "gate_closed: iu_core.retention_enabled is closed" in closed
    open_gate("iu_core.retention_enabled")
    assert "nothing_to_do" in run("staging_cleanup", "--apply", "--as-user", "operator1")
    with pytest.raises(CommandError, match=r"permission: reviewer1 lacks staging\.cleanup_stagingrecord"):
        run("staging_cleanup", "--apply", "--as-user", "reviewer1")
    with pytest.raises(CommandError):
        call_command("staging_cleanup", "--apply", "--dry-run")
