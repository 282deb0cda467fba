"""fn_event_emit_check, inlined into each batch, agrees with the rules it stands for.

It answers true at once for values plainly within every rule and leaves the
rest to fn_event_emit_check_exact (sql/events/0025). Here both are asked the
same question at each rule's edge: they give the same answer, true or the same
named refusal.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import DatabaseError, transaction

from tests.database import as_owner
from tests.helpers import sql_rows, sql_value

pytestmark = pytest.mark.django_db

ACTIVE = "job.replayed"


def ask(function: str, event_type: str, table: str | None, ref: str | None, **kw: Any) -> str:
    """'true', or the refusal's rule name, of ``function`` as the batch calls it (a registry row and the values)."""
    args = [event_type, event_type, table, ref, kw.get("correlation"), kw.get("causation"), kw.get("fact", ""),
            json.dumps(kw.get("payload", {}))]  # fmt: skip
    try:
        with as_owner(), transaction.atomic():
            answer = sql_value(
                f"SELECT {function}(t, %s, %s, %s, %s, %s, %s, %s::jsonb)"
                " FROM (SELECT 1) one LEFT JOIN event_type_registry t ON t.event_type = %s",
                [*args[1:], args[0]],
            )
        return str(answer).lower()
    except DatabaseError as exc:
        return str(exc).split(":", 1)[0]


LONG = "x" * 200

# case: (the question, the exact rules' answer)
CASES: dict[str, tuple[dict[str, Any], str]] = {
    "plain": ({"event_type": ACTIVE, "table": "job_queue", "ref": "1"}, "true"),
    "no subject": ({"event_type": ACTIVE, "table": None, "ref": None}, "true"),
    "unknown type": ({"event_type": "job.nope", "table": "job_queue", "ref": "1"}, "unknown_event_type"),
    "draft type": ({"event_type": "iu.kg.edge.asserted", "table": None, "ref": None}, "event_type_not_active"),
    "table without ref": ({"event_type": ACTIVE, "table": "job_queue", "ref": None}, "invalid_subject"),
    "ref of 201": ({"event_type": ACTIVE, "table": "job_queue", "ref": LONG + "x"}, "true"),
    "ref of 501": ({"event_type": ACTIVE, "table": "job_queue", "ref": "x" * 501}, "event_ref_too_long"),
    "correlation of 200": ({"event_type": ACTIVE, "table": None, "ref": None, "correlation": LONG}, "true"),
    "correlation of 201": (
        {"event_type": ACTIVE, "table": None, "ref": None, "correlation": LONG + "x"},
        "correlation_id_length",
    ),
    "causation of 201": (
        {"event_type": ACTIVE, "table": None, "ref": None, "causation": LONG + "x"},
        "correlation_id_length",
    ),
    "ref of 200": ({"event_type": ACTIVE, "table": "job_queue", "ref": LONG}, "true"),
    "fact key of 200": ({"event_type": ACTIVE, "table": None, "ref": None, "fact": LONG}, "true"),
    "fact key of 201": ({"event_type": ACTIVE, "table": None, "ref": None, "fact": LONG + "x"}, "event_ref_too_long"),
    "payload of 300 bytes": ({"event_type": ACTIVE, "table": None, "ref": None, "payload": {"n": "y" * 290}}, "true"),
    "payload over the cap": (
        {"event_type": ACTIVE, "table": None, "ref": None, "payload": {"n": "y" * 70_000}},
        "payload_too_large",
    ),
}


def payload_of(size: int) -> dict[str, str]:
    """A payload whose jsonb text is exactly ``size`` bytes."""
    payload = {"x": "a" * (size - len('{"x": ""}'))}
    assert sql_value("SELECT octet_length(%s::jsonb::text)", [json.dumps(payload)]) == size
    return payload


@pytest.mark.parametrize(("size", "answer"), [(256, "true"), (257, "payload_too_large")])
def test_the_payload_shortcut_holds_at_the_smallest_cap(set_config, size: int, answer: str) -> None:
    # 256 bytes is the least queue.payload.max_bytes may be: the inline check passes no more than that.
    set_config("queue.payload.max_bytes", 256)
    question = {"event_type": ACTIVE, "table": None, "ref": None, "payload": payload_of(size)}
    inline = ask("fn_event_emit_check", **question)
    assert inline == ask("fn_event_emit_check_exact", **question) == answer


@pytest.mark.parametrize("case", list(CASES))
def test_the_inline_check_gives_the_exact_rules_answer(case: str) -> None:
    question, answer = CASES[case]
    inline = ask("fn_event_emit_check", **question)
    assert inline == ask("fn_event_emit_check_exact", **question)
    assert inline == answer


def test_the_check_is_inlined_into_a_statement() -> None:
    # The plan carries the check's CASE, not a call of the function.
    with as_owner():
        plan = "\n".join(
            r[0]
            for r in sql_rows(
                "EXPLAIN (VERBOSE, COSTS OFF) SELECT p.id FROM event_pending p JOIN event_type_registry t"
                " USING (event_type) WHERE fn_event_emit_check(t, p.event_type, p.event_subject_table,"
                " p.event_subject_ref, p.correlation_id, p.causation_id, 'pending:' || p.id, p.capture_payload)"
            )
        )
    assert "CASE WHEN" in plan and "fn_event_emit_check(" not in plan, plan
