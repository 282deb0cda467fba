"""The executor loop: claim the jobs of one executor class, run them, report with fencing.

One process works one job at a time on its main thread. A keeper thread, on a
connection of its own, extends the leases of what it holds and sends the
executor's heartbeat. NOTIFY wakes it when work arrives on its queues; it polls
as well, because notifications sent while it was disconnected are lost. A lost
connection is waited out (``reconnect.Reconnect``); an outcome that could not
be reported is re-sent with the same fencing token, and the database answers a
repeat with ``"already"``. SIGTERM or SIGINT: no new claims, the running job
finishes and is reported, the jobs claimed but not started are given back.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from queuegov_executor.reconnect import Reconnect, is_connection_error, is_transient_error

logger = logging.getLogger("queuegov_executor")

Handler = Callable[["Job"], Any]


@dataclass(frozen=True)
class Job:
    """A claimed job as the handler sees it; ``attempt`` is its fencing token."""

    id: int
    kind: str
    queue: str
    payload: dict[str, Any]
    attempt: int
    max_attempts: int
    correlation_id: str | None = None

    @classmethod
    def from_claim(cls, row: dict[str, Any]) -> Job:
        return cls(
            id=int(row["id"]),
            kind=row["job_kind"],
            queue=row["queue_name"],
            payload=row.get("payload") or {},
            attempt=int(row["attempt"]),
            max_attempts=int(row["max_attempts"]),
            correlation_id=row.get("correlation_id"),
        )


@dataclass
class ExecutorStats:
    claimed: int = 0
    succeeded: int = 0
    failed: int = 0
    released: int = 0
    refused: int = 0  # outcomes the database refused (the lease was lost: someone else runs it now)
    reconnects: int = 0
    started: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class Outcome:
    job: Job
    ok: bool
    result: Any = None
    error: str = ""


def describe(exc: BaseException) -> str:
    """``module.Class: message`` then the traceback, as the Django worker reports failures."""
    cls = type(exc)
    return f"{cls.__module__}.{cls.__qualname__}: {exc}\n" + "".join(traceback.format_exception(exc))


class Executor:
    """Works the jobs of ``executor_class`` on ``queues`` (None: every queue) with ``handler``."""

    def __init__(
        self,
        dsn: str,
        *,
        executor: str,
        executor_class: str,
        executor_kind: str,
        handler: Handler,
        kinds: Sequence[str] | None = None,
        queues: Sequence[str] | None = None,
        batch_size: int = 10,
        lease_seconds: int = 60,
        poll_interval: float = 5.0,
        heartbeat_seconds: float = 15.0,
        max_jobs: int | None = None,
        connect_timeout: int = 10,
    ) -> None:
        if batch_size < 1 or lease_seconds < 10 or poll_interval <= 0:
            raise ValueError("batch_size must be >= 1, lease_seconds >= 10 and poll_interval > 0")
        self.dsn = dsn
        self.executor = executor
        self.executor_class = executor_class
        self.executor_kind = executor_kind
        self.handler = handler
        self.kinds = list(kinds) if kinds else None
        self.queues = list(queues) if queues else None
        self.batch_size = batch_size
        self.lease_seconds = lease_seconds
        self.poll_interval = poll_interval
        self.heartbeat_seconds = heartbeat_seconds
        self.max_jobs = max_jobs
        self.connect_timeout = connect_timeout
        self.stats = ExecutorStats()
        self.stopping = threading.Event()
        self.held: dict[int, int] = {}  # job id -> attempt, for the keeper
        self.held_lock = threading.Lock()
        self.unreported: list[Outcome] = []
        self.reconnect = Reconnect(f"executor {executor}", logger, sleep=self.stopping.wait)
        self.conn: psycopg.Connection | None = None
        self.listener: psycopg.Connection | None = None

    # -- connections ---------------------------------------------------------
    def connect(self) -> psycopg.Connection:
        return psycopg.connect(
            self.dsn,
            autocommit=True,
            connect_timeout=self.connect_timeout,
            keepalives=1,
            keepalives_idle=10,
            keepalives_interval=5,
            keepalives_count=3,
            application_name=f"queuegov_executor:{self.executor}"[:63],
        )

    def call(self, statement: str, params: Sequence[Any], conn: psycopg.Connection | None = None) -> Any:
        """One SQL API call on the main connection (opened when missing); its jsonb answer."""
        if conn is None:
            if self.conn is None or self.conn.closed:
                self.conn = self.connect()
            conn = self.conn
        return conn.execute(statement, params).fetchone()[0]

    def drop(self) -> None:
        for conn in (self.conn, self.listener):
            if conn is not None:
                conn.close()
        self.conn = self.listener = None

    # -- the loop ------------------------------------------------------------
    def run(self) -> ExecutorStats:
        """Work until SIGTERM/SIGINT, ``stop()`` or ``max_jobs``; returns the counts."""
        keeper = threading.Thread(target=self._keep, name="lease-keeper", daemon=True)
        keeper.start()
        try:
            while not self.stopping.is_set() and not self._done():
                try:
                    self._deliver()
                    jobs = self._claim()
                    self.reconnect.succeeded()
                except Exception as exc:
                    self._lost(exc)
                    continue
                if jobs is None:
                    self._wait()
                    continue
                self._work(jobs)
            self._deliver_until_stopped()
        finally:
            self.stopping.set()
            keeper.join(timeout=self.lease_seconds)
            self.drop()
        return self.stats

    def stop(self) -> None:
        self.stopping.set()

    @contextmanager
    def signals(self) -> Iterator[None]:
        """SIGTERM/SIGINT stop the executor gracefully (main thread only)."""
        previous = {sig: signal.signal(sig, lambda *_: self.stop()) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _done(self) -> bool:
        return self.max_jobs is not None and self.stats.claimed >= self.max_jobs

    def _claim(self) -> list[Job] | None:
        size = self.batch_size
        if self.max_jobs is not None:
            size = min(size, self.max_jobs - self.stats.claimed)
        answer = self.call(
            "SELECT fn_job_claim(%s, %s::text[], %s, %s, %s, %s::text[])",
            [self.executor, self.queues, size, self.lease_seconds, self.executor_class, self.kinds],
        )
        if answer.get("status") != "claimed" or not answer.get("jobs"):
            return None
        jobs = [Job.from_claim(row) for row in answer["jobs"]]
        self.stats.claimed += len(jobs)
        with self.held_lock:
            self.held.update({job.id: job.attempt for job in jobs})
        return jobs

    def _work(self, jobs: list[Job]) -> None:
        for i, job in enumerate(jobs):
            if self.stopping.is_set():
                self._release(jobs[i:])
                return
            try:
                result = self.handler(job)
                json.dumps(result, allow_nan=False)  # jsonb has no NaN/Infinity, no arbitrary objects
                outcome = Outcome(job, ok=True, result=result)
            except Exception as exc:
                outcome = Outcome(job, ok=False, error=describe(exc))
            self.unreported.append(outcome)
            try:
                self._deliver()
            except Exception as exc:
                self._lost(exc)

    def _deliver(self) -> None:
        """Report every outcome not yet reported (fenced by its attempt); stop at a lost connection."""
        while self.unreported:
            outcome = self.unreported[0]
            job = outcome.job
            if outcome.ok:
                try:
                    answer = self.call(
                        "SELECT fn_job_ack_many(%s, ARRAY[%s]::bigint[], ARRAY[%s]::integer[], %s::jsonb[])",
                        [
                            self.executor,
                            job.id,
                            job.attempt,
                            None if outcome.result is None else [json.dumps(outcome.result)],
                        ],
                    )
                except psycopg.Error as exc:
                    if is_connection_error(exc) or is_transient_error(exc):
                        raise
                    # The database refused the result (payload rules): that attempt fails, by name.
                    self.unreported[0] = Outcome(job, ok=False, error=describe(exc))
                    continue
                # A repeat after a lost connection finds its first delivery applied ("already").
                done = answer.get("acked") == 1 or any(
                    r.get("already") == "succeeded" for r in answer.get("refused", [])
                )
            else:
                answer = self.call(
                    "SELECT fn_job_fail_or_retry(%s, %s, %s, %s)", [job.id, self.executor, outcome.error, job.attempt]
                )
                done = answer.get("status") != "refused" or answer.get("already") == "failed"
            self.unreported.pop(0)
            with self.held_lock:
                self.held.pop(job.id, None)
            if done:
                self.stats.succeeded += outcome.ok
                self.stats.failed += not outcome.ok
            else:
                self.stats.refused += 1
                logger.warning(
                    "executor %s: job %s attempt %s was refused: %s", self.executor, job.id, job.attempt, answer
                )

    def _release(self, jobs: list[Job]) -> None:
        try:
            self.call(
                "SELECT fn_job_release_many(%s, %s::bigint[], %s::integer[])",
                [self.executor, [j.id for j in jobs], [j.attempt for j in jobs]],
            )
            self.stats.released += len(jobs)
        except Exception as exc:  # their leases expire and the reaper requeues them
            logger.warning("executor %s: could not give back %d jobs: %s", self.executor, len(jobs), exc)
        with self.held_lock:
            for job in jobs:
                self.held.pop(job.id, None)

    def _deliver_until_stopped(self) -> None:
        """At shutdown, try for one lease's time to report what finished."""
        deadline = time.monotonic() + self.lease_seconds
        while self.unreported and time.monotonic() < deadline:
            try:
                self._deliver()
            except Exception as exc:
                if not (is_connection_error(exc) or is_transient_error(exc)):
                    raise
                self.drop()
                time.sleep(self.reconnect.delay())

    def _lost(self, exc: Exception) -> None:
        if not (is_connection_error(exc) or is_transient_error(exc)):
            raise exc
        self.reconnect.failed(exc)
        self.stats.reconnects += 1
        self.drop()
        self.stopping.wait(self.reconnect.delay())

    def _wait(self) -> None:
        """Until a NOTIFY on one of the queues (when they are named) or the poll interval."""
        if not self.queues:
            self.stopping.wait(self.poll_interval)
            return
        try:
            if self.listener is None or self.listener.closed:
                self.listener = self.connect()
                for queue in self.queues:
                    self.listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(f"queue_wake_{queue}")))
            deadline = time.monotonic() + self.poll_interval
            while not self.stopping.is_set() and time.monotonic() < deadline:
                slice_ = min(0.5, max(deadline - time.monotonic(), 0.0))
                if any(True for _ in self.listener.notifies(timeout=slice_, stop_after=1)):
                    return
        except Exception as exc:
            self._lost(exc)

    # -- the keeper thread -----------------------------------------------------
    def _keep(self) -> None:
        """Extend held leases every third of a lease; beat every ``heartbeat_seconds``."""
        conn: psycopg.Connection | None = None
        next_beat = 0.0
        interval = self.lease_seconds / 3
        while not self.stopping.wait(0 if next_beat == 0 else min(interval, self.heartbeat_seconds)):
            try:
                conn = conn if conn is not None and not conn.closed else self.connect()
                with self.held_lock:
                    held = dict(self.held)
                if held:
                    answer = self.call(
                        "SELECT fn_job_heartbeat_many(%s, %s::bigint[], %s::integer[], %s)",
                        [self.executor, list(held), list(held.values()), self.lease_seconds],
                        conn,
                    )
                    if answer.get("lost"):
                        logger.warning("executor %s: leases lost: %s", self.executor, answer["lost"])
                if time.monotonic() >= next_beat:
                    meta = {"class": self.executor_class, "kinds": self.kinds, "queues": self.queues, "held": len(held)}
                    self.call(
                        "SELECT fn_queue_heartbeat_tick(%s, %s, %s::jsonb)",
                        [self.executor, self.executor_kind, json.dumps(meta)],
                        conn,
                    )
                    next_beat = time.monotonic() + self.heartbeat_seconds
            except Exception as exc:  # the keeper outlives every error; the next round reconnects
                logger.warning("executor %s: keeper: %s", self.executor, str(exc).splitlines()[0] if str(exc) else exc)
                if conn is not None:
                    conn.close()
                conn = None
        if conn is not None:
            conn.close()
