"""Surviving a lost database connection in long-running processes (docs/workers.md).

A connection error (the server restarted, a backend was terminated, the network
went away) is not the work's fault: the process backs off, reconnects and
carries on, and says so once per outage rather than once per try. Every other
database error is the caller's to handle.

psycopg only: the standalone executor uses it as it is; the Django processes
use ``queuegov.reconnect``, which also knows Django's wrappers of these errors.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import psycopg

T = TypeVar("T")

# SQLSTATEs after which the session is gone: connection exceptions (class 08),
# admin/crash shutdown, "cannot connect now", the database dropped, the idle
# session and idle-in-transaction timeouts.
_LOST_STATES = ("57P01", "57P02", "57P03", "57P04", "57P05", "25P03")
# SQLSTATEs of a statement that may well succeed when tried again: deadlock,
# serialization failure, cancelled statement, lock timeout, out of resources.
_TRANSIENT_STATES = ("40P01", "40001", "57014", "55P03")


def _sqlstate_errors(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    err: BaseException | None = exc
    while err is not None and all(err is not seen for seen in chain):
        chain.append(err)
        err = err.__cause__
    return chain


def is_connection_error(exc: BaseException) -> bool:
    """True if ``exc`` (a psycopg error, or one caused by it) means the connection is lost."""
    for err in _sqlstate_errors(exc):
        if isinstance(err, psycopg.InterfaceError):
            return True
        if isinstance(err, psycopg.OperationalError):
            state = err.sqlstate
            return state is None or state.startswith("08") or state in _LOST_STATES
    return False


def is_transient_error(exc: BaseException) -> bool:
    """True if ``exc`` is a statement the server gave up on for now (a deadlock, a timeout…), not a refusal."""
    for err in _sqlstate_errors(exc):
        if isinstance(err, psycopg.Error):
            state = err.sqlstate or ""
            return state in _TRANSIENT_STATES or state.startswith("53")
    return False


class GaveUp(Exception):
    """The caller's ``give_up`` said stop while the database was unreachable."""


class Reconnect:
    """Retries an operation across connection loss with capped exponential backoff and full jitter.

    One WARNING when an outage starts, one INFO when it ends (with its length and
    the tries it took), nothing per try: a restart of the server under busy
    workers must not bury the log.
    """

    is_lost: Callable[[BaseException], bool] = staticmethod(is_connection_error)

    def __init__(
        self,
        name: str,
        logger: logging.Logger,
        *,
        base: float = 0.1,
        cap: float = 5.0,
        sleep: Callable[[float], object] | None = None,
    ) -> None:
        self.name = name
        self.logger = logger
        self.base = base
        self.cap = cap
        self.sleep = sleep or time.sleep
        self.outage_started: float | None = None
        self.tries = 0
        self.outages = 0
        self.lock = threading.Lock()

    def delay(self) -> float:
        return random.uniform(0, min(self.cap, self.base * 2 ** min(self.tries, 20)))  # noqa: S311 (jitter)

    def failed(self, exc: BaseException) -> None:
        """Count one failed try; the first of an outage is logged."""
        with self.lock:
            if self.outage_started is None:
                self.outage_started = time.monotonic()
                self.tries = 0
                self.outages += 1
                if self.is_lost(exc):
                    self.logger.warning("%s: database connection lost (%s); reconnecting", self.name, _first_line(exc))
                else:
                    self.logger.warning("%s: transient database error (%s); retrying", self.name, _first_line(exc))
            self.tries += 1

    def succeeded(self) -> None:
        with self.lock:
            if self.outage_started is not None:
                self.logger.info(
                    "%s: database connection back after %.1f s (%d tries)",
                    self.name,
                    time.monotonic() - self.outage_started,
                    self.tries,
                )
                self.outage_started = None
                self.tries = 0

    @property
    def in_outage(self) -> bool:
        return self.outage_started is not None

    def call(
        self,
        op: Callable[[], T],
        *,
        reset: Callable[[], object],
        give_up: Callable[[], bool] | None = None,
    ) -> T:
        """``op()``, retried after ``reset()`` (drop the connection) while the connection is lost or
        the server answers with a transient error (deadlock, timeout…): never a refusal."""
        while True:
            try:
                value = op()
            except Exception as exc:
                if not (self.is_lost(exc) or is_transient_error(exc)):
                    raise
                self.failed(exc)
                reset()
                if give_up is not None and give_up():
                    raise GaveUp(f"{self.name}: gave up waiting for the database") from exc
                self.sleep(self.delay())
                continue
            self.succeeded()
            return value


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
