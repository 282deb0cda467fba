"""Governed acts: the effect and its audit row in one transaction.

Every admin action and governed command goes through ``governed_act``: it
enters the actor context, checks the permission and runs the effect in a
savepoint. Exactly one ``admin_action_audit`` row results whatever happens.
The SQL function that applies the act writes it (``applied``, ``dry_run``, or
``refused`` for a closed gate), in the same transaction, so psql is audited
like the admin (docs/security.md); this module writes only the rows of
attempts that never reached or were refused by that function: a missing
permission, a rule the database raised (``refused``), an effect that broke
and was rolled back (``failed``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, transaction

from queuegov import db
from queuegov.actor import Actor, actor_context
from queuegov.errors import QueuegovError, domain_errors

logger = logging.getLogger(__name__)


@dataclass
class Effect:
    """What an effect reports back to the user; the audit row is the SQL function's."""

    detail: str | None = None
    value: Any = None

    @classmethod
    def from_answer(cls, answer: Any) -> Effect:
        """A SQL function's answer as it stands: the function wrote the audit row, outcome and detail included."""
        return cls(value=answer)


@dataclass
class ActResult:
    """The outcome of one governed act, as audited."""

    outcome: str
    message: str
    audit_id: int
    value: Any = None
    target_ids: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome in ("applied", "dry_run")


def governed_act(
    actor: Actor,
    action: str,
    effect: Callable[[], Effect],
    *,
    target_table: str | None = None,
    target_ids: Iterable[Any] = (),
    reason: str | None = None,
    user: Any = None,
    permission: str | None = None,
) -> ActResult:
    """Run ``effect`` as ``actor`` and audit the attempt in the same transaction."""
    ids = [str(i) for i in target_ids]
    with actor_context(actor):

        def record(outcome: str, detail: str | None) -> int:
            return db.audit_record(
                action=action,
                outcome=outcome,
                target_table=target_table,
                target_ids=ids,
                reason=reason or None,
                before=None,
                after=None,
                detail=detail,
            )

        # Users need the permission; a command or worker with no user is a
        # trusted system caller (it already holds shell or database access).
        system_caller = user is None and actor.source in ("command", "worker")
        if permission is not None and not system_caller and (user is None or not user.has_perm(permission)):
            who = user.get_username() if user is not None else actor.name
            message = f"permission: {who} lacks {permission}"
            return ActResult("refused", message, record("refused", message), target_ids=ids)
        try:
            with transaction.atomic(), domain_errors():
                db.forget_audit_id()
                result = effect()
                audit_id = db.last_audit_id()
        except QueuegovError as exc:
            message = str(exc)
            return ActResult("refused", message, record("refused", message), target_ids=ids)
        except (DatabaseError, ValueError, TypeError, LookupError) as exc:
            logger.exception("governed act %s failed", action)
            message = f"failed: {type(exc).__name__}: {exc}".strip()
            return ActResult("failed", message, record("failed", message), target_ids=ids)
        if audit_id is None:
            raise RuntimeError(f"governed act {action}: its effect called no SQL function that audits the act")
        outcome, detail = db.audit_outcome(audit_id)
        return ActResult(outcome, result.detail or detail or outcome, audit_id, value=result.value, target_ids=ids)


def record_refusal(
    actor: Actor,
    action: str,
    detail: str,
    *,
    target_table: str | None = None,
    target_ids: Iterable[Any] = (),
    reason: str | None = None,
) -> int:
    """Audit an attempt refused before any effect (e.g. a forged admin POST), with the reason it carried."""
    with actor_context(actor):
        return db.audit_record(
            action=action,
            outcome="refused",
            target_table=target_table,
            target_ids=[str(i) for i in target_ids],
            reason=(reason or "").strip()[:2000] or None,
            before=None,
            after=None,
            detail=detail,
        )
