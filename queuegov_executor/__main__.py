"""``python -m queuegov_executor``: run one executor until SIGTERM (docs/executors.md)."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from queuegov_executor.client import Executor, Handler


def load_handler(ref: str) -> Handler:
    """``package.module:function``; a clear error names what is missing."""
    module_name, _, name = ref.partition(":")
    if not module_name or not name:
        raise SystemExit(f"--handler must be package.module:function, not {ref!r}")
    try:
        handler = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError) as exc:
        raise SystemExit(f"--handler {ref}: {exc}") from exc
    if not callable(handler):
        raise SystemExit(f"--handler {ref} is not callable")
    return handler


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m queuegov_executor", description=__doc__)
    parser.add_argument("--dsn", default=os.environ.get("QUEUEGOV_DSN"), help="libpq URL (default $QUEUEGOV_DSN)")
    parser.add_argument("--executor", required=True, help="this executor's name (unique per process)")
    parser.add_argument("--class", dest="executor_class", required=True, help="executor class code, e.g. hermes")
    parser.add_argument("--kind", required=True, help="executor kind of the class, e.g. Hermes (heartbeats)")
    parser.add_argument("--handler", required=True, help="package.module:function called with each Job")
    parser.add_argument("--job-kind", action="append", dest="kinds", help="only these job kinds (repeatable)")
    parser.add_argument("--queue", action="append", dest="queues", help="only these queues (repeatable; LISTENs)")
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--lease", type=int, default=60, help="lease seconds (extended while a job runs)")
    parser.add_argument("--poll", type=float, default=5.0, help="poll interval when idle (seconds)")
    parser.add_argument("--max-jobs", type=int, help="stop after claiming this many")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    if not args.dsn:
        parser.error("--dsn or $QUEUEGOV_DSN is required")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    executor = Executor(
        args.dsn,
        executor=args.executor,
        executor_class=args.executor_class,
        executor_kind=args.kind,
        handler=load_handler(args.handler),
        kinds=args.kinds,
        queues=args.queues,
        batch_size=args.batch_size,
        lease_seconds=args.lease,
        poll_interval=args.poll,
        max_jobs=args.max_jobs,
    )
    with executor.signals():
        stats = executor.run()
    print(
        f"queuegov_executor {args.executor}: claimed {stats.claimed}, succeeded {stats.succeeded}, "
        f"failed {stats.failed}, released {stats.released}, refused {stats.refused}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
