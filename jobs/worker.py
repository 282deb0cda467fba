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
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import psycopg
from django.db import DatabaseError, close_old_connections, connection, connections

from jobs import db
from jobs.models import Consumer, QueueState
from jobs.registry import JobContext, UnknownJobKind, resolve, running
from jobs.tasks_backend import TASK_KIND_PREFIX, run_task_job
from queuegov.actor import Actor
from queuegov.gateway import Listener, plain_connection, wake_channel
from queuegov.reconnect import GaveUp, Reconnect, drop_connection, is_connection_error

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass
class Outcome:
    job: dict[str, Any]
    ok: bool
    result: Any = None
    error: str | None = None
    dropped: bool = False  # never started: its lease was lost before its turn


@dataclass
class WorkerStats:
    claimed: int = 0
    succeeded: int = 0
    failed: int = 0
    refused: int = 0
    released: int = 0
    dropped: int = 0
    gate_closed: bool = False
    started: float = field(default_factory=time.monotonic)

    def as_dict(self) -> dict[str, Any]:
        return {
            "claimed": self.claimed,
            "succeeded": self.succeeded,
            "failed": self.failed,
            "refused": self.refused,
            "released": self.released,
            "dropped": self.dropped,
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


class PendingOutcomes:
    """Finished jobs not yet reported, and since when the oldest has waited.

    The worker's loop reports them with its next claim (one round trip); the lease
    keeper reports them sooner if they wait longer than ``ack_delay``, so a killed
    worker re-runs only what finished in the last moments.
    """

    def __init__(self) -> None:
        self.items: list[Outcome] = []
        self.oldest: float | None = None
        self.lock = threading.Lock()
        self.arrived = threading.Event()  # wakes the keeper: the first outcome arrived
        self.armed = False  # the keeper will look again within ack_delay anyway: no need to wake it
        self.last_arrival: float | None = None

    def put(self, outcome: Outcome) -> None:
        with self.lock:
            if not self.items:
                self.oldest = self.last_arrival = time.monotonic()
                if not self.armed:
                    self.arrived.set()
            self.items.append(outcome)

    def arm(self, ack_delay: float) -> float | None:
        """The keeper's next look: when the oldest outcome's ack delay runs out; while outcomes keep
        arriving (a busy drain whose loop reports every batch itself), every ``ack_delay``; or None
        when the worker is idle (then the next outcome to arrive wakes it). Waking the keeper per
        batch instead costs a busy drain a thread switch per batch."""
        with self.lock:
            now = time.monotonic()
            if self.oldest is not None:
                self.armed = True
                return ack_delay - (now - self.oldest)
            self.armed = self.last_arrival is not None and now - self.last_arrival < ack_delay
            return ack_delay if self.armed else None

    def take(self) -> list[Outcome]:
        with self.lock:
            items, self.items, self.oldest = self.items, [], None
        return items

    def waited(self) -> float | None:
        """Seconds the oldest outcome has waited, or None when there is none."""
        with self.lock:
            return None if self.oldest is None else time.monotonic() - self.oldest

    def __bool__(self) -> bool:
        with self.lock:
            return bool(self.items)


class LeaseKeeper(threading.Thread):
    """Extends the leases the worker holds, beats the executor heartbeat, reports late outcomes.

    It knows, per job, until when the lease is known to hold (``valid_until``: the
    start of the last successful extension plus the lease, less a margin). A job
    whose lease the database says is lost, or which is past that time because the
    database could not be reached, is not started (``is_lost``).
    """

    def __init__(self, worker: Worker) -> None:
        super().__init__(name="lease-keeper", daemon=True)
        self.worker = worker
        self.held: dict[int, int] = {}
        self.valid_until: dict[int, float] = {}
        self.lost: set[tuple[int, int]] = set()
        self.reporting: set[tuple[int, int]] = set()  # taken from held, their report not yet answered
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.margin = min(1.0, worker.lease_seconds / 10)
        self.reconnect = Reconnect(f"lease keeper of {worker.worker_id}", logger)

    def add(self, jobs: list[dict[str, Any]], claimed_at: float) -> None:
        until = claimed_at + self.worker.lease_seconds - self.margin
        with self.lock:
            for job in jobs:
                self.held[job["id"]] = job["attempt"]
                self.valid_until[job["id"]] = until
            if self.lost:
                self.lost.difference_update((job["id"], job["attempt"]) for job in jobs)

    def remove(self, pairs: list[tuple[int, int]]) -> None:
        """Stop holding these (job, attempt) pairs; a newer attempt of the same job stays held."""
        with self.lock:
            for job_id, attempt in pairs:
                if self.held.get(job_id) == attempt:
                    del self.held[job_id]
                    self.valid_until.pop(job_id, None)
            if self.lost:
                self.lost.difference_update(pairs)

    def begin_report(self, pairs: list[tuple[int, int]]) -> None:
        """Stop holding pairs about to be reported (neither extended nor reported lost from now on)."""
        self.remove(pairs)
        with self.lock:
            self.reporting.update(pairs)

    def end_report(self, pairs: list[tuple[int, int]]) -> None:
        with self.lock:
            self.reporting.difference_update(pairs)

    def being_reported(self) -> set[tuple[int, int]]:
        with self.lock:
            return set(self.reporting)

    def mark_lost(self, pairs: list[tuple[int, int]]) -> None:
        with self.lock:
            self.lost.update(p for p in pairs if self.held.get(p[0]) == p[1])

    def is_lost(self, job: dict[str, Any]) -> bool:
        """True unless this worker still holds the job's attempt and can vouch for its lease.

        Asked before every job, so it reads without the lock: each dict or set lookup is
        atomic, and a change racing with it is seen by the next job's check.
        """
        job_id, attempt = job["id"], job["attempt"]
        if self.held.get(job_id) != attempt or (self.lost and (job_id, attempt) in self.lost):
            return True
        return time.monotonic() >= self.valid_until.get(job_id, 0.0)

    def holding(self) -> dict[int, int]:
        with self.lock:
            return dict(self.held)

    def stop(self) -> None:
        self.stopped.set()
        self.worker.pending.arrived.set()

    def run(self) -> None:
        w = self.worker
        interval = min(max(w.lease_seconds / 3, 0.5), w.heartbeat_seconds)
        next_beat = next_extend = 0.0
        conn: psycopg.Connection | None = None
        wait = 0.0
        try:
            while True:
                # Sleep until a lease extension is due or an outcome's ack delay runs out; the
                # first outcome to arrive (and stop()) wakes it, so a short delay is kept
                # whatever the lease.
                w.pending.arrived.wait(wait)
                w.pending.arrived.clear()
                if self.stopped.is_set():
                    return
                try:
                    conn = conn or plain_connection()
                    now = time.monotonic()
                    if now >= next_extend:
                        self._extend(conn)
                        next_extend = now + interval
                    if time.monotonic() >= next_beat:
                        db.executor_heartbeat(conn, w.worker_id, "PG_worker", w.heartbeat_meta())
                        next_beat = time.monotonic() + w.heartbeat_seconds
                    waited = w.pending.waited()
                    if waited is not None and waited >= w.ack_delay:
                        w.report(w.pending.take())
                    self.reconnect.succeeded()
                except GaveUp:
                    return
                except Exception as exc:  # the keeper outlives any error; the worker relies on it
                    if isinstance(exc, DatabaseError | psycopg.Error) and is_connection_error(exc):
                        if not self.reconnect.in_outage:
                            w.recheck_needed.set()
                        self.reconnect.failed(exc)
                    else:
                        logger.warning("lease keeper of %s: %s: %s", w.worker_id, type(exc).__name__, exc)
                    if conn is not None:
                        conn.close()
                    conn = None
                    wait = self.reconnect.delay()
                    continue
                until_extend = min(next_extend, next_beat) - time.monotonic()
                until_due = w.pending.arm(w.ack_delay)
                wait = max(0.0, until_extend if until_due is None else min(until_extend, until_due))
        finally:
            if conn is not None:
                conn.close()
            connections.close_all()

    def _extend(self, conn: psycopg.Connection) -> None:
        w = self.worker
        pairs = self.holding()
        if not pairs:
            return
        started = time.monotonic()
        answer = db.heartbeat_many(conn, w.worker_id, list(pairs), list(pairs.values()), w.lease_seconds)
        until = started + w.lease_seconds - self.margin
        with self.lock:
            for job_id in answer.get("extended", []):
                if self.held.get(job_id) == pairs.get(job_id):
                    self.valid_until[job_id] = until
            # Only attempts still held: the worker stops holding a job before it reports it.
            still = [(i, pairs[i]) for i in answer.get("lost", []) if i in pairs and self.held.get(i) == pairs[i]]
            newly = sorted(p for p in still if p not in self.lost)
            self.lost.update(newly)
        if newly:
            logger.warning("worker %s lost the lease of jobs %s", w.worker_id, [i for i, _ in newly])


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
        ack_delay: float = 0.1,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if lease_seconds < 2:
            raise ValueError("lease_seconds must be at least 2")
        if not 0 <= ack_delay <= lease_seconds / 3:
            raise ValueError("ack_delay must be between 0 and a third of lease_seconds")
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
        self.ack_delay = ack_delay
        self.actor = Actor.for_worker(self.worker_id)
        self.stats = WorkerStats()
        self.stats_lock = threading.Lock()
        self.stopping = threading.Event()
        self.pending = PendingOutcomes()
        self.recheck_needed = threading.Event()
        self._local = threading.local()
        self._handler_refs: dict[str, str] = {}
        self._kinds: list[str] = []
        self._unrunnable: set[str] = set()
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
            "class": db.PYTHON_WORKER_CLASS,
            "queues": self.queues or ["*"],
            # the kinds it claims, once read (docs/executors.md, "Orphaned work")
            **({"kinds": self._kinds} if self._refs_loaded else {}),
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
        self.keeper = keeper
        listener = None
        pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="job") if self.concurrency > 1 else None
        try:
            with self._signals():
                keeper.start()
                if self.listen and not self.once:
                    listener = Listener([wake_channel(q) for q in self._db(self._listen_queues)])
                    self._db(listener.connect)  # LISTEN before the first claim: no wake-up is missed
                self._loop(pool, listener)
                self._settle(0)  # what finished last
        except GaveUp as exc:
            logger.error(
                "worker %s: %s; results not delivered are re-run once their leases expire", self.worker_id, exc
            )
        finally:
            keeper.stop()
            # What the keeper took to report gets as long as the worker's own reports (one lease).
            keeper.join(timeout=self.lease_seconds + 5)
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

    # -- the database, across lost connections -------------------------------
    def _reconnect(self) -> Reconnect:
        """This thread's outage state (each thread has its own Django connection)."""
        rc = getattr(self._local, "reconnect", None)
        if rc is None:
            rc = self._local.reconnect = Reconnect(f"worker {self.worker_id}", logger)
        return rc

    def _db(self, op: Callable[[], T]) -> T:
        """``op()`` on this thread's Django connection, retried across connection loss.

        A running worker never gives up; a stopping one (or ``--once``) gives up once
        the outage outlasts a lease, when what it holds would be re-run anyway. After
        an outage the worker re-checks which leases it still holds.
        """
        rc = self._reconnect()
        outages = rc.outages

        keeper = getattr(self, "keeper", None)

        def give_up() -> bool:
            stopping = self.stopping.is_set() or self.once or (keeper is not None and keeper.stopped.is_set())
            started = rc.outage_started
            return stopping and started is not None and time.monotonic() - started > self.lease_seconds

        try:
            return rc.call(op, reset=drop_connection, give_up=give_up)
        finally:
            if rc.outages != outages:
                self.recheck_needed.set()

    def _recheck_leases(self) -> None:
        """After an outage: drop what the database no longer leases to this worker, give back what
        it leases that this worker does not know it holds (a claim whose answer was lost)."""
        self.recheck_needed.clear()
        leases = {row["id"]: row["attempt"] for row in self._db(lambda: db.leases(self.worker_id, actor=self.actor))}
        held = self.keeper.holding()
        reporting = self.keeper.being_reported()
        lost = sorted((i, attempt) for i, attempt in held.items() if leases.get(i) != attempt)
        orphans = {i: a for i, a in leases.items() if held.get(i) != a and (i, a) not in reporting}
        if lost:
            self.keeper.mark_lost(lost)
            logger.warning(
                "worker %s: after reconnecting, no longer holds the leases of jobs %s",
                self.worker_id,
                [i for i, _ in lost],
            )
        if orphans:
            answer = self._db(
                lambda: db.release_many(self.worker_id, list(orphans), list(orphans.values()), actor=self.actor)
            )
            self._count(released=answer.get("released", 0))
            logger.warning(
                "worker %s: gave back jobs %s claimed while the connection was lost", self.worker_id, sorted(orphans)
            )

    # -- the loop ----------------------------------------------------------
    # One round trip and one commit per batch: the acks of the batch just run and
    # the claim of the next travel together (fn_job_ack_many_and_claim), with the
    # worker's actor set in the same implicit transaction (db._call).
    def _loop(self, pool: ThreadPoolExecutor | None, listener: Listener | None) -> None:
        in_flight: dict[Future[Outcome], dict[str, Any]] = {}
        woke = False
        while True:
            if self.recheck_needed.is_set():
                self._recheck_leases()
            if not woke:
                self._tend_connection(idle=False)
            woke = False
            remaining = self._remaining()
            can_claim = not self.stopping.is_set() and (remaining is None or remaining > 0)
            free = self.concurrency - len(in_flight) if pool else self.batch_size
            size = 0
            if can_claim and free > 0:
                size = min(self.batch_size, free, self.batch_size if remaining is None else remaining)
            claimed = self._settle(size)
            if self.recheck_needed.is_set():
                self._recheck_leases()  # before running a batch claimed across an outage
            if pool is None:
                if claimed:
                    self._run_inline(claimed)
            else:
                refs = self._refs() if claimed else {}
                for job in claimed:
                    in_flight[pool.submit(self._execute_in_thread, job, refs)] = job
                if in_flight:
                    done, _ = wait(list(in_flight), timeout=0.05 if claimed else 0.2, return_when=FIRST_COMPLETED)
                    for f in done:
                        in_flight.pop(f)
                        self.pending.put(f.result())
            if claimed or in_flight or self.pending:
                continue
            if self.stopping.is_set() or (remaining is not None and remaining <= 0) or self.once:
                return
            self._idle_wait(listener)
            woke = True

    def _idle_wait(self, listener: Listener | None) -> None:
        self._tend_connection(idle=True)
        if listener is None:
            self.stopping.wait(self.poll_interval)
            return
        rc = self._reconnect()
        try:
            listener.wait(self.poll_interval)
        except psycopg.Error as exc:
            if not is_connection_error(exc):
                raise
            rc.failed(exc)
            listener.close()
            # Back to the loop: its claim reconnects (with backoff) and the next wait re-LISTENs.
            self.recheck_needed.set()
            self.stopping.wait(rc.delay())
        else:
            rc.succeeded()

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

    def _settle(self, size: int) -> list[dict[str, Any]]:
        """Report what finished and claim up to ``size`` jobs; the claimed jobs."""
        answer = self.report(self.pending.take(), size)
        return self._claimed(answer) if answer is not None else []

    def report(self, outcomes: list[Outcome], claim_size: int = 0) -> dict[str, Any] | None:
        """Report ``outcomes`` (and claim ``claim_size`` jobs: the claim answer). Any thread may call it."""
        pairs = [(o.job["id"], o.job["attempt"]) for o in outcomes]
        # Not held from here on (the keeper neither extends nor reports as lost what is being
        # reported), and not an orphan for a concurrent re-check while its report is on the way.
        self.keeper.begin_report(pairs)
        try:
            return self._report(outcomes, claim_size)
        finally:
            self.keeper.end_report(pairs)

    def _report(self, outcomes: list[Outcome], claim_size: int) -> dict[str, Any] | None:
        done = [o for o in outcomes if o.ok]
        for o in outcomes:
            if not o.ok and not o.dropped:
                self._fail(o)
        dropped = [o.job for o in outcomes if o.dropped]
        if dropped:
            self._release(dropped)  # fenced: gives back only what is still leased here
        claimed_at = 0.0
        kinds = self._claim_kinds() if claim_size else None

        def stamped(call: Callable[[], T]) -> T:
            nonlocal claimed_at
            claimed_at = time.monotonic()  # per try: a lease runs from the claim that answered
            return call()

        if done and claim_size:
            try:
                both = self._db(
                    lambda: stamped(
                        lambda: db.ack_many_and_claim(
                            self.worker_id,
                            [o.job["id"] for o in done],
                            [o.job["attempt"] for o in done],
                            [o.result for o in done],
                            self.queues,
                            claim_size,
                            self.lease_seconds,
                            kinds=kinds,
                            actor=self.actor,
                        )
                    )
                )
            except DatabaseError:
                # Nothing of it was committed: ack on its own (it raises if the ack was the
                # problem), so a claim problem never costs finished work; claim next time.
                logger.exception("worker %s: ack and claim failed; acking alone", self.worker_id)
                self._ack_safely(done)
                return None
            self._ack(both["ack"])
            return {**both["claim"], "claimed_at": claimed_at}
        if done:
            self._ack_safely(done)
        if claim_size:
            answer = self._db(
                lambda: stamped(
                    lambda: db.claim(
                        self.worker_id, self.queues, claim_size, self.lease_seconds, kinds=kinds, actor=self.actor
                    )
                )
            )
            return {**answer, "claimed_at": claimed_at}
        return None

    def _claimed(self, answer: dict[str, Any]) -> list[dict[str, Any]]:
        if answer.get("status") == "gate_closed":
            self.stats.gate_closed = True
            if not self._gate_logged:
                logger.info("worker %s: gate %s is closed; not claiming", self.worker_id, answer.get("gate"))
                self._gate_logged = True
            return []
        self._gate_logged = False
        jobs = answer.get("jobs", [])
        self._count(claimed=len(jobs))
        if jobs:
            self.keeper.add(jobs, answer["claimed_at"])
        return jobs

    def _count(self, **deltas: int) -> None:
        with self.stats_lock:
            for name, delta in deltas.items():
                setattr(self.stats, name, getattr(self.stats, name) + delta)

    def _ack_args(self, done: list[Outcome]) -> tuple[str, list[int], list[int], list[Any]]:
        return (
            self.worker_id,
            [o.job["id"] for o in done],
            [o.job["attempt"] for o in done],
            [o.result for o in done],
        )

    def _ack_safely(self, done: list[Outcome]) -> None:
        """Ack a batch; if the database refuses it (e.g. a result with a prohibited key or
        over the size cap), ack job by job and fail just the jobs it refuses. A lost
        connection is not a refusal: the ack is retried (``_db``) until it is delivered."""
        try:
            self._ack(self._db(lambda: db.ack_many(*self._ack_args(done), actor=self.actor)))
            return
        except DatabaseError:
            if len(done) == 1:
                self._refused_result(done[0])
                return
        for o in done:
            try:
                self._ack(self._db(lambda o=o: db.ack_many(*self._ack_args([o]), actor=self.actor)))
            except DatabaseError:
                self._refused_result(o)

    def _refused_result(self, o: Outcome) -> None:
        error = sys.exc_info()[1]
        logger.warning("worker %s: result of job %s refused: %s", self.worker_id, o.job["id"], error)
        self._fail(Outcome(o.job, ok=False, error=f"result refused by the database: {error}"))

    def _ack(self, answer: dict[str, Any]) -> None:
        # An ack repeated after a lost connection finds its first delivery applied ("already").
        refused = [r for r in answer.get("refused", []) if r.get("already") != "succeeded"]
        already = len(answer.get("refused", [])) - len(refused)
        self._count(succeeded=answer.get("acked", 0) + already, refused=len(refused))
        for r in refused:
            logger.warning("worker %s: ack refused: %s", self.worker_id, r.get("reason"))

    def _fail(self, o: Outcome) -> None:
        # PostgreSQL text holds no NUL character; a handler's message may.
        error = (o.error or "failed").replace("\x00", "\\x00")
        answer = self._db(
            lambda: db.fail_or_retry(o.job["id"], self.worker_id, error, o.job["attempt"], actor=self.actor)
        )
        if answer.get("status") == "refused" and answer.get("already") != "failed":
            self._count(refused=1)
            logger.warning("worker %s: failure report refused: %s", self.worker_id, answer.get("reason"))
        else:
            self._count(failed=1)

    def _run_inline(self, jobs: list[dict[str, Any]]) -> None:
        """Run ``jobs`` in this thread; their outcomes wait in ``pending`` (reported by the
        next ``_settle``, or by the lease keeper after ``ack_delay``)."""
        refs = self._refs()
        dropped: list[dict[str, Any]] = []
        for i, job in enumerate(jobs):
            if self.keeper.is_lost(job):
                dropped.append(job)
                continue
            if self.stopping.is_set():
                self._release([j for j in jobs[i:] if not self.keeper.is_lost(j)])
                break
            self.pending.put(self.execute(job, refs))
        if dropped:
            self._drop(dropped)

    def _drop(self, jobs: list[dict[str, Any]]) -> None:
        """Never start claimed jobs whose lease this worker lost or can no longer vouch for; give back
        (fenced) those the database still leases to it."""
        self._count(dropped=len(jobs))
        logger.warning(
            "worker %s: not starting jobs %s: their leases are lost", self.worker_id, [j["id"] for j in jobs]
        )
        self._release(jobs)

    def _release(self, jobs: list[dict[str, Any]]) -> None:
        if not jobs:
            return
        ids, attempts = [j["id"] for j in jobs], [j["attempt"] for j in jobs]
        answer = self._db(lambda: db.release_many(self.worker_id, ids, attempts, actor=self.actor))
        self._count(released=answer.get("released", 0))
        self.keeper.remove(list(zip(ids, attempts, strict=True)))

    # -- running one job ---------------------------------------------------
    def _execute_in_thread(self, job: dict[str, Any], refs: dict[str, str]) -> Outcome:
        try:
            if self.keeper.is_lost(job):
                logger.warning("worker %s: not starting job %s: its lease is lost", self.worker_id, job["id"])
                self._count(dropped=1)
                return Outcome(job, ok=False, dropped=True)  # given back (fenced) when reported
            return self.execute(job, refs)
        finally:
            close_old_connections()

    def _refs(self) -> dict[str, str]:
        if time.monotonic() - self._refs_loaded > 30:
            consumers = self._db(
                lambda: list(
                    Consumer.objects.filter(status="active", executor_class=db.PYTHON_WORKER_CLASS).values_list(
                        "job_kind", "handler_ref"
                    )
                )
            )
            self._handler_refs = {kind: ref for kind, ref in consumers if ref}
            self._kinds = sorted(kind for kind, ref in consumers if self._can_run(kind, ref))
            self._refs_loaded = time.monotonic()
        return self._handler_refs

    def _can_run(self, kind: str, ref: str | None) -> bool:
        """A handler is registered in this process, importable through handler_ref, or it is a django.tasks task."""
        if kind.startswith(TASK_KIND_PREFIX):
            return True
        try:
            resolve(kind, {kind: ref} if ref else {})
        except UnknownJobKind as exc:
            if kind not in self._unrunnable:
                self._unrunnable.add(kind)
                logger.warning("worker %s: not claiming %s: %s", self.worker_id, kind, exc)
            return False
        return True

    def _claim_kinds(self) -> list[str]:
        """The kinds this worker claims: those of its class it has a handler for (docs/executors.md)."""
        self._refs()
        return self._kinds

    def execute(self, job: dict[str, Any], refs: dict[str, str] | None = None) -> Outcome:
        """Run one claimed job; never raises (a failure is an Outcome).

        Any exception a handler raises fails its attempt, ``SystemExit`` and
        ``KeyboardInterrupt`` included: the worker's own shutdown is a signal
        handler setting ``stopping``, never an exception inside a job.
        """
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
            with running(ctx):
                if kind.startswith(TASK_KIND_PREFIX):
                    result = run_task_job(job, ctx)
                else:
                    result = resolve(kind, self._refs() if refs is None else refs)(job["payload"], ctx)
            if result is not None:
                json.dumps(result, allow_nan=False)  # PostgreSQL jsonb has no NaN/Infinity
        except BaseException as exc:  # a job's failure fails the attempt, never the worker
            return Outcome(job, ok=False, error=describe_exception(exc))
        return Outcome(job, ok=True, result=result)
