"""The SQL the operations layer calls, run through the gateway (queuegov.gateway)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from queuegov.gateway import call, dict_rows, rows


def queue_health() -> dict[str, Any]:
    """fn_queue_health(): ``{"healthy", "problems", "rows", "checked_at"}``."""
    return call("SELECT fn_queue_health()")


def metrics_sample(now: datetime | None = None) -> dict[str, Any]:
    """fn_queue_metrics_sample: one row per queue (and ``*``) for the dashboard's charts."""
    return call("SELECT fn_queue_metrics_sample(coalesce(%s, now()))", [now])


def retention(*, apply: bool, batch_size: int, max_batches: int, now: datetime | None = None) -> dict[str, Any]:
    """fn_queue_retention: counts (dry run) or archives and deletes (gate queue.retention.enabled)."""
    return call("SELECT fn_queue_retention(%s, %s, %s, coalesce(%s, now()))", [apply, batch_size, max_batches, now])


def executor_classes() -> list[dict[str, Any]]:
    """Each active executor class with its kinds, its fresh executors (by the class their
    heartbeat names), its running jobs and its ready jobs (capped), for the dashboard."""
    return dict_rows(
        """
        SELECT e.code, e.executor_kind, e.max_concurrency,
               ARRAY(SELECT c.job_kind FROM consumer_registry c
                      WHERE c.executor_class = e.code AND c.status = 'active' ORDER BY 1) AS kinds,
               ARRAY(SELECT h.executor_name FROM queue_heartbeat h
                      WHERE h.meta ->> 'class' = e.code AND h.status = 'fresh' ORDER BY 1) AS live,
               (SELECT count(*) FROM job_queue j WHERE j.executor_class = e.code AND j.status = 'running') AS running,
               fn_capped_count(format('SELECT 1 FROM job_queue WHERE executor_class = %%L AND status = %%L'
                                      ' AND run_at <= now()', e.code, 'queued'), 100000) AS ready
          FROM executor_class_registry e
         WHERE e.status = 'active'
         ORDER BY e.code
        """
    )


def dead_letter_groups(limit: int = 12, sample: int = 10_000) -> list[dict[str, Any]]:
    """Open job dead letters grouped by kind and error class (the error's text before its first
    colon), most first, counted over the newest ``sample`` open ones (job_dead_letter_open)."""
    return dict_rows(
        """
        SELECT job_kind, error_class, count(*) AS open, min(dead_at) AS oldest
          FROM (SELECT job_kind, dead_at,
                       coalesce(nullif(btrim(split_part(split_part(coalesce(last_error, ''), E'\\n', 1), ':', 1)), ''),
                                'no error text') AS error_class
                  FROM job_dead_letter WHERE triage_status IN ('open', 'manual_replay')
                 ORDER BY dead_at DESC LIMIT %s) AS recent
         GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT %s
        """,
        [sample, limit],
    )


def queue_sparklines(minutes: int = 60) -> dict[str, list[int]]:
    """Jobs succeeded per minute per queue over the last ``minutes`` (queue_metric_sample), oldest first."""
    found = dict_rows(
        """
        SELECT queue_name, array_agg(succeeded ORDER BY sampled_at) AS succeeded
          FROM queue_metric_sample
         WHERE sampled_at >= now() - make_interval(mins => %s) AND queue_name <> '*'
         GROUP BY queue_name
        """,
        [minutes],
    )
    return {row["queue_name"]: [int(v) for v in row["succeeded"]] for row in found}


def pending_gate_requests() -> dict[str, int]:
    """Gate or setting key → its pending change request (at most one each: a unique index says so)."""
    return dict(rows("SELECT config_key, id FROM gate_change_request WHERE status = 'pending'"))
