"""Shared shape of the cron-driven commands: one SQL call, one summary line.

Exit 0 when the work is done, when there was nothing to do, or when a gate is
closed (a closed gate is not a crash); CommandError (exit 1) on a real failure.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from queuegov.actor import Actor, actor_context
from queuegov.audit import ActResult
from queuegov.errors import QueuegovError, domain_errors
from queuegov.reconnect import Reconnect, drop_connection, is_connection_error

logger = logging.getLogger(__name__)


def run_as_command(name: str, call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run ``call`` as actor ``command:<name>`` (maintenance is not audited: cron runs it every minute)."""
    with actor_context(Actor.for_command(name)):
        return call()


def summarise(name: str, answer: dict[str, Any]) -> str:
    if answer.get("status") == "gate_closed":
        return f"{name}: gate {answer.get('gate')} is closed; nothing done"
    details = ", ".join(f"{k}={v}" for k, v in answer.items() if k != "status" and not isinstance(v, (list, dict)))
    return f"{name}: {answer.get('status')} {details}".rstrip()


class TickCommand(BaseCommand):
    """Calls one SQL maintenance function; subclasses say which."""

    name = ""

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--json", action="store_true", help="print the function's jsonb answer")
        parser.add_argument(
            "--every",
            type=float,
            default=None,
            metavar="SECONDS",
            help="keep running: tick every SECONDS (a lost database connection is waited out, not fatal)",
        )

    def call(self, options: dict[str, Any]) -> Callable[[], dict[str, Any]]:
        raise NotImplementedError

    def run_once(self, options: dict[str, Any]) -> dict[str, Any]:
        try:
            with domain_errors():
                return run_as_command(self.name, self.call(options))
        except QueuegovError as exc:
            raise CommandError(str(exc)) from exc
        except DatabaseError as exc:
            raise CommandError(f"{self.name}: database error: {exc}") from exc

    def report(self, answer: dict[str, Any], options: dict[str, Any]) -> None:
        if options["json"]:
            self.stdout.write(json.dumps(answer, default=str))
        else:
            self.stdout.write(summarise(self.name, answer))

    def stop_on_signals(self) -> threading.Event:
        """An event SIGTERM/SIGINT set, for the long-running modes."""
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        return stop

    def run_every(self, seconds: float, options: dict[str, Any]) -> None:
        """Tick every ``seconds`` until SIGTERM; wait out a lost connection (one log line per outage)."""
        if seconds <= 0:
            raise CommandError("--every must be a positive number of seconds")
        stop = self.stop_on_signals()
        rc = Reconnect(self.name, logger)
        while not stop.is_set():
            try:
                self.report(self.run_once(options), options)
            except CommandError as exc:
                if not isinstance(exc.__cause__, DatabaseError):
                    raise  # a usage error, not the database's: stop
                if is_connection_error(exc):
                    rc.failed(exc)
                    drop_connection()
                    stop.wait(rc.delay())
                    continue
                # Anything else the database said (a lock timeout on a busy table…): the next tick retries.
                logger.warning("%s: %s; trying again in %s s", self.name, exc, seconds)
            else:
                rc.succeeded()
            stop.wait(seconds)

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("every") is not None:
            self.run_every(options["every"], options)
            return
        self.report(self.run_once(options), options)


# ---------------------------------------------------------------------------
# Governed commands: one governed act, one summary line
# ---------------------------------------------------------------------------
class GovernedCommand(BaseCommand):
    """One governed act from the shell.

    It acts as ``--as-user USER`` (an active user holding the permission; the audit
    trail names them) or, without it, as the trusted system actor ``command:<name>``.
    Exit 0 when the act was applied, was a dry run, had nothing to do, or met a closed
    gate; exit 1 (CommandError) when a rule refused it or it failed.
    """

    name = ""

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--as-user", help="act as this active user (needs the permission); default command:<name>")
        parser.add_argument("--json", action="store_true", help="print the outcome and the SQL answer as JSON")

    def actor_and_user(self, options: dict[str, Any]) -> tuple[Actor, Any]:
        username = options.get("as_user")
        if not username:
            return Actor.for_command(self.name), None
        model = get_user_model()
        try:
            user = model.objects.get(username=username, is_active=True)
        except model.DoesNotExist:
            raise CommandError(f"no active user {username!r}") from None
        return Actor.for_user(user, source="command"), user

    def lines(self, result: ActResult) -> list[str]:
        """Extra lines for people (e.g. a verdict's problems); one summary line comes first."""
        return []

    def finish(self, result: ActResult, options: dict[str, Any], *, problems: bool = False) -> None:
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {"outcome": result.outcome, "message": result.message, "audit_id": result.audit_id,
                     "answer": result.value},
                    default=str,
                )
            )  # fmt: skip
        else:
            self.stdout.write(f"{self.name}: {result.outcome} — {result.message}")
            for line in self.lines(result):
                self.stdout.write(line)
        if result.outcome == "failed" or (result.outcome == "refused" and not result.message.startswith("gate_closed")):
            raise CommandError(result.message)
        if problems:
            raise CommandError(f"{self.name}: the verdict has problems")
