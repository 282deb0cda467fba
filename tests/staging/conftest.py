"""Fixtures of the staging-workflow tests.

``iu`` calls the staging SQL API through Django's connection (the test
transaction): every call first sets the actor it is given, so a test reads as
the workflow does — one person marks, another approves, an operator cuts.

The suite runs as the app role, which may read the staging tables but writes
them only through the SQL API (the fn_iu_op_* aliases). A test that must write
a row directly — a damaged database, a forged transition — does it as the
owner role (``as_owner``, ``below_triggers``) and proves with
``refused_to_app`` that the app role holds no privilege to try.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.database import as_owner
from tests.helpers import as_json, db_error, sql_exec, sql_rows, sql_value, use_actor

MARKER = "user:marker"
APPROVER = "user:approver"
OPERATOR = "user:operator"

SOURCE = b"# Handbook\n\nintro\n"
SOURCE_HASH = hashlib.sha256(SOURCE).hexdigest()

# A clean five-piece manifest: preamble, a document with two chapters, one section.
CLEAN_PIECES: list[dict[str, Any]] = [
    {"piece_no": 1, "sort_order": 1, "section_type": "preamble", "heading": "", "parent_piece_no": None,
     "text": "Read this first."},
    {"piece_no": 2, "sort_order": 2, "section_type": "document", "heading": "Handbook", "parent_piece_no": None,
     "text": "The handbook."},
    {"piece_no": 3, "sort_order": 3, "section_type": "chapter", "heading": "Leave", "parent_piece_no": 2,
     "text": "How leave works."},
    {"piece_no": 4, "sort_order": 4, "section_type": "section", "heading": "Sick leave", "parent_piece_no": 3,
     "text": "Tell your lead."},
    {"piece_no": 5, "sort_order": 5, "section_type": "chapter", "heading": "Expenses", "parent_piece_no": 2,
     "text": "Keep receipts."},
]  # fmt: skip


def clean_pieces(**changes: dict[str, Any]) -> list[dict[str, Any]]:
    """A copy of CLEAN_PIECES; ``p3={"sort_order": 9}`` changes piece 3."""
    pieces = copy.deepcopy(CLEAN_PIECES)
    for key, values in changes.items():
        pieces[int(key[1:]) - 1].update(values)
    return pieces


@contextmanager
def below_triggers(*tables: str) -> Iterator[None]:
    """Run the block as the owner with the user triggers of ``tables`` disabled, as a
    damaged or hand-edited database would be written; CHECK constraints still apply.

    ``ALTER TABLE … DISABLE TRIGGER USER`` (the owner's right) stands in for
    ``session_replication_role = replica`` (a superuser's); it is undone at the end
    of the block, and on error by the rollback of the block's savepoint."""
    with as_owner():
        for table in tables:
            sql_exec(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
        yield
        for table in tables:
            sql_exec(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')


def refused_to_app(statement: str, params: list[Any] | tuple[Any, ...] | None = None, *, table: str) -> None:
    """The app role holds no privilege for ``statement`` on ``table``: SQLSTATE 42501."""
    with db_error(sqlstate="42501", match=rf"^permission denied for table {table}$"):
        sql_exec(statement, params)


def owner_only(statement: str, params: list[Any] | tuple[Any, ...] | None = None, *, function: str) -> None:
    """``function`` is the owner's only (INTERNAL): the app role may not EXECUTE it."""
    with db_error(sqlstate="42501", match=rf"^permission denied for function {function}$"):
        sql_exec(statement, params)


def audit_rows() -> Any:
    """The admin_action_audit rows the current test transaction wrote (a QuerySet).

    Governed acts audit themselves in SQL, so committed (``transaction=True``)
    tests leave audit rows behind that nothing may delete (the table is
    append-only; tests/conftest.py). A test reads only the rows of its own
    transaction, never the table's total contents."""
    from queuegov.models import AdminActionAudit

    return AdminActionAudit.objects.filter(txid=sql_value("SELECT txid_current()"))


class StagingApi:
    """The staging SQL API, each call under the actor it names."""

    @staticmethod
    def call(sql: str, *params: Any, as_: str | None = None) -> Any:
        if as_ is not None:
            use_actor(as_)
        return as_json(sql_value(sql, list(params)))

    def mark(
        self,
        pieces: list[dict[str, Any]] | None = None,
        *,
        source_ref: str = "/docs/handbook.md",
        source_hash: str = SOURCE_HASH,
        source_bytes: int = len(SOURCE),
        doc_code: str | None = "HANDBOOK",
        key: str | None = None,
        now: str | None = None,
        as_: str = MARKER,
    ) -> dict[str, Any]:
        return self.call(
            "SELECT fn_iu_op_mark_file(p_source_ref => %s, p_source_hash => %s, p_source_bytes => %s,"
            " p_pieces => %s::jsonb, p_doc_code => %s, p_idempotency_key => %s, p_now => %s::timestamptz)",
            source_ref,
            source_hash,
            source_bytes,
            json.dumps(CLEAN_PIECES if pieces is None else pieces),
            doc_code,
            key,
            now,
            as_=as_,
        )

    def marked(self, pieces: list[dict[str, Any]] | None = None, **kwargs: Any) -> int:
        answer = self.mark(pieces, **kwargs)
        assert answer["status"] == "created", answer
        return answer["record_id"]

    def verify(self, record_id: int, *, as_: str = MARKER, now: str | None = None) -> dict[str, Any]:
        return self.call("SELECT fn_iu_op_verify_mark(%s, p_now => %s::timestamptz)", record_id, now, as_=as_)

    def approve(
        self,
        record_id: int,
        *,
        doc: str | None = "APPROVAL-1",
        reason: str | None = "checked every piece",
        as_: str = APPROVER,
        now: str | None = None,
    ) -> dict[str, Any]:
        return self.call(
            "SELECT fn_iu_op_verify_mark(%s, true, %s, %s, %s::timestamptz)", record_id, doc, reason, now, as_=as_
        )

    def approved(self, pieces: list[dict[str, Any]] | None = None, **kwargs: Any) -> int:
        record_id = self.marked(pieces, **kwargs)
        answer = self.approve(record_id)
        assert answer["status"] == "approved", answer
        return record_id

    def reject(self, record_id: int, reason: str | None = "wrong document", *, as_: str = APPROVER) -> dict[str, Any]:
        return self.call("SELECT fn_iu_op_reject(%s, %s)", record_id, reason, as_=as_)

    def cut(
        self, record_id: int, source_hash: str | None = SOURCE_HASH, *, as_: str = OPERATOR, now: str | None = None
    ) -> dict[str, Any]:
        return self.call("SELECT fn_iu_op_cut(%s, %s, %s::timestamptz)", record_id, source_hash, now, as_=as_)

    def consumed(self, pieces: list[dict[str, Any]] | None = None, **kwargs: Any) -> int:
        record_id = self.approved(pieces, **kwargs)
        answer = self.cut(record_id, kwargs.get("source_hash", SOURCE_HASH))
        assert answer["status"] == "consumed", answer
        return record_id

    def verify_cut(self, record_id: int, *, as_: str = OPERATOR) -> dict[str, Any]:
        return self.call("SELECT fn_iu_op_verify_cut(%s)", record_id, as_=as_)

    def cleanup(self, *, apply: bool = False, days: float = 0, as_: str = OPERATOR) -> dict[str, Any]:
        """Cleanup with the clock moved ``days`` ahead of now() (an applied one as the owner: fn_clock)."""
        sql = "SELECT fn_iu_op_cleanup(%s, now() + make_interval(secs => %s))"
        if apply and days:
            use_actor(as_)  # first: switching actors steps in and out of the owner role itself
            with as_owner():
                return self.call(sql, apply, days * 86400)
        return self.call(sql, apply, days * 86400, as_=as_)

    # -- reads ---------------------------------------------------------------
    @staticmethod
    def record(record_id: int) -> dict[str, Any]:
        return as_json(sql_value("SELECT to_jsonb(r) FROM iu_staging_record r WHERE id = %s", [record_id]))

    @staticmethod
    def status(record_id: int) -> str:
        return sql_value("SELECT lifecycle_status FROM iu_staging_record WHERE id = %s", [record_id])

    @staticmethod
    def run(run_id: int) -> dict[str, Any]:
        return as_json(sql_value("SELECT to_jsonb(r) FROM dot_iu_command_run r WHERE id = %s", [run_id]))

    @staticmethod
    def runs(record_id: int) -> list[tuple[str, str, str, str]]:
        """(command, run_mode, run_status, actor) of a record's runs, oldest first."""
        return [
            tuple(row)
            for row in sql_rows(
                "SELECT command, run_mode, run_status, actor FROM dot_iu_command_run WHERE record_id = %s ORDER BY id",
                [record_id],
            )
        ]

    @staticmethod
    def captures(record_id: int) -> list[str]:
        """staging.* event types captured for a manifest, oldest first."""
        return [
            t
            for (t,) in sql_rows(
                "SELECT event_type FROM event_pending WHERE source_document_ref = %s AND event_type LIKE 'staging.%%'"
                " ORDER BY id",
                [f"iu_staging_record:{record_id}"],
            )
        ]

    @staticmethod
    def pieces_of(record_id: int) -> int:
        return sql_value("SELECT count(*) FROM iu_staging_payload WHERE record_id = %s", [record_id])

    @staticmethod
    def units(record_id: int) -> list[dict[str, Any]]:
        return as_json(
            sql_value(
                "SELECT coalesce(jsonb_agg(to_jsonb(u) ORDER BY sort_order), '[]') FROM information_unit u"
                " WHERE consumed_from_record_id = %s",
                [record_id],
            )
        )

    @staticmethod
    def force(record_id: int, assignments: str) -> None:
        """Write a row below the triggers (``below_triggers``, as the owner), as a
        damaged or hand-edited database would; CHECK constraints still apply."""
        with below_triggers("iu_staging_record"):
            sql_exec(f"UPDATE iu_staging_record SET {assignments} WHERE id = %s", [record_id])


@pytest.fixture
def iu() -> StagingApi:
    return StagingApi()


@pytest.fixture
def pg_connect() -> Any:
    """``pg_connect()``: another plain psycopg connection to the test database (closed after the test)."""
    import psycopg
    from django.db import connection

    opened: list[psycopg.Connection] = []

    def open_(autocommit: bool = False) -> psycopg.Connection:
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        conn = psycopg.connect(**params, autocommit=autocommit)
        opened.append(conn)
        return conn

    yield open_
    for conn in opened:
        conn.close()
