"""The roles are created idempotently, a login that may not create them is told
who can, and an install made before the trust boundary is adopted by the owner."""

from __future__ import annotations

import uuid

import pytest
from psycopg import sql

from queuegov import dbroles
from tests.database import admin_connect, login_connect

pytestmark = pytest.mark.django_db(transaction=True)


def test_ensure_roles_is_idempotent() -> None:
    with admin_connect() as conn, conn.cursor() as cursor:
        first = dbroles.ensure_roles(cursor)
        second = dbroles.ensure_roles(cursor)
    assert second.created == [] and sorted(second.present) == sorted(dbroles.role_names().values())
    assert first.login == second.login


def test_a_login_without_createrole_is_told_who_can(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("django.conf.settings.QUEUEGOV_DB_ROLE_PREFIX", f"qgx{uuid.uuid4().hex[:6]}")
    name = f"qg_plain_{uuid.uuid4().hex[:8]}"
    with admin_connect() as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD 'p'").format(sql.Identifier(name)))
    try:
        with login_connect(name, "p") as conn, conn.cursor() as cursor:
            with pytest.raises(dbroles.RoleSetupError, match=r"do not exist and .* may not create roles: run"):
                dbroles.ensure_roles(cursor)
    finally:
        with admin_connect() as admin:
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def test_objects_of_an_earlier_install_are_given_to_the_owner() -> None:
    with admin_connect() as conn, conn.cursor() as cursor:
        cursor.execute("CREATE TABLE public.adopt_probe (id int)")
        cursor.execute("CREATE TYPE public.adopt_probe_pair AS (a int, b int)")
        try:
            assert dbroles.adopt_objects(cursor) == 2
            cursor.execute(
                "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname IN ('adopt_probe', 'adopt_probe_pair')"
            )
            assert {owner for (owner,) in cursor.fetchall()} == {dbroles.role_name("owner")}
            assert dbroles.adopt_objects(cursor) == 0
        finally:
            cursor.execute("DROP TABLE public.adopt_probe")
            cursor.execute("DROP TYPE public.adopt_probe_pair")
