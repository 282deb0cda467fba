"""Every named rule of the schema reaches a user as a refusal with the rule's name (queuegov/errors.py),
never as a raw IntegrityError with SQL context; and the admin's audit row says "refused"."""

from __future__ import annotations

import re
from types import SimpleNamespace

import psycopg
import pytest
from django.db import IntegrityError

from queuegov.errors import QueuegovError, translate
from tests.helpers import sql_rows

pytestmark = pytest.mark.django_db

SQLSTATE_OF = {"c": "23514", "u": "23505", "f": "23503", "x": "23P01"}


def named_constraints() -> list[tuple[str, str, str | None]]:
    """(name, SQLSTATE its violation raises, table) of every CHECK, UNIQUE, FOREIGN KEY and DOMAIN rule."""
    rows = sql_rows(
        "SELECT c.conname::text, c.contype::text, t.relname::text FROM pg_constraint c"
        " LEFT JOIN pg_class t ON t.oid = c.conrelid"
        " WHERE c.connamespace = 'public'::regnamespace AND c.contype IN ('c', 'u', 'f')"
        " AND (t.relname IS NULL OR t.relname !~ '^event_outbox_[0-9]{6}$')"
        " AND (t.relname IS NULL OR t.relname NOT LIKE 'auth\\_%%' AND t.relname NOT LIKE 'django\\_%%'"
        "      AND t.relname NOT LIKE 'axes\\_%%')"
        " ORDER BY 1"
    )
    return [(name, SQLSTATE_OF[kind], table) for name, kind, table in rows]


def violation(sqlstate: str, constraint: str, table: str | None) -> IntegrityError:
    """A Django IntegrityError as Django raises it: caused by psycopg's error, which carries the diagnostics."""
    cause = Exception(f'new row for relation "{table}" violates check constraint "{constraint}"')
    cause.sqlstate = sqlstate  # type: ignore[attr-defined]
    cause.diag = SimpleNamespace(  # type: ignore[attr-defined]
        message_primary=str(cause), constraint_name=constraint, table_name=table, column_name=None
    )
    error = IntegrityError(str(cause))
    error.__cause__ = cause
    return error


def test_there_are_named_rules_to_check() -> None:
    names = {name for name, _, _ in named_constraints()}
    assert {"subscription_matches_something", "priority_in_range", "payload_prohibited_key"} <= names


@pytest.mark.parametrize("sqlstate", ["23514", "23505", "23503"])
def test_every_named_rule_maps_to_a_refusal_named_by_its_rule(sqlstate: str) -> None:
    unmapped = []
    for name, state, table in named_constraints():
        if state != sqlstate:
            continue
        error = translate(violation(state, name, table))
        if not isinstance(error, QueuegovError) or not error.refusal or not str(error).startswith(name):
            unmapped.append(name)
    assert unmapped == []


def test_a_subscription_without_a_filter_is_refused_in_plain_words(actor) -> None:
    """Seen in the admin: the raw IntegrityError with the PL/pgSQL CONTEXT of fn_event_subscribe."""
    from events import db as events_db
    from queuegov.errors import domain_errors

    actor("user:subscriber")
    with pytest.raises(QueuegovError) as refused, domain_errors():
        events_db.subscribe(None, None, None, "user", "user:subscriber", "everything")
    text = str(refused.value)
    assert text.startswith("subscription_matches_something: "), text
    assert "violates check constraint" not in text, text  # the rule's own sentence (COMMENT ON CONSTRAINT)
    assert "CONTEXT" not in text and "PL/pgSQL" not in text


# ---------------------------------------------------------------------------
# Every RAISE of a rule names it and carries a SQLSTATE errors.py maps
# ---------------------------------------------------------------------------
RAISE = re.compile(r"RAISE\s+EXCEPTION\s+'(?P<message>(?:[^']|'')*)'", re.IGNORECASE)
ERRCODE = re.compile(r"ERRCODE\s*=\s*'(?P<code>[^']+)'", re.IGNORECASE)
# USING CONSTRAINT = 'name' (or an expression, e.g. the vocabulary's name || '_allowed')
CONSTRAINT = re.compile(r"CONSTRAINT\s*=\s*(?:'(?P<name>[^']+)'|(?P<expr>[^,;]+))", re.IGNORECASE)
# A rule name first; staging's cut guards put their number before it (``G3 approval_missing: …``).
RULE_NAME = re.compile(r"^(G[1-7] )?[a-z%][a-z0-9_%]*: ")


def raises_in(body: str) -> list[tuple[str, str | None, str]]:
    """(message, SQLSTATE, constraint) of each RAISE EXCEPTION: its USING clause lies before the next RAISE.

    A constraint given as an expression counts as the rule its message names."""
    matches = list(RAISE.finditer(body))
    found = []
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(body)
        code = ERRCODE.search(body, match.end(), end)
        sqlstate = None
        if code:
            name = code["code"]
            sqlstate = name if re.fullmatch(r"[0-9A-Z]{5}", name) else psycopg.errors.lookup(name.upper()).sqlstate
        named = CONSTRAINT.search(body, match.end(), end)
        constraint = ""
        if named:
            constraint = named["name"] or match["message"].split(":", 1)[0]
        found.append((match["message"], sqlstate, constraint))
    return found


def live_raises() -> list[tuple[str, str, str | None, str]]:
    """(function, message, SQLSTATE, constraint) of every RAISE EXCEPTION in the live functions of schema public."""
    return [
        (function, message, sqlstate, constraint)
        for function, body in sql_rows(
            "SELECT p.proname::text, p.prosrc FROM pg_proc p"
            " WHERE p.pronamespace = 'public'::regnamespace AND p.prolang = (SELECT oid FROM pg_language"
            " WHERE lanname = 'plpgsql') AND p.proname NOT LIKE 'pgtrigger\\_%%' ORDER BY 1"
        )
        for message, sqlstate, constraint in raises_in(body)
    ]


def refusal(message: str, sqlstate: str | None, constraint: str = "") -> bool:
    """Does errors.translate turn this RAISE into a refusal (as the admin shows it)?"""
    if sqlstate is None:
        return False
    error = violation(sqlstate, constraint, None)
    error.__cause__.diag.message_primary = message  # type: ignore[union-attr]
    translated = translate(error)
    return isinstance(translated, QueuegovError) and translated.refusal


def test_there_are_raises_to_check() -> None:
    raises = live_raises()
    assert len(raises) > 100
    assert any(message.startswith("four_eyes: ") and code == "QG002" for _, message, code, _ in raises)


def test_every_raise_names_its_rule_and_maps_to_a_refusal() -> None:
    problems = [
        f"{function}: {message[:60]!r} ({code} {constraint})"
        for function, message, code, constraint in live_raises()
        if not RULE_NAME.match(message) or not refusal(message, code, constraint)
    ]
    assert problems == []


def test_the_raise_scan_sees_what_it_looks_for() -> None:
    body = (
        "RAISE EXCEPTION 'four_eyes: % may not approve', x USING ERRCODE = 'QG002';\n"
        "RAISE EXCEPTION 'it''s broken; %', 'a;b';\n"
        "RAISE EXCEPTION 'invalid_x: %', f(';')\n    USING ERRCODE = 'check_violation', CONSTRAINT = 'invalid_x';\n"
        "RAISE EXCEPTION '%_allowed: %', v USING ERRCODE = 'check_violation', CONSTRAINT = v || '_allowed';\n"
        "RAISE EXCEPTION 'unnamed: %', v USING ERRCODE = 'check_violation';\n"
        "RAISE EXCEPTION 'oops: %', y USING ERRCODE = 'P0001';"
    )
    found = raises_in(body)
    assert found == [
        ("four_eyes: % may not approve", "QG002", ""),
        ("it''s broken; %", None, ""),
        ("invalid_x: %", "23514", "invalid_x"),
        ("%_allowed: %", "23514", "%_allowed"),
        ("unnamed: %", "23514", ""),
        ("oops: %", "P0001", ""),
    ]
    verdicts = [bool(RULE_NAME.match(m)) and refusal(m, code, c) for m, code, c in found]
    assert verdicts == [True, False, True, True, False, False]
