"""The django.tasks task queue_bench.py's section (e) enqueues (imported by its child process)."""

from __future__ import annotations

from django.tasks import task


@task
def noop(n: int, ref: str) -> None:
    """Does nothing: the enqueue is what is measured."""
