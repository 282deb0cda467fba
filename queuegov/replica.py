"""Reads the dashboard and /metrics may take from a replica (docs/operations.md, "Scaling out").

With ``DATABASE_REPLICA_URL`` set, settings add the database alias ``replica``
(read-only by its session default). Code that only reads and may lag a little
runs inside ``from_replica()``: the gateway's statements and the ORM's reads
(``ReplicaRouter``) then go to the replica. Everything else, and everything
without a replica configured, stays on ``default``. A write inside the block
fails on the read-only replica instead of silently going to the primary.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

REPLICA = "replica"
_reading: ContextVar[bool] = ContextVar("queuegov_reading_from_replica", default=False)


def configured() -> bool:
    return REPLICA in settings.DATABASES


def read_alias() -> str:
    """The alias a read runs on now: the replica inside ``from_replica()`` when there is one."""
    return REPLICA if _reading.get() and configured() else DEFAULT_DB_ALIAS


@contextmanager
def from_replica() -> Iterator[str]:
    """Run the block's reads on the replica (a no-op without one); yields the alias used."""
    token = _reading.set(True)
    try:
        yield read_alias()
    finally:
        _reading.reset(token)


class ReplicaRouter:
    """Django's reads inside ``from_replica()`` go to the replica; writes and migrations never do."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return REPLICA if _reading.get() and configured() else None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # one database, two ways in

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        return False if db == REPLICA else None
