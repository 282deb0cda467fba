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
from tests.helpers import sql_value

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
    "fact key of 201": ({"event_type": ACTIVE, "table": None, "ref": None, "fact": LONG + "x"}, "event_ref_too_long"),
    "payload of 300 bytes": ({"event_type": ACTIVE, "table": None, "ref": None, "payload": {"n": "y" * 290}}, "true"),
    "payload over the cap": (
        {"event_type": ACTIVE, "table": None, "ref": None, "payload": {"n": "y" * 70_000}},
        "payload_too_large",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_inline_check_gives_the_exact_rules_answer(case: str) -> None:
    question, answer = CASES[case]
    inline = ask("fn_event_emit_check", **question)
    assert inline == ask("fn_event_emit_check_exact", **question)
    assert inline == answer


def test_the_check_is_inlined_into_a_batch_statement() -> None:
    # A SQL function the planner can inline: no SECURITY DEFINER, no SET, one SELECT, STABLE.
    with as_owner():
        row = sql_value(
            "SELECT jsonb_build_object('lang', l.lanname, 'volatile', p.provolatile, 'definer', p.prosecdef,"
            " 'config', p.proconfig) FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang"
            " WHERE p.oid = 'fn_event_emit_check'::regproc"
        )
    facts = json.loads(row) if isinstance(row, str) else row
    assert facts == {"lang": "sql", "volatile": "s", "definer": False, "config": None}
