"""Route workers kept running (``route_worker_tick --listen``): a tick on every
NOTIFY of their domains and every interval, surviving a lost connection
(docs/workers.md). The job worker (jobs/worker.py) shares the listener and the
reconnect policy (queuegov.gateway, queuegov.reconnect)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import close_old_connections

from events import db
from queuegov.gateway import Listener, wake_channel
from queuegov.reconnect import GaveUp, Reconnect, drop_connection, is_connection_error

logger = logging.getLogger(__name__)

Tick = Callable[[list[str]], dict[str, Any]]


def run_listening(
    name: str,
    tick: Tick,
    *,
    workers: list[str] | None,
    interval: float,
    stop: threading.Event,
    announce: Callable[[str], None],
    report: Callable[[dict[str, Any]], None],
) -> None:
    """Tick ``workers`` (default: every enabled one) until ``stop``.

    After a tick that processed something it ticks again at once (more may be
    waiting); otherwise it waits for a wake-up in short slices, so SIGTERM is
    honoured promptly, and at most ``interval`` seconds.
    """
    rc = Reconnect(name, logger, sleep=stop.wait)
    try:
        names = rc.call(lambda: workers or db.route_worker_names(), reset=drop_connection, give_up=stop.is_set)
        domains = rc.call(lambda: db.route_worker_domains(names), reset=drop_connection, give_up=stop.is_set)
    except GaveUp:
        return  # stopped before the database came back
    listener = Listener([wake_channel(domain) for domain in domains])
    announce(f"{name}: listening on {', '.join(domains)} for {', '.join(names)}")
    try:
        while not stop.is_set():
            try:
                close_old_connections()
                answer = tick(names)
                rc.succeeded()
                if answer.get("processed"):
                    report(answer)
                    continue
                deadline = time.monotonic() + interval
                while not stop.is_set() and time.monotonic() < deadline:
                    if listener.wait(min(0.5, max(deadline - time.monotonic(), 0.0))):
                        break
            except Exception as exc:
                if not is_connection_error(exc):
                    raise
                rc.failed(exc)
                drop_connection()
                listener.close()  # the next wait re-LISTENs
                stop.wait(rc.delay())
    finally:
        listener.close()


def tick_workers(names: list[str], batch_size: int) -> dict[str, Any]:
    """One fn_iu_route_worker_run per worker; ``gate_closed`` when every one was refused by its gate."""
    results = {worker: db.route_worker_run(worker, batch_size) for worker in names}
    statuses = {r.get("status") for r in results.values()}
    if statuses == {"gate_closed"}:
        return next(iter(results.values()))
    return {
        "status": "ticked",
        "workers": results,
        "processed": sum(r.get("processed", 0) for r in results.values()),
    }
