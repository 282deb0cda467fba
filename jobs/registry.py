"""Job handlers by job kind: ``@job_handler("kind")`` or consumer_registry.handler_ref.

A handler is ``handler(payload: dict, job: JobContext) -> dict | None``; its
return value becomes the job's result (a safe payload: references and
metadata, never content).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.utils.module_loading import import_string

from queuegov.actor import Actor

Handler = Callable[[dict[str, Any], "JobContext"], Any]

_HANDLERS: dict[str, Handler] = {}


@dataclass(frozen=True)
class JobContext:
    """What a handler knows about the job it runs."""

    id: int
    job_kind: str
    queue_name: str
    attempt: int
    max_attempts: int
    correlation_id: str | None
    worker_id: str

    @property
    def actor(self) -> Actor:
        """Enter ``actor_context(job.actor)`` for governed acts done by a handler."""
        return Actor.for_worker(self.worker_id)


_RUNNING: ContextVar[JobContext | None] = ContextVar("queuegov_running_job", default=None)


def running_job() -> JobContext:
    """The job whose handler (or django.tasks task) is calling: what a call fenced by the
    job's lease, such as ``workflows.spec.add``, needs without the handler passing it."""
    job = _RUNNING.get()
    if job is None:
        raise LookupError("no job is running here: running_job() answers inside a handler the worker runs")
    return job


@contextmanager
def running(job: JobContext) -> Iterator[None]:
    """Marks ``job`` as the one running in this thread (the worker, around each handler call)."""
    token = _RUNNING.set(job)
    try:
        yield
    finally:
        _RUNNING.reset(token)


class UnknownJobKind(LookupError):
    """No handler is registered for a job kind."""


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    """Register ``func`` as the handler of ``kind``."""

    def register(func: Handler) -> Handler:
        existing = _HANDLERS.get(kind)
        if existing is not None and existing is not func:
            raise ValueError(f"job kind {kind!r} already has handler {existing.__module__}.{existing.__qualname__}")
        _HANDLERS[kind] = func
        return func

    return register


def resolve(kind: str, handler_refs: dict[str, str] | None = None) -> Handler:
    """The handler for ``kind``: registered, else consumer_registry's handler_ref."""
    if kind in _HANDLERS:
        return _HANDLERS[kind]
    ref = (handler_refs or {}).get(kind)
    if ref:
        try:
            handler = import_string(ref)
        except ImportError as exc:
            raise UnknownJobKind(f"handler_ref {ref!r} of job kind {kind!r} cannot be imported: {exc}") from exc
        _HANDLERS[kind] = handler
        return handler
    raise UnknownJobKind(f"unknown_job_kind: no handler registered for job kind {kind!r}")


def registered_kinds() -> list[str]:
    return sorted(_HANDLERS)
