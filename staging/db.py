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


def cut(record_id: int, current_source_hash: str | None) -> dict[str, Any]:
    """CUT (fn_iu_op_cut): guards G1-G7, then the information units."""
    return call("SELECT fn_iu_op_cut(%s, %s)", [record_id, current_source_hash])


def verify_cut(record_id: int) -> dict[str, Any]:
    """VERIFY-CUT (fn_iu_op_verify_cut): ``verified``, ``problems`` or ``no_vector_ok`` with evidence."""
    return call("SELECT fn_iu_op_verify_cut(%s)", [record_id])


def cleanup(*, apply: bool) -> dict[str, Any]:
    """CLEANUP (fn_iu_op_cleanup): ``dry_run`` counts, or ``applied`` / ``nothing_to_do`` / ``gate_closed``."""
    return call("SELECT fn_iu_op_cleanup(%s)", [apply])
