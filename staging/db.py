"""The SQL the staging workflow calls, run through the gateway (queuegov.gateway).

Each function answers the function's jsonb (see sql/staging/); the actor is
the transaction's (queuegov.actor.actor_context), never a parameter.
"""

from __future__ import annotations

import json
from typing import Any

from queuegov.gateway import call


def mark_file(
    source_ref: str,
    source_hash: str,
    source_bytes: int,
    pieces: list[dict[str, Any]],
    doc_code: str | None = None,
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """MARK (fn_iu_op_mark_file): ``{"status": "created" | "duplicate", "record_id", "run_id", …}``."""
    return call(
        "SELECT fn_iu_op_mark_file(p_source_ref => %s, p_source_hash => %s, p_source_bytes => %s,"
        " p_pieces => %s::jsonb, p_doc_code => %s, p_idempotency_key => %s)",
        [source_ref, source_hash, source_bytes, json.dumps(pieces), doc_code, idempotency_key],
    )


def verify_mark(
    record_id: int, *, apply: bool = False, approval_doc_id: str | None = None, reason: str | None = None
) -> dict[str, Any]:
    """VERIFY-MARK (fn_iu_op_verify_mark): ``dry_run``, ``approved`` or ``refused``, with the verdict."""
    return call("SELECT fn_iu_op_verify_mark(%s, %s, %s, %s)", [record_id, apply, approval_doc_id, reason])


def mark_verdict(record_id: int) -> dict[str, Any]:
    """The verdict of a manifest, read only: no run row (fn_iu_mark_verdict)."""
    return call("SELECT fn_iu_mark_verdict(%s)", [record_id])


def reject(record_id: int, reason: str) -> dict[str, Any]:
    """REJECT (fn_iu_op_reject)."""
    return call("SELECT fn_iu_op_reject(%s, %s)", [record_id, reason])


def review_workflow_start(record_id: int, reason: str) -> dict[str, Any]:
    """fn_iu_staging_review_start: the manifest's review as a workflow (docs/workflows.md)."""
    return call("SELECT fn_iu_staging_review_start(%s, %s)", [record_id, reason])


def cut(record_id: int, current_source_hash: str | None) -> dict[str, Any]:
    """CUT (fn_iu_op_cut): guards G1-G7, then the information units."""
    return call("SELECT fn_iu_op_cut(%s, %s)", [record_id, current_source_hash])


def verify_cut(record_id: int) -> dict[str, Any]:
    """VERIFY-CUT (fn_iu_op_verify_cut): ``verified``, ``problems`` or ``no_vector_ok`` with evidence."""
    return call("SELECT fn_iu_op_verify_cut(%s)", [record_id])


def cleanup(*, apply: bool) -> dict[str, Any]:
    """CLEANUP (fn_iu_op_cleanup): ``dry_run`` counts, or ``applied`` / ``nothing_to_do`` / ``gate_closed``."""
    return call("SELECT fn_iu_op_cleanup(%s)", [apply])


# --- staging use cases (issue 16): docs/staging.md -------------------------
def vector_sync_catch_up(limit: int = 500) -> dict[str, Any]:
    """Enqueue the vector.sync job of every unit behind without one (fn_iu_vector_sync_catch_up)."""
    return call("SELECT fn_iu_vector_sync_catch_up(%s)", [limit])


def vector_sync_ack(job_id: int, worker_id: str, vector_ref: str | None, attempt: int) -> dict[str, Any]:
    """Acknowledge a vector.sync job with the store's reference (fn_iu_vector_sync_ack)."""
    return call("SELECT fn_iu_vector_sync_ack(%s, %s, %s, %s)", [job_id, worker_id, vector_ref, attempt])


def puller_verify_new(limit: int = 100) -> dict[str, Any]:
    """Dry-run verify-mark of new manifests, verdicts to the reviewers (fn_iu_puller_verify_new)."""
    return call("SELECT fn_iu_puller_verify_new(%s)", [limit])


def puller_cleanup() -> dict[str, Any]:
    """Cleanup with apply behind iu_core.retention_enabled; ``busy`` while another runs (fn_iu_puller_cleanup)."""
    return call("SELECT fn_iu_puller_cleanup()")


def puller_remind(limit: int = 100) -> dict[str, Any]:
    """Tell approvers and operators of manifests waiting for them, once per state (fn_iu_puller_remind)."""
    return call("SELECT fn_iu_puller_remind(%s)", [limit])


def dot_command_enqueue(command: str, reason: str, idempotency_key: str | None = None) -> dict[str, Any]:
    """Enqueue a read-only DOT command as a dot.command job; audited (fn_iu_dot_command_enqueue)."""
    return call("SELECT fn_iu_dot_command_enqueue(%s, %s, %s)", [command, reason, idempotency_key])


def dot_command_run(job_id: int, worker_id: str, attempt: int) -> dict[str, Any]:
    """Run a claimed dot.command job's command, fenced by its lease (fn_iu_dot_command_run)."""
    return call("SELECT fn_iu_dot_command_run(%s, %s, %s)", [job_id, worker_id, attempt])


def record_status(record_id: int) -> str | None:
    """A manifest's lifecycle status (None when there is no such record)."""
    return call("SELECT (SELECT lifecycle_status FROM iu_staging_record WHERE id = %s)", [record_id])


def vector_sync_behind(doc_code: str) -> int:
    """How many units of a document are behind the vector store (v_iu_vector_sync_behind)."""
    return call("SELECT count(*) FROM v_iu_vector_sync_behind WHERE doc_code = %s", [doc_code])
