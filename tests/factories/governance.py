"""Gate-change requests, created through the SQL API (the table is unmanaged
and refuses hand-written state: status, actors and old value come from the
functions)."""

from __future__ import annotations

from typing import Any

import factory

from queuegov.models import GateChangeRequest
from tests import helpers

_VERB_FOR_STATUS = {"applied": "approve", "rejected": "reject", "withdrawn": "withdraw"}


def different_value(key: str) -> Any:
    """A valid value for ``key`` that differs from its current one."""
    row = helpers.sql_rows("SELECT value, value_type, max_value FROM dot_config WHERE key = %s", [key])
    if not row:
        raise LookupError(f"{key} is not in dot_config")
    value, value_type, max_value = row[0]
    value = helpers.as_json(value)
    if value_type == "boolean":
        return not value
    return value + 1 if max_value is None or value + 1 <= max_value else value - 1


class GateChangeRequestFactory(factory.Factory):
    """``GateChangeRequestFactory()`` files a pending request; traits
    ``applied`` (approved by ``decided_by``), ``rejected`` (by ``decided_by``)
    and ``withdrawn`` (by the requester) decide it through the SQL functions.

    Each call needs a database transaction (the ``db`` fixture). The default
    key cycles through the fresh-install gates so several pending requests can coexist;
    the default new value is the opposite/next of the key's current value.
    The test's own actor context is left as it was.
    """

    class Meta:
        model = GateChangeRequest

    class Params:
        pending = factory.Trait(status="pending")
        applied = factory.Trait(status="applied")
        rejected = factory.Trait(status="rejected")
        withdrawn = factory.Trait(status="withdrawn")

    config_key = factory.Iterator(helpers.SPEC_GATES)
    new_value = factory.LazyAttribute(lambda o: different_value(o.config_key))
    reason = "factory: operator needs this"
    requested_by = factory.Sequence(lambda n: f"user:requester{n}")
    decided_by = factory.Sequence(lambda n: f"user:approver{n}")
    decision_reason = "factory: second pair of eyes"
    status = "pending"

    @classmethod
    def _build(cls, model_class: type[GateChangeRequest], **kwargs: Any) -> GateChangeRequest:
        status = kwargs.pop("status")
        key = kwargs.pop("config_key")
        decided_by = kwargs.pop("decided_by")
        if status == "pending":
            decided_by = None
        elif status == "withdrawn":
            decided_by = kwargs["requested_by"]
        return model_class(config_id=key, status=status, decided_by=decided_by, old_value=None, **kwargs)

    @classmethod
    def _create(
        cls,
        model_class: type[GateChangeRequest],
        *,
        config_key: str,
        new_value: Any,
        reason: str,
        requested_by: str,
        decided_by: str,
        decision_reason: str | None,
        status: str,
    ) -> GateChangeRequest:
        if status != "pending" and status not in _VERB_FOR_STATUS:
            raise ValueError(f"unknown gate change status {status!r}")
        request_id = helpers.request_change(config_key, new_value, reason, requester=requested_by)
        if status != "pending":
            decider = requested_by if status == "withdrawn" else decided_by
            helpers.decide_change(_VERB_FOR_STATUS[status], request_id, decision_reason, decider=decider)
        return model_class.objects.get(pk=request_id)
