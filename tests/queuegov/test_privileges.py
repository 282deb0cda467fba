"""docs/security.md: the privileges in the database are exactly the declared matrix
(queuegov/privileges.py), for every table, view, sequence and function, and
every state-changing function runs as the owner with a pinned search_path."""

from __future__ import annotations

import re

import pytest

from queuegov import dbroles, privileges
from tests.helpers import sql_rows, sql_value

pytestmark = pytest.mark.django_db

TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
ROLES = ("app", "executor", "auditor")


def objects() -> privileges.SchemaObjects:
    from django.db import connection

    with connection.cursor() as cursor:
        return privileges.schema_objects(cursor)


def held(kind: str, name: str, role: str, candidates: tuple[str, ...]) -> set[str]:
    function = {"table": "has_table_privilege", "sequence": "has_sequence_privilege"}[kind]
    return {p for p in candidates if sql_value(f"SELECT {function}(%s, %s, %s)", [dbroles.role_name(role), name, p])}


def test_every_relation_is_declared() -> None:
    declared = privileges.relation_classes()
    undeclared = [name for name, _kind, partition in objects().relations if not partition and name not in declared]
    assert undeclared == [], f"declare these in queuegov/privileges.py: {undeclared}"
    present = {name for name, _, _ in objects().relations}
    assert sorted(set(privileges.ENGINE_RELATIONS) - present) == [], "declared relations that do not exist"


def test_every_function_is_declared() -> None:
    undeclared = sorted({name for name, _ in objects().functions if privileges.function_class(name) is None})
    assert undeclared == [], f"declare these in queuegov/privileges.py: {undeclared}"
    present = {name for name, _ in objects().functions}
    assert sorted(set(privileges.FUNCTIONS) - present) == [], "declared functions that do not exist"


def test_table_and_view_privileges_match_the_matrix() -> None:
    classes = privileges.relation_classes()
    mismatches = []
    for name, _kind, partition in objects().relations:
        expected_by_role = {} if partition else privileges.TABLE_PRIVILEGES_BY_CLASS[classes[name]]
        for role in ROLES:
            expected = set(expected_by_role.get(role, ()))
            if role == "auditor" and name in privileges.AUDITOR_HIDDEN_COLUMNS:
                expected = set()  # column-level SELECT only: checked below
            actual = held("table", name, role, TABLE_PRIVILEGES)
            if actual != expected:
                mismatches.append((name, role, sorted(actual), sorted(expected)))
    assert mismatches == []


def test_auditors_read_no_password_hashes_and_no_sessions() -> None:
    auditor = dbroles.role_name("auditor")
    assert sql_value("SELECT has_column_privilege(%s, 'auth_user', 'password', 'SELECT')", [auditor]) is False
    assert sql_value("SELECT has_column_privilege(%s, 'auth_user', 'username', 'SELECT')", [auditor]) is True
    assert sql_value("SELECT has_table_privilege(%s, 'django_session', 'SELECT')", [auditor]) is False


def test_sequence_privileges_match_the_matrix() -> None:
    classes = privileges.relation_classes()
    for name, table in objects().sequences:
        django = table is not None and classes.get(table) in (privileges.DJANGO, privileges.DJANGO_SESSIONS)
        for role in ROLES:
            expected = set(privileges.DJANGO_SEQUENCE_PRIVILEGES) if django and role == "app" else set()
            assert held("sequence", name, role, ("USAGE", "SELECT", "UPDATE")) == expected, (name, role)


def test_function_privileges_match_the_matrix() -> None:
    mismatches = []
    for name, signature in objects().functions:
        cls = privileges.function_class(name)
        for role in ROLES:
            expected = role in privileges.ROLES_BY_FUNCTION_CLASS[cls]
            actual = sql_value("SELECT has_function_privilege(%s, %s, 'EXECUTE')", [dbroles.role_name(role), signature])
            if actual != expected:
                mismatches.append((signature, role, actual))
    assert mismatches == []


def test_public_may_execute_nothing() -> None:
    rows = sql_rows(
        "SELECT p.oid::regprocedure::text FROM pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a"
        " WHERE p.pronamespace = 'public'::regnamespace AND a.grantee = 0 AND a.privilege_type = 'EXECUTE'"
    )
    assert rows == []


UNQUALIFIED_RELATION = re.compile(
    r"\b(?:FROM|JOIN|UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+(?!public\.)([a-z_][a-z0-9_]*)\b(?!\s*\()", re.I
)


def test_state_changing_functions_run_as_the_owner_with_a_pinned_search_path() -> None:
    loose = []
    for name, signature in objects().functions:
        if privileges.function_class(name) not in privileges.DEFINER_CLASSES:
            continue
        definer, config = sql_rows(
            "SELECT prosecdef, coalesce(proconfig, '{}') FROM pg_proc WHERE oid = %s::regprocedure",
            [signature],
        )[0]
        if not definer or "search_path=public, pg_temp" not in config:
            loose.append(signature)
    assert loose == []


def test_every_definer_function_pins_its_search_path() -> None:
    unpinned = sql_rows(
        "SELECT oid::regprocedure::text FROM pg_proc WHERE pronamespace = 'public'::regnamespace"
        " AND prosecdef AND NOT coalesce(proconfig, '{}') @> ARRAY['search_path=public, pg_temp'] ORDER BY 1"
    )
    assert unpinned == []


def test_the_actor_resolvers_read_no_table_and_change_nothing() -> None:
    # They run as their caller, inlined (no SET clause: they are on every enqueue),
    # so there must be no relation a caller's temporary table could stand in for.
    for name in ("fn_actor", "fn_caller_names_actor", "fn_caller_role", "fn_db_role", "fn_worker_ref"):
        language, volatility, source = sql_rows(
            "SELECT l.lanname::text, p.provolatile::text, p.prosrc FROM pg_proc p JOIN pg_language l"
            " ON l.oid = p.prolang WHERE p.proname = %s",
            [name],
        )[0]
        assert language == "sql" and volatility in ("s", "i"), name
        assert re.search(r"\b(FROM|JOIN)\b", source, re.I) is None, name
    for name in ("fn_executor_claim_queues",):
        source = sql_value("SELECT prosrc FROM pg_proc WHERE proname = %s", [name])
        assert UNQUALIFIED_RELATION.search(source) is None, name


def test_the_role_names_come_from_the_prefix() -> None:
    assert {p: sql_value("SELECT fn_db_role(%s)::text", [p]) for p in dbroles.PURPOSES} == dbroles.role_names()


def test_the_owner_owns_everything() -> None:
    owner = dbroles.role_name("owner")
    others = sql_rows(
        "SELECT relname::text, pg_get_userbyid(relowner)::text FROM pg_class"
        " WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p', 'v', 'S', 'm')"
        " AND pg_get_userbyid(relowner) <> %s"
        " UNION ALL SELECT proname::text, pg_get_userbyid(proowner)::text FROM pg_proc"
        " WHERE pronamespace = 'public'::regnamespace AND pg_get_userbyid(proowner) <> %s"
        " UNION ALL SELECT typname::text, pg_get_userbyid(typowner)::text FROM pg_type"
        " WHERE typnamespace = 'public'::regnamespace AND typtype IN ('c', 'd', 'e')"
        " AND pg_get_userbyid(typowner) <> %s",
        [owner, owner, owner],
    )
    assert others == []


def test_the_roles_are_what_they_say() -> None:
    rows = dict(
        sql_rows(
            "SELECT rolname::text, ARRAY[rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls] FROM pg_roles"
            " WHERE rolname = ANY(%s)",
            [list(dbroles.role_names().values())],
        )
    )
    names = dbroles.role_names()
    # login, superuser, createrole, createdb, bypassrls
    assert rows[names["owner"]] == [False] * 5
    assert rows[names["app"]] == [True, False, False, False, False]
    assert rows[names["executor"]] == [False] * 5
    assert rows[names["auditor"]] == [False] * 5
    assert sql_value("SELECT pg_has_role(%s, %s, 'MEMBER')", [names["app"], names["owner"]]) is False
