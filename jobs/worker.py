"""The queuegov job worker: claim in batches, run handlers, ack in batches.

Correctness first: every finish is fenced by (worker id, attempt) in SQL, so
a worker whose lease was reaped can never overwrite the new attempt. Then
speed: one round trip and one commit per batch (the fenced ack of the batch
just run travels with the claim of the next, fn_job_ack_many_and_claim, in
the worker's actor context), leases extended for the whole batch at once by
a keeper thread, LISTEN/NOTIFY wake-ups with a polling fallback, and Django's
connection kept (its health check runs before an idle wait, not per batch).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections, connection, connections

from jobs import db
from jobs.models import Consumer, QueueState
from jobs.registry import JobContext, resolve
from queuegov.actor import Actor

logger = logging.getLogger(__name__)

TASK_KIND_PREFIX = "task:"


@dataclass
class Outcome:
    job: dict[str, Any]
    ok: bool
    result: Any = None
    error: str | None = None


@dataclass
class WorkerStats:
    claimed: int = 0
    succeeded: int = 0
    failed: int = 0
    refused: int = 0
    released: int = 0
    gate_closed: bool = False
    started: float = field(default_factory=time.monotonic)

    def as_dict(self) -> dict[str, Any]:
        return {
            "claimed": self.claimed,
            "succeeded": self.succeeded,
            "failed": self.failed,
            "refused": self.refused,
            "released": self.released,
            "gate_closed": self.gate_closed,
            "seconds": round(time.monotonic() - self.started, 3),
        }


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def describe_exception(exc: BaseException) -> str:
    """``module.Class: message`` then the traceback (read back by the tasks backend)."""
    cls = type(exc)
    head = f"{cls.__module__}.{cls.__qualname__}: {exc}"
    return head + "\n" + "".join(traceback.format_exception(exc))


def plain_connection(autocommit: bool = True) -> psycopg.Connection:
    """A psycopg connection to Django's database, owned by one thread."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params, autocommit=autocommit)


class LeaseKeeper(threading.Thread):
    """Extends the leases of every held job in one call, and beats the executor heartbeat."""

    def __init__(self, worker: Worker) -> None:
        super().__init__(name="lease-keeper", daemon=True)
        self.worker = worker
        self.held: dict[int, int] = {}
        self.lost: set[int] = set()
        self.lock = threading.Lock()
        self.stopped = threading.Event()

    def add(self, jobs: list[dict[str, Any]]) -> None:
        with self.lock:
            for job in jobs:
                self.held[job["id"]] = job["attempt"]

    def remove(self, job_ids: list[int]) -> None:
        with self.lock:
            for job_id in job_ids:
                self.held.pop(job_id, None)
                self.lost.discard(job_id)

    def stop(self) -> None:
        self.stopped.set()

    def run(self) -> None:
        w = self.worker
        interval = max(w.lease_seconds / 3, 0.5)
        next_beat = 0.0
        conn: psycopg.Connection | None = None
        while not self.stopped.wait(min(interval, w.heartbeat_seconds) if conn else 0):
            try:
                conn = conn or plain_connection()
                with self.lock:
                    ids = list(self.held)
                if ids:
                    answer = db.heartbeat_many(conn, w.worker_id, ids, w.lease_seconds)
                    lost = set(answer.get("lost", []))
                    if lost:
                        logger.warning("worker %s lost the lease of jobs %s", w.worker_id, sorted(lost))
                        with self.lock:
                            self.lost |= lost
                if time.monotonic() >= next_beat:
                    db.executor_heartbeat(conn, w.worker_id, "PG_worker", w.heartbeat_meta())
                    next_beat = time.monotonic() + w.heartbeat_seconds
            except psycopg.Error:
                logger.exception("lease keeper of %s: database error; reconnecting", w.worker_id)
                if conn is not None:
                    conn.close()
                conn = None
        if conn is not None:
            conn.close()


class Listener:
    """LISTEN queue_wake_<queue> on a dedicated autocommit connection."""

    def __init__(self, queues: list[str]) -> None:
        self.conn = plain_connection()
        for queue in queues:
            self.conn.execute(psycopg.sql.SQL("LISTEN {}").format(psycopg.sql.Identifier(f"queue_wake_{queue}")))

    def wait(self, timeout: float) -> bool:
        """Block until a wake-up or ``timeout``; True if woken. Drains a backlog."""
        woke = False
        for _ in self.conn.notifies(timeout=timeout, stop_after=1):
            woke = True
        if woke:
            for _ in self.conn.notifies(timeout=0.0):
                pass
        return woke

    def close(self) -> None:
        self.conn.close()


class Worker:
    def __init__(
        self,
        *,
        queues: list[str] | None = None,
        concurrency: int = 1,
        batch_size: int | None = None,
        lease_seconds: int = 60,
        poll_interval: float = 1.0,
        max_jobs: int | None = None,
        once: bool = False,
        listen: bool = True,
        worker_id: str | None = None,
        heartbeat_seconds: float = 15.0,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if lease_seconds < 2:
            raise ValueError("lease_seconds must be at least 2")
        self.queues = queues or None
        self.concurrency = concurrency
        self.batch_size = batch_size or max(50, concurrency)
        self.lease_seconds = lease_seconds
        self.poll_interval = poll_interval
        self.max_jobs = max_jobs
        self.once = once
        self.listen = listen
        self.worker_id = worker_id or default_worker_id()
        self.heartbeat_seconds = heartbeat_seconds
        self.actor = Actor.for_worker(self.worker_id)
        self.stats = WorkerStats()
        self.stopping = threading.Event()
        self._handler_refs: dict[str, str] = {}
        self._refs_loaded = 0.0
        self._gate_logged = False
        self._next_upkeep = 0.0

    # -- lifecycle ---------------------------------------------------------
    def request_stop(self, *_: Any) -> None:
        if not self.stopping.is_set():
            logger.info("worker %s: stopping (finishing what it holds)", self.worker_id)
        self.stopping.set()

    def heartbeat_meta(self) -> dict[str, Any]:
        return {
            "queues": self.queues or ["*"],
            "concurrency": self.concurrency,
            "pid": os.getpid(),
            **{k: v for k, v in self.stats.as_dict().items() if k in ("claimed", "succeeded", "failed")},
        }

    @contextmanager
    def _signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self.request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def run(self) -> WorkerStats:
        keeper = LeaseKeeper(self)
        keeper.start()
        listener = Listener(self._listen_queues()) if self.listen and not self.once else None
        pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="job") if self.concurrency > 1 else None
        self.keeper = keeper
        try:
            with self._signals():
                self._loop(pool, listener)
        finally:
            keeper.stop()
            keeper.join(timeout=5)
            if pool is not None:
                self._close_pool_connections(pool)
                pool.shutdown(wait=True)
            if listener is not None:
                listener.close()
        return self.stats

    def _close_pool_connections(self, pool: ThreadPoolExecutor) -> None:
        """Each pool thread closes its own Django connections (a barrier puts one task on each)."""
        barrier = threading.Barrier(self.concurrency)

        def close_own() -> None:
            try:
                barrier.wait(timeout=5)
            except threading.BrokenBarrierError:
                pass
            connections.close_all()

        for _ in range(self.concurrency):
            pool.submit(close_own)

    def _listen_queues(self) -> list[str]:
        return self.queues or list(QueueState.objects.values_list("queue_name", flat=True))

    def _remaining(self) -> int | None:
        if self.max_jobs is None:
            return None
        return self.max_jobs - self.stats.claimed

    # -- the loop ----------------------------------------------------------
    # One round trip and one commit per batch: the acks of the batch just run and
    # the claim of the next travel together (fn_job_ack_many_and_claim), with the
    # worker's actor set in the same implicit transaction (db._call).
    def _loop(self, pool: ThreadPoolExecutor | None, listener: Listener | None) -> None:
        in_flight: dict[Future[Outcome], dict[str, Any]] = {}
        finished: list[Outcome] = []
        woke = False
        while True:
            if not woke:
                self._tend_connection(idle=False)
            woke = False
            remaining = self._remaining()
            can_claim = not self.stopping.is_set() and (remaining is None or remaining > 0)
            free = self.concurrency - len(in_flight) if pool else self.batch_size
            size = 0
            if can_claim and free > 0:
                size = min(self.batch_size, free, self.batch_size if remaining is None else remaining)
            claimed = self._settle(finished, size)
            finished = []
            if pool is None:
                if claimed:
                    finished = self._run_inline(claimed)
            else:
                for job in claimed:
                    in_flight[pool.submit(self._execute_in_thread, job)] = job
                if in_flight:
                    done, _ = wait(list(in_flight), timeout=0.05 if claimed else 0.2, return_when=FIRST_COMPLETED)
                    for f in done:
                        in_flight.pop(f)
                    finished = [f.result() for f in done]
            if claimed or in_flight or finished:
                continue
            if self.stopping.is_set() or (remaining is not None and remaining <= 0) or self.once:
                return
            self._tend_connection(idle=True)
            if listener is not None:
                listener.wait(self.poll_interval)
            else:
                self.stopping.wait(self.poll_interval)
            woke = True

    def _tend_connection(self, idle: bool) -> None:
        """Django's per-request connection upkeep (``close_old_connections``).

        Its health check is a round trip, so while busy it runs at most once a second,
        and before an idle wait it runs at once: a wake-up then claims without one.
        """
        now = time.monotonic()
        dirty = connection.connection is not None and not connection.get_autocommit()  # a handler left a transaction
        if idle or dirty or now >= self._next_upkeep:
            close_old_connections()
            if idle:
                connection.close_if_health_check_failed()
            self._next_upkeep = now + 1.0

    def _settle(self, outcomes: list[Outcome], size: int) -> list[dict[str, Any]]:
        """Report ``outcomes`` and claim up to ``size`` jobs; the claimed jobs."""
        done = [o for o in outcomes if o.ok]
        for o in outcomes:
            if not o.ok:
                self._fail(o)
        answer: dict[str, Any] | None = None
        if done and size:
            try:
                both = db.ack_many_and_claim(
                    self.worker_id,
                    [o.job["id"] for o in done],
                    [o.job["attempt"] for o in done],
                    [o.result for o in done],
                    self.queues,
                    size,
                    self.lease_seconds,
                    actor=self.actor,
                )
            except DatabaseError:
                # Nothing of it was committed: ack on its own (it raises if the ack was the
                # problem), so a claim problem never costs finished work; claim next time.
                logger.exception("worker %s: ack and claim failed; acking alone", self.worker_id)
                self._ack_safely(done)
            else:
                self._ack(done, both["ack"])
                answer = both["claim"]
        elif done:
            self._ack_safely(done)
        elif size:
            answer = self._claim_only(size)
        if outcomes:
            self.keeper.remove([o.job["id"] for o in outcomes])
        return self._claimed(answer) if answer is not None else []

    def _claim_only(self, size: int) -> dict[str, Any]:
        try:
            return db.claim(self.worker_id, self.queues, size, self.lease_seconds, actor=self.actor)
        except (OperationalError, InterfaceError):
            # The connection may have died while idle (it is checked before, not after, a wait).
            logger.warning("worker %s: database connection lost; reconnecting", self.worker_id)
            connection.close()
            return db.claim(self.worker_id, self.queues, size, self.lease_seconds, actor=self.actor)

    def _claimed(self, answer: dict[str, Any]) -> list[dict[str, Any]]:
        if answer.get("status") == "gate_closed":
            self.stats.gate_closed = True
            if not self._gate_logged:
                logger.info("worker %s: gate %s is closed; not claiming", self.worker_id, answer.get("gate"))
                self._gate_logged = True
            return []
        self._gate_logged = False
        jobs = answer.get("jobs", [])
        self.stats.claimed += len(jobs)
        if jobs:
            self.keeper.add(jobs)
        return jobs

    def _ack_args(self, done: list[Outcome]) -> tuple[str, list[int], list[int], list[Any]]:
        return (
            self.worker_id,
            [o.job["id"] for o in done],
            [o.job["attempt"] for o in done],
            [o.result for o in done],
        )

    def _ack_safely(self, done: list[Outcome]) -> None:
        """Ack a batch; if the database refuses it (e.g. a result with a prohibited key or
        over the size cap), ack job by job and fail just the jobs it refuses."""
        try:
            self._ack(done, db.ack_many(*self._ack_args(done), actor=self.actor))
            return
        except DatabaseError:
            if len(done) == 1:
                self._refused_result(done[0])
                return
        for o in done:
            try:
                self._ack([o], db.ack_many(*self._ack_args([o]), actor=self.actor))
            except DatabaseError:
                self._refused_result(o)

    def _refused_result(self, o: Outcome) -> None:
        error = sys.exc_info()[1]
        logger.warning("worker %s: result of job %s refused: %s", self.worker_id, o.job["id"], error)
        self._fail(Outcome(o.job, ok=False, error=f"result refused by the database: {error}"))

    def _ack(self, done: list[Outcome], answer: dict[str, Any]) -> None:
        refused = answer.get("refused", [])
        self.stats.succeeded += answer.get("acked", 0)
        self.stats.refused += len(refused)
        for r in refused:
            logger.warning("worker %s: ack refused: %s", self.worker_id, r.get("reason"))

    def _fail(self, o: Outcome) -> None:
        answer = db.fail_or_retry(o.job["id"], self.worker_id, o.error or "failed", o.job["attempt"], actor=self.actor)
        if answer.get("status") == "refused":
            self.stats.refused += 1
            logger.warning("worker %s: failure report refused: %s", self.worker_id, answer.get("reason"))
        else:
            self.stats.failed += 1

    def _run_inline(self, jobs: list[dict[str, Any]]) -> list[Outcome]:
        """Run ``jobs`` in this thread; the outcomes (reported by the next ``_settle``)."""
        outcomes: list[Outcome] = []
        unstarted: list[int] = []
        refs = self._refs()
        for job in jobs:
            if self.stopping.is_set():
                unstarted.append(job["id"])
                continue
            outcomes.append(self.execute(job, refs))
        if unstarted:
            self._release(unstarted)
        return outcomes

    def _release(self, job_ids: list[int]) -> None:
        answer = db.release_many(self.worker_id, job_ids, actor=self.actor)
        self.stats.released += answer.get("released", 0)
        self.keeper.remove(job_ids)

    # -- running one job ---------------------------------------------------
    def _execute_in_thread(self, job: dict[str, Any]) -> Outcome:
        try:
            return self.execute(job)
        finally:
            close_old_connections()

    def _refs(self) -> dict[str, str]:
        if time.monotonic() - self._refs_loaded > 30:
            self._handler_refs = dict(
                Consumer.objects.filter(status="active", handler_ref__isnull=False).values_list(
                    "job_kind", "handler_ref"
                )
            )
            self._refs_loaded = time.monotonic()
        return self._handler_refs

    def execute(self, job: dict[str, Any], refs: dict[str, str] | None = None) -> Outcome:
        """Run one claimed job; never raises (a failure is an Outcome)."""
        kind = job["job_kind"]
        ctx = JobContext(
            id=job["id"],
            job_kind=kind,
            queue_name=job["queue_name"],
            attempt=job["attempt"],
            max_attempts=job["max_attempts"],
            correlation_id=job.get("correlation_id"),
            worker_id=self.worker_id,
        )
        try:
            if kind.startswith(TASK_KIND_PREFIX):
                from jobs.tasks_backend import run_task_job

                result = run_task_job(job, ctx)
            else:
                result = resolve(kind, self._refs() if refs is None else refs)(job["payload"], ctx)
            if result is not None:
                json.dumps(result, allow_nan=False)  # PostgreSQL jsonb has no NaN/Infinity
        except Exception as exc:  # a handler's failure fails the attempt, never the worker
            return Outcome(job, ok=False, error=describe_exception(exc))
        return Outcome(job, ok=True, result=result)
