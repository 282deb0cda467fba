"""Every named rule of the schema reaches a user as a refusal with the rule's name (queuegov/errors.py),
never as a raw IntegrityError with SQL context; and the admin's audit row says "refused"."""

from __future__ import annotations

from types import SimpleNamespace

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
    assert text.startswith("subscription_matches_something on event_subscription: "), text
    assert "CONTEXT" not in text and "PL/pgSQL" not in text
