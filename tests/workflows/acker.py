"""A process that acks the given (job, attempt) pairs one transaction each, after a
start signal: the last-two-parents race (tests/workflows/test_concurrency.py).

    python -m tests.workflows.acker <database url> <go file> <worker id> <job:attempt> ...
"""

from __future__ import annotations

import os
import sys
import time

import psycopg


def main() -> None:
    url, go, worker, *pairs = sys.argv[1:]
    conn = psycopg.connect(url, autocommit=True)
    print("ready", flush=True)
    while not os.path.exists(go):
        time.sleep(0.001)
    for pair in pairs:
        job_id, attempt = (int(x) for x in pair.split(":"))
        answer = conn.execute(
            "SELECT fn_job_ack_many(%s, ARRAY[%s]::bigint[], ARRAY[%s]::integer[])", [worker, job_id, attempt]
        ).fetchone()[0]
        if answer["status"] != "succeeded":
            raise SystemExit(f"ack of {job_id} refused: {answer}")
    print("done", flush=True)


if __name__ == "__main__":
    main()
