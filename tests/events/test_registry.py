"""No orphan types, no unregistered emits (docs/architecture.md, "The event pipeline").

Every ``active`` type names a producer that exists — a SQL function (pg_proc)
or a Python module/attribute — and that producer really emits or captures the
type; every type the code emits or captures is registered and active; draft
types have no producer yet.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

from tests.database import as_owner
from tests.helpers import sql_rows, sql_value

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PYTHON_APPS = ("queuegov", "events", "jobs", "staging")
GENERIC_TRIGGER = "fn_event_capture_trigger"
# A literal event type as the first argument of fn_event_emit/fn_event_capture or a wrapper of
# them named fn_…_emit / fn_…_capture (e.g. fn_iu_staging_capture).
SQL_CALL = re.compile(
    r"\bfn_[a-z0-9_]*(?:emit|capture)\s*\(\s*(?:p_event_type\s*=>\s*)?'([a-z][a-z0-9_]*\.[a-z0-9_.]+)'"
)
SQL_ROUTE = re.compile(
    r"\bfn_sql_event_route_register\s*\(\s*'[^']*'\s*,\s*'[^']*'\s*,\s*'[^']*'\s*,\s*'([a-z0-9_.]+)'"
)
PY_CALL = re.compile(r"\b(?:emit|capture)\(\s*(?:event_type\s*=\s*)?[\"']([a-z][a-z0-9_]*\.[a-z0-9_.]+)[\"']")
# The names of a governed function's rules behind its audited/bound wrapper (sql/*/00*_trust_boundary.sql).
RULES_SUFFIXES = ("_unaudited", "_unbound")
# Known bug (reported): the active type's producer function was never written.
MISSING_PRODUCER = {"governance.problem.raised"}


def registry() -> dict[str, tuple[str, str | None]]:
    return {t: (s, p) for t, s, p in sql_rows("SELECT event_type, status, producer_ref FROM event_type_registry")}


def sql_sources() -> dict[str, str]:
    return {str(p.relative_to(ROOT)): p.read_text() for p in sorted((ROOT / "sql").rglob("*.sql"))}


def python_sources() -> dict[str, str]:
    files = [p for app in PYTHON_APPS for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts]
    return {str(p.relative_to(ROOT)): p.read_text() for p in sorted(files)}


def emitted_by_code() -> dict[str, set[str]]:
    """event type → where the code emits or captures it (SQL files, live trigger-IN routes, Python)."""
    found: dict[str, set[str]] = {}
    for where, text in sql_sources().items():
        for pattern in (SQL_CALL, SQL_ROUTE):
            for event_type in pattern.findall(text):
                found.setdefault(event_type, set()).add(where)
    for route, event_type in sql_rows("SELECT route_name, target_event_type FROM iu_sql_event_route"):
        found.setdefault(event_type, set()).add(f"iu_sql_event_route:{route}")
    for where, text in python_sources().items():
        for event_type in PY_CALL.findall(text):
            found.setdefault(event_type, set()).add(where)
    return found


def function_body(name: str) -> str | None:
    return sql_value(
        "SELECT string_agg(pg_get_functiondef(oid), E'\\n') FROM pg_proc"
        " WHERE proname = %s AND pronamespace = 'public'::regnamespace",
        [name],
    )


def producer_problem(event_type: str, producer: str) -> str | None:
    """Why ``producer`` is not a real producer of ``event_type`` (None when it is)."""
    if producer == GENERIC_TRIGGER:
        # Registered is enough: a route's gate ships off like every gate and goes live by four-eyes.
        routed = sql_value("SELECT count(*) FROM iu_sql_event_route WHERE target_event_type = %s", [event_type])
        return None if routed else "no trigger-IN route targets it"
    if producer.startswith("fn_"):
        body = function_body(producer)
        if body is None:
            return f"function {producer} does not exist"
        # The trust boundary wraps a governed act around its rules: fn_x (audited, or bound to its
        # lease) calls fn_x_unaudited / fn_x_unbound, which only the owner may call. The rules are
        # the producer's own body, one level down and under its own name only.
        for suffix in RULES_SUFFIXES:
            rules = f"{producer}{suffix}"
            if re.search(rf"\b{rules}\(", body):
                body += "\n" + (function_body(rules) or "")
        return None if f"'{event_type}'" in body else f"{producer} never emits or captures it"
    module_name, _, attribute = producer.partition(":")
    try:
        target = importlib.import_module(module_name)
    except ImportError:
        return f"module {module_name} does not exist"
    if attribute:
        target = getattr(target, attribute, None)
        if target is None:
            return f"{producer} does not exist"
    source = inspect.getsource(target)
    return None if f'"{event_type}"' in source or f"'{event_type}'" in source else f"{producer} never emits it"


def test_the_scanners_see_the_wired_producers() -> None:
    found = emitted_by_code()
    for event_type in ("governance.gate_changed", "job.replayed", "system.queue_worker_silent", "job.dead_lettered"):
        assert event_type in found, sorted(found)


def test_every_active_type_names_a_producer_that_emits_it() -> None:
    problems = {
        event_type: producer_problem(event_type, producer)
        for event_type, (status, producer) in registry().items()
        if status == "active" and event_type not in MISSING_PRODUCER
    }
    assert {t: p for t, p in problems.items() if p} == {}


def test_governance_problem_raised_has_its_producer() -> None:
    assert producer_problem("governance.problem.raised", registry()["governance.problem.raised"][1]) is None


def test_every_type_the_code_emits_is_registered_and_active() -> None:
    types = registry()
    found = emitted_by_code()
    unregistered = {t: sorted(w) for t, w in found.items() if t not in types}
    inactive = {t: (types[t][0], sorted(w)) for t, w in found.items() if t in types and types[t][0] != "active"}
    assert unregistered == {}
    assert inactive == {}


def test_draft_types_are_emitted_by_nothing_yet() -> None:
    """A draft names the producer it waits for (the documents' Mother, KG and problem types);
    no code emits it, and what keeps it a draft is said by fn_event_type_activation_problems."""
    found = emitted_by_code()
    drafts = {t: p for t, (s, p) in registry().items() if s == "draft"}
    assert {"mother.factory.registered", "iu.kg.edge.asserted", "governance.problem.resolved"} <= set(drafts)
    assert sorted(set(drafts) & set(found)) == []
    for event_type in drafts:
        problems = sql_value("SELECT fn_event_type_activation_problems(%s)", [event_type])
        assert problems, f"{event_type} is ready: activate it through its gate, or say why it stays a draft"


def test_a_wrapped_capture_counts_for_its_callers() -> None:
    # fn_iu_staging_capture('staging.record_created', …) inside fn_iu_mark_create_manifest
    found = emitted_by_code()
    if "fn_iu_staging_capture" in "".join(sql_sources().values()):
        assert "staging.record_created" in found
        assert producer_problem("staging.record_created", registry()["staging.record_created"][1]) is None


ORPHAN = (
    "INSERT INTO event_type_registry (event_type, event_domain, event_stream, delivery_lane, status,"
    " description) VALUES ('job.test_orphan', 'job', 'alert', 'immediate', 'active', 'x') RETURNING 1"
)


def test_an_active_type_without_producer_is_refused(db_error) -> None:
    # the constraint holds even for the owner, who may write the registry
    with db_error(constraint="active_event_type_has_producer"), as_owner():
        sql_value(ORPHAN)
    # the app role may not write the registry at all (only fn_event_type_set_status)
    with db_error("^permission denied for table event_type_registry$", sqlstate="42501"):
        sql_value(ORPHAN)
    assert sql_value("SELECT count(*) FROM event_type_registry WHERE event_type = 'job.test_orphan'") == 0
