"""Governed acts of the staging workflow (the admin and the commands share them).

The rules (axes, four-eyes, guards G1-G7, the FSM, the lease) live in the SQL
functions; these add reading the source file, the permission check, the actor
context and the audit row (queuegov.audit.governed_act).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from queuegov.actor import Actor
from queuegov.audit import ActResult, Effect, governed_act
from queuegov.errors import InvalidValue
from staging import db
from staging.markdown import split_source
from staging.models import StagingRecord

PERM_MARK = "staging.mark_stagingrecord"
PERM_VERIFY = "staging.verify_stagingrecord"
PERM_APPROVE = "staging.approve_stagingrecord"
PERM_REJECT = "staging.reject_stagingrecord"
PERM_CUT = "staging.cut_stagingrecord"
PERM_VERIFY_CUT = "staging.verifycut_stagingrecord"
PERM_CLEANUP = "staging.cleanup_stagingrecord"

RECORD_TABLE = "iu_staging_record"


@dataclass(frozen=True)
class Source:
    """A source file as read for MARK (or re-read for CUT's guard G6)."""

    path: Path
    data: bytes
    sha256: str

    @property
    def text(self) -> str:
        try:
            return self.data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidValue(f"source_unreadable: {self.path} is not UTF-8 text ({exc.reason})") from None


def read_source(path: str | Path) -> Source:
    """Read a source file; its sha256 is the manifest's source_hash.

    Raises:
        InvalidValue: the file cannot be read.
    """
    resolved = Path(path).expanduser().resolve()
    try:
        data = resolved.read_bytes()
    except OSError as exc:
        raise InvalidValue(f"source_unreadable: {resolved}: {exc.strerror or exc}") from None
    return Source(resolved, data, hashlib.sha256(data).hexdigest())


def current_source_hash(record: StagingRecord) -> str | None:
    """The hash of the manifest's source as it is now (None when it cannot be read).

    Only file sources can be re-read here; an inline manifest is cut through
    the SQL API by whoever holds its source.
    """
    if record.source_kind != "file":
        return None
    try:
        return read_source(record.source_ref).sha256
    except InvalidValue:
        return None


def verdict_summary(verdict: dict[str, Any] | None) -> str:
    """``passed (A ok, B ok, C ok)`` or ``problems (A ok, B 1 problem, C 2 problems)``."""
    if not verdict:
        return "no verdict"
    axes = []
    for name, axis in sorted((verdict.get("axes") or {}).items()):
        count = axis.get("problem_count", 0)
        axes.append(f"{name} ok" if axis.get("ok") else f"{name} {count} problem{'s' if count != 1 else ''}")
    extra = [
        f"{name} {verdict[name]['problem_count']} problem(s)"
        for name in ("manifest", "no_vector")
        if isinstance(verdict.get(name), dict) and not verdict[name].get("ok", True)
    ]
    return f"{verdict.get('verdict')} ({', '.join(axes + extra)})"


# ---------------------------------------------------------------------------
# MARK
# ---------------------------------------------------------------------------
def mark_file(actor: Actor, user: Any, path: str | Path, *, doc_code: str | None = None) -> ActResult:
    """Read a Markdown or text file, split it into pieces and mark it."""

    def effect() -> Effect:
        source = read_source(path)
        try:
            pieces = split_source(source.text, title=source.path.stem)
        except ValueError as exc:
            raise InvalidValue(f"source_empty: {source.path}: {exc}") from None
        answer = db.mark_file(
            str(source.path), source.sha256, len(source.data), [p.as_manifest() for p in pieces], doc_code
        )
        record_id = answer["record_id"]
        if answer["status"] == "duplicate":
            detail = (
                f"nothing_to_do: {source.path} is unchanged and already marked as staging record #{record_id}"
                f" ({answer['lifecycle_status']})"
            )
        else:
            detail = f"marked {source.path} as staging record #{record_id}: {answer['pieces']} pieces, pending_review"
        return Effect(detail=detail, value=answer)

    return governed_act(actor, "staging.mark", effect, target_table=RECORD_TABLE, user=user, permission=PERM_MARK)


# ---------------------------------------------------------------------------
# VERIFY-MARK, APPROVE, REJECT
# ---------------------------------------------------------------------------
def verify_mark(actor: Actor, user: Any, record_id: int, *, reason: str | None = None) -> ActResult:
    """Verify-mark dry run: the verdict per axis; nothing changes but the run row."""

    def effect() -> Effect:
        answer = db.verify_mark(record_id)
        return Effect(
            detail=f"staging record #{record_id}: {verdict_summary(answer['verdict'])}",
            value=answer,
        )

    return governed_act(
        actor,
        "staging.verify_mark",
        effect,
        target_table=RECORD_TABLE,
        target_ids=[record_id],
        reason=reason,
        user=user,
        permission=PERM_VERIFY,
    )


def start_review(actor: Actor, user: Any, record_id: int, reason: str) -> ActResult:
    """The manifest's review as a workflow: verify-mark dry run, approval by the approvers,
    cut and verify-cut (docs/workflows.md, "The staging review as a workflow")."""

    def effect() -> Effect:
        answer = db.review_workflow_start(record_id, reason)
        if answer.get("status") != "started":
            return Effect.from_answer(answer)
        return Effect(detail=f"review workflow #{answer['workflow_id']} of staging record #{record_id}", value=answer)

    return governed_act(
        actor,
        "staging.review_workflow",
        effect,
        target_table=RECORD_TABLE,
        target_ids=[record_id],
        reason=reason,
        user=user,
        permission=PERM_MARK,
    )


def approve(actor: Actor, user: Any, record_id: int, approval_doc_id: str, reason: str) -> ActResult:
    """Verify-mark apply: approve a passing manifest (four-eyes, approval doc id, reason)."""

    def effect() -> Effect:
        answer = db.verify_mark(record_id, apply=True, approval_doc_id=approval_doc_id, reason=reason)
        summary = verdict_summary(answer["verdict"])
        if answer["status"] == "refused":
            return Effect(detail=f"{answer['reason']}: {summary}", value=answer)
        return Effect(
            detail=f"approved staging record #{record_id} with {answer['approval_doc_id']}: {summary}",
            value=answer,
        )

    return governed_act(
        actor,
        "staging.approve",
        effect,
        target_table=RECORD_TABLE,
        target_ids=[record_id],
        reason=reason,
        user=user,
        permission=PERM_APPROVE,
    )


def reject(actor: Actor, user: Any, record_id: int, reason: str) -> ActResult:
    def effect() -> Effect:
        answer = db.reject(record_id, reason)
        return Effect(
            detail=f"rejected staging record #{record_id} (was {answer['was']})",
            value=answer,
        )

    return governed_act(
        actor,
        "staging.reject",
        effect,
        target_table=RECORD_TABLE,
        target_ids=[record_id],
        reason=reason,
        user=user,
        permission=PERM_REJECT,
    )


# ---------------------------------------------------------------------------
# CUT, VERIFY-CUT
# ---------------------------------------------------------------------------
def cut(actor: Actor, user: Any, record_id: int, *, reason: str | None = None) -> ActResult:
    """Re-read the source (guard G6) and cut the approved manifest into information units."""

    def effect() -> Effect:
        record = StagingRecord.objects.filter(pk=record_id).first()
        current = current_source_hash(record) if record is not None else None
        answer = db.cut(record_id, current)
        return Effect(
            detail=(
                f"cut staging record #{record_id} into {answer['units']} information units of {answer['doc_code']}"
                + (f" (superseding {answer['superseded']})" if answer["superseded"] else "")
            ),
            value=answer,
        )

    return governed_act(
        actor,
        "staging.cut",
        effect,
        target_table=RECORD_TABLE,
        target_ids=[record_id],
        reason=reason,
        user=user,
        permission=PERM_CUT,
    )


def verify_cut(actor: Actor, user: Any, record_id: int, *, reason: str | None = None) -> ActResult:
    """Verify the units of the manifest's cut; the verdict is in the detail and the value."""

    def effect() -> Effect:
        answer = db.verify_cut(record_id)
        return Effect(
            detail=f"verify-cut of staging record #{record_id}: {verdict_summary(answer['evidence'])}",
            value=answer,
        )

    return governed_act(
        actor,
        "staging.verify_cut",
        effect,
        target_table=RECORD_TABLE,
        target_ids=[record_id],
        reason=reason,
        user=user,
        permission=PERM_VERIFY_CUT,
    )


# ---------------------------------------------------------------------------
# CLEANUP
# ---------------------------------------------------------------------------
def cleanup(actor: Actor, user: Any, *, apply: bool = False, reason: str | None = None) -> ActResult:
    """Dry run (default): counts per pass. Apply: gated by iu_core.retention_enabled, serialised by the lease."""

    def effect() -> Effect:
        answer = db.cleanup(apply=apply)
        status = answer.get("status")
        if status == "gate_closed":
            return Effect(detail=f"gate_closed: {answer.get('gate')} is closed", value=answer)
        if status == "dry_run":
            detail = (
                f"dry run: would expire {answer['expire']}, clean {answer['clean']} ({answer['payload_rows']} pieces),"
                f" archive {answer['archive']}"
            )
            return Effect(detail=detail, value=answer)
        if status == "nothing_to_do":
            return Effect(detail="nothing_to_do: no staging record is due", value=answer)
        detail = (
            f"expired {answer['expired']}, cleaned {answer['cleaned']} ({answer['payload_rows']} pieces deleted),"
            f" archived {answer['archived']}"
        )
        return Effect(detail=detail, value=answer)

    return governed_act(
        actor,
        "staging.cleanup" if apply else "staging.cleanup_dry_run",
        effect,
        target_table=RECORD_TABLE,
        reason=reason,
        user=user,
        permission=PERM_CLEANUP,
    )


def _without_thresholds(answer: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps({k: v for k, v in answer.items() if k != "thresholds"}, default=str))
