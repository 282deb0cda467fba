"""docs/security.md, "Payloads": vocabularies are DOMAINs that refuse a bad value with an error naming
the column and the allowed values; event domains are a registry table."""

from __future__ import annotations

import pytest
from django.db import DatabaseError

from queuegov.errors import VocabularyError, translate
from tests.database import as_owner
from tests.helpers import db_error, sql_exec, sql_rows, sql_value

pytestmark = pytest.mark.django_db

# domain type -> (column named in the error, the allowed values from sql/queuegov/0001_vocabulary.sql)
VOCABULARIES = {
    "qg_event_stream": ("event_stream", ["comment", "review", "update", "birth", "task", "alert", "health"]),
    "qg_delivery_lane": ("delivery_lane", ["immediate", "delayed"]),
    "qg_severity": ("severity", ["info", "warning", "critical"]),
    "qg_payload_classification": ("payload_classification", ["safe_metadata", "restricted"]),
    "qg_executor_kind": (
        "executor_kind",
        ["DOT", "Agent", "Hermes", "Codex", "PG_worker", "external_worker", "future_Kestra_adapter"],
    ),
}
ALLOWED_CASES = [(domain, value) for domain, (_, values) in VOCABULARIES.items() for value in values]

SPEC_EVENT_DOMAINS = {
    "iu",
    "piece",
    "staging",
    "system",
    "birth_registry",
    "governance",
    "tac",
    "kg",
    "dot",
    "health",
    "mother",
    "job",
}


@pytest.mark.parametrize(("domain", "value"), ALLOWED_CASES)
def test_every_allowed_value_is_accepted(domain: str, value: str) -> None:
    assert sql_value(f"SELECT %s::{domain}", [value]) == value


@pytest.mark.parametrize("domain", sorted(VOCABULARIES))
def test_bad_value_names_column_and_allowed_values(domain: str) -> None:
    column, values = VOCABULARIES[domain]
    with db_error(constraint=f"{column}_allowed", sqlstate="23514") as err:
        sql_value(f"SELECT %s::{domain}", ["not_a_value"])
    assert err.message.startswith(f"{column}_allowed: {column} 'not_a_value' is not allowed")
    assert err.message.endswith("allowed values: " + ", ".join(values))


@pytest.mark.parametrize("domain", sorted(VOCABULARIES))
def test_bad_value_refused_when_written_to_a_table_column(domain: str) -> None:
    column, _ = VOCABULARIES[domain]
    sql_exec(f"CREATE TEMP TABLE vocab_probe (v {domain})")
    with db_error(constraint=f"{column}_allowed", match=column):
        sql_exec("INSERT INTO vocab_probe (v) VALUES (%s)", ["bogus"])
    with db_error(constraint=f"{column}_allowed"):
        sql_exec("INSERT INTO vocab_probe (v) VALUES ('ok') ")
    assert sql_value("SELECT count(*) FROM vocab_probe") == 0


@pytest.mark.parametrize(
    ("domain", "value"),
    [
        ("qg_event_stream", "Comment"),  # case matters
        ("qg_event_stream", ""),
        ("qg_delivery_lane", "IMMEDIATE"),
        ("qg_severity", "error"),
        ("qg_payload_classification", "public"),
        ("qg_executor_kind", "dot"),
    ],
)
def test_near_miss_values_are_refused(domain: str, value: str) -> None:
    column, _ = VOCABULARIES[domain]
    with db_error(constraint=f"{column}_allowed"):
        sql_value(f"SELECT %s::{domain}", [value])


def test_mot_is_not_an_executor_kind() -> None:
    with db_error(constraint="executor_kind_allowed", match=r"executor_kind 'MOT' is not allowed") as err:
        sql_value("SELECT 'MOT'::qg_executor_kind")
    assert "MOT" not in err.message.split("allowed values:")[1]


def test_severity_may_be_null() -> None:
    assert sql_value("SELECT NULL::qg_severity IS NULL") is True


def test_fn_vocabulary_returns_the_domain_lists() -> None:
    rows = dict(sql_rows("SELECT vocabulary, allowed FROM fn_vocabulary()"))
    assert rows == {f"{column}_allowed": values for column, values in VOCABULARIES.values()}


@pytest.mark.parametrize("domain", sorted(VOCABULARIES))
def test_translate_maps_vocabulary_errors(domain: str) -> None:
    column, _ = VOCABULARIES[domain]
    with db_error() as err:
        sql_value(f"SELECT %s::{domain}", ["nope"])
    assert isinstance(err.exception, DatabaseError)
    error = translate(err.exception)
    assert isinstance(error, VocabularyError)
    assert str(error).startswith(f"{column}_allowed: {column} 'nope' is not allowed")


# ---------------------------------------------------------------------------
# event_domain_registry
# ---------------------------------------------------------------------------
def test_event_domain_registry_seeded_with_spec_domains() -> None:
    rows = sql_rows("SELECT event_domain, status FROM event_domain_registry")
    assert {name for name, _ in rows} == SPEC_EVENT_DOMAINS
    assert len(rows) == len(SPEC_EVENT_DOMAINS)
    assert {status for _, status in rows} == {"active"}


@pytest.mark.parametrize("name", ["Bad", "1abc", "a", "has-dash", "has space", "x" * 64, ""])
def test_bad_event_domain_name_refused(name: str) -> None:
    with db_error(constraint="event_domain_name_format", sqlstate="23514") as err, as_owner():
        sql_exec("INSERT INTO event_domain_registry (event_domain) VALUES (%s)", [name])
    assert isinstance(translate(err.exception), VocabularyError)


def test_adding_a_domain_is_a_row(actor) -> None:
    # A row, not an ALTER of a CHECK: a migration (the owner) adds it; the app may not.
    with db_error(sqlstate="42501"):
        sql_exec("INSERT INTO event_domain_registry (event_domain, description) VALUES ('billing', 'invoices')")
    actor("user:domain-steward")
    with as_owner():
        sql_exec("INSERT INTO event_domain_registry (event_domain, description) VALUES ('billing', 'invoices')")
    row = sql_rows(
        "SELECT status, created_by, default_audience FROM event_domain_registry WHERE event_domain = 'billing'"
    )
    assert row == [("active", "user:domain-steward", "operator")]


def test_event_domain_status_vocabulary() -> None:
    with db_error(constraint="event_domain_status_allowed"), as_owner():
        sql_exec("INSERT INTO event_domain_registry (event_domain, status) VALUES ('billing', 'paused')")
