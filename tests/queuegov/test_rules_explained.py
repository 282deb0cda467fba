"""Every named rule explains itself where it is enforced: a ``COMMENT ON CONSTRAINT`` sentence that
says what the rule is and what to do, which a refusal shows after the rule's name
(``queuegov.errors.explain``) instead of PostgreSQL's 'violates check constraint'. Each app's
``sql/<app>/NNNN_rules_explained.sql`` comments the rules of the tables and DOMAINs it owns
(docs/architecture.md, "Who owns what")."""

from __future__ import annotations

import re

import pytest

from tests.helpers import sql_rows

pytestmark = pytest.mark.django_db

# The CHECK, UNIQUE, FOREIGN KEY and DOMAIN rules of the schema (test_error_mapping.py maps the same
# set), with the comment on each; a domain rule has no table, so it is named by its domain.
RULES_SQL = (
    "SELECT c.conname::text, coalesce(t.relname::text, 'DOMAIN ' || c.contypid::regtype::text),"
    " obj_description(c.oid, 'pg_constraint')"
    " FROM pg_constraint c LEFT JOIN pg_class t ON t.oid = c.conrelid"
    " WHERE c.connamespace = 'public'::regnamespace AND c.contype IN ('c', 'u', 'f')"
    " AND (t.relname IS NULL OR t.relname !~ '^event_outbox_[0-9]{6}$')"
    " AND (t.relname IS NULL OR t.relname NOT LIKE 'auth\\_%%' AND t.relname NOT LIKE 'django\\_%%'"
    "      AND t.relname NOT LIKE 'axes\\_%%')"
    " ORDER BY 1, 2"
)
FUNCTION_NAME = re.compile(r"\bfn_[a-z0-9_]+\b")


def rules() -> list[tuple[str, str, str | None]]:
    """(constraint name, table or 'DOMAIN <domain>', its comment or None)."""
    return [(name, where, text) for name, where, text in sql_rows(RULES_SQL)]


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def sentence_problems(name: str, text: str) -> list[str]:
    """What keeps ``text`` from being the plain one-line sentence that explains rule ``name``."""
    problems = []
    if "\n" in text or "\r" in text:
        problems.append("more than one line")
    if text != text.strip():
        problems.append("leading or trailing whitespace")
    if text.rstrip().endswith("."):
        problems.append("ends with a period")
    if len(text.strip()) < 20:
        problems.append("shorter than 20 characters")
    if not text[:1].islower():
        problems.append("does not start lowercase")
    if _words(text) == _words(name) or _words(text).startswith(_words(name)):
        problems.append("repeats the constraint name instead of explaining it")
    return problems


def test_the_query_finds_the_named_rules() -> None:
    found = rules()
    assert len(found) >= 100, f"only {len(found)} named rules found: is the query right?"
    assert any(where.startswith("DOMAIN ") for _, where, _ in found)
    expected = {
        ("subscription_matches_something", "event_subscription"),
        ("priority_in_range", "DOMAIN qg_job_priority"),
    }
    assert expected <= {(name, where) for name, where, _ in found}


def test_every_named_rule_is_explained() -> None:
    missing = [f"{name} on {where}" for name, where, text in rules() if text is None or not text.strip()]
    assert not missing, (
        f"{len(missing)} named rule(s) without COMMENT ON CONSTRAINT (add one in the owning app's next "
        f'sql/<app>/NNNN_*.sql, docs/architecture.md, "Who owns what"): {missing}'
    )


def test_every_explanation_is_one_plain_sentence() -> None:
    bad = {
        f"{name} on {where}": (text, problems)
        for name, where, text in rules()
        if text is not None and (problems := sentence_problems(name, text))
    }
    assert not bad, f"explanations that are not one plain sentence: {bad}"


def test_explanations_name_only_functions_that_exist() -> None:
    named = {fn for _, _, text in rules() if text for fn in FUNCTION_NAME.findall(text)}
    existing = {
        fn
        for (fn,) in sql_rows(
            "SELECT proname::text FROM pg_proc WHERE pronamespace = 'public'::regnamespace AND proname = ANY(%s)",
            [sorted(named)],
        )
    }
    assert named - existing == set(), f"explanations name functions that do not exist: {sorted(named - existing)}"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a subscription names at least one of an event type, a domain or a stream: give one of them", None),
        ("a subscription names at least one of an event type.", "ends with a period"),
        ("a subscription names something:\ngive one", "more than one line"),
        ("give one of them", "shorter than 20 characters"),
        ("A subscription names at least one of an event type: give one", "does not start lowercase"),
        ("subscription matches something", "repeats the constraint name instead of explaining it"),
        ("subscription_matches_something: a subscription names something", "repeats the constraint name"),
    ],
)
def test_the_sentence_check_catches_each_problem(text: str, problem: str | None) -> None:
    problems = sentence_problems("subscription_matches_something", text)
    if problem is None:
        assert problems == []
    else:
        assert any(p.startswith(problem) for p in problems), problems
