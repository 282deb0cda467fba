"""Domain errors mapped from the database's stable SQLSTATEs and constraints.

The SQL raises the message an operator should read (``four_eyes: …``,
``payload_prohibited_key: embedding at $.a.b``); Python only chooses the
exception class, so the rule and its wording live in one place.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError


class QueuegovError(Exception):
    """A governed act was refused by a rule; ``str()`` is the operator's message."""

    code = "error"
    refusal = True  # a refusal (rule said no), not a failure (something broke)


class ActorRequired(QueuegovError):
    code = "actor_required"


class FourEyesViolation(QueuegovError):
    code = "four_eyes"


class InvalidState(QueuegovError):
    code = "invalid_state"


class InvalidValue(QueuegovError):
    code = "invalid_value"


class UnknownObject(QueuegovError):
    code = "unknown"


class ReasonRequired(QueuegovError):
    code = "reason_required"


class PayloadRejected(QueuegovError):
    code = "payload_rejected"


class VocabularyError(QueuegovError):
    code = "vocabulary"


class AppendOnly(QueuegovError):
    code = "append_only"


class TransitionRefused(QueuegovError):
    code = "transition_refused"


class PermissionRefused(QueuegovError):
    code = "permission"


class GateClosed(QueuegovError):
    code = "gate_closed"


SQLSTATE_ERRORS: dict[str, type[QueuegovError]] = {
    "QG001": ActorRequired,
    "QG002": FourEyesViolation,
    "QG003": InvalidState,
    "QG004": InvalidValue,
    "QG005": UnknownObject,
    "QG006": AppendOnly,
    "QG007": PayloadRejected,
    "QG008": ReasonRequired,
    "23001": InvalidState,  # registry_row_kept: a queue or retry policy jobs name is never deleted or renamed
    "42501": PermissionRefused,  # the role may not touch the object at all (docs/security.md)
}

# CHECK constraints (and domain checks) whose violation is a refusal, by name.
CONSTRAINT_ERRORS: dict[str, type[QueuegovError]] = {
    "payload_prohibited_key": PayloadRejected,
    "event_stream_allowed": VocabularyError,
    "delivery_lane_allowed": VocabularyError,
    "severity_allowed": VocabularyError,
    "payload_classification_allowed": VocabularyError,
    "executor_kind_allowed": VocabularyError,
    "event_domain_name_format": VocabularyError,
    "four_eyes_decider_differs": FourEyesViolation,
    "gate_change_reason_required": ReasonRequired,
    "config_value_matches_type": InvalidValue,
    "gate_change_request_one_pending_per_key": InvalidState,
    "active_event_type_has_producer": InvalidState,
    "disabled_route_is_dry_run": InvalidState,
    "priority_in_range": InvalidValue,
    "max_attempts_in_range": InvalidValue,
    "job_kind_format": InvalidValue,
    "job_status_allowed": InvalidValue,
    "attempts_non_negative": InvalidValue,
    "idempotency_key_length": InvalidValue,
    "correlation_id_length": InvalidValue,
    "audit_source_allowed": InvalidValue,
    "cron_expression_valid": InvalidValue,
}

# Every other named constraint is a refusal too, by the class of its SQLSTATE: a CHECK or
# DOMAIN rule, a unique rule, a required value, a reference to something that is not there.
# (A test enumerates the database's named constraints against this.)
CONSTRAINT_CLASS_ERRORS: dict[str, type[QueuegovError]] = {
    "23514": InvalidValue,  # check_violation (table CHECKs and DOMAIN rules)
    "23505": InvalidState,  # unique_violation
    "23502": InvalidValue,  # not_null_violation
    "23503": UnknownObject,  # foreign_key_violation
}

# Trigger messages raised by pgtrigger (FSM / Protect).
MESSAGE_PREFIXES: dict[str, type[QueuegovError]] = {
    "pgtrigger: Invalid transition": TransitionRefused,
    "pgtrigger: Cannot": AppendOnly,
}


def translate(exc: Exception) -> QueuegovError | None:
    """Return the domain error for a database error (Django's or psycopg's), or None if it is not a rule."""
    cause = exc.__cause__ or exc
    diag = getattr(cause, "diag", None)
    sqlstate = getattr(cause, "sqlstate", None)
    message = (getattr(diag, "message_primary", None) or str(cause)).strip()
    if sqlstate in SQLSTATE_ERRORS:
        return SQLSTATE_ERRORS[sqlstate](message)
    constraint = getattr(diag, "constraint_name", None)
    error_class = CONSTRAINT_ERRORS.get(constraint or "") or (
        CONSTRAINT_CLASS_ERRORS.get(sqlstate or "") if constraint or sqlstate == "23502" else None
    )
    if error_class is not None:
        return error_class(_rule_sentence(constraint, message, diag))
    for prefix, error in MESSAGE_PREFIXES.items():
        if message.startswith(prefix):
            return error(message)
    return None


def _rule_sentence(constraint: str | None, message: str, diag: object) -> str:
    """``<rule>: <its explanation>``, or ``<rule>[ on <table>]: <what the database said>`` for a rule
    the database does not explain: the rule's name first, never SQL context."""
    table = getattr(diag, "table_name", None)
    column = getattr(diag, "column_name", None)
    rule = constraint or (f"{column}_required" if column else "value_required")
    if message.startswith(rule):  # a RAISE that names its rule and says what was wrong
        return message
    explanation = explain(constraint, table) if constraint else None
    if explanation:
        return f"{rule}: {explanation}"
    where = f" on {table}" if table else ""
    return f"{rule}{where}: {message}"


_explanations: dict[tuple[str, str], str] | None = None


def explain(constraint: str, table: str | None) -> str | None:
    """The rule's own sentence (``COMMENT ON CONSTRAINT``, docs/architecture.md, "Refusals").

    Read once per process on a connection of its own: the refused statement's
    transaction cannot answer queries any more.
    """
    global _explanations
    if _explanations is None:
        from queuegov import db

        try:
            _explanations = db.rule_explanations()
        except DatabaseError:
            return None  # asked again at the next refusal
    found = _explanations.get((constraint, table or ""))
    if found is None:  # a partition's copy of its parent's rule, or a domain's rule
        found = next((text for (name, _), text in _explanations.items() if name == constraint), None)
    return found


@contextmanager
def domain_errors() -> Iterator[None]:
    """Re-raise database rule violations as QueuegovError subclasses."""
    try:
        yield
    except DatabaseError as exc:
        error = translate(exc)
        if error is None:
            raise
        raise error from exc
