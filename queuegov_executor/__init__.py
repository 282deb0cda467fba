"""The standalone queuegov executor: what an Agent, Hermes or DOT host installs
to work the jobs of its executor class (docs/executors.md).

psycopg only, no Django: it speaks the SQL API (``fn_job_claim`` with its
executor class, ``fn_job_heartbeat_many``, ``fn_job_ack_many``,
``fn_job_fail_or_retry``, ``fn_job_release_many``, ``fn_queue_heartbeat_tick``)
on its own login, so the database enforces everything the Django worker is
held to::

    python -m queuegov_executor --dsn postgresql://hermes_host_1@db/queuegov \\
        --executor hermes-host-1 --class hermes --handler mypkg.jobs:run
"""

from queuegov_executor.client import Executor, ExecutorStats, Job

__all__ = ["Executor", "ExecutorStats", "Job"]
