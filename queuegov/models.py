"""Unmanaged models over the governance tables created by ``sql/queuegov/``.

The tables, CHECKs and functions live in SQL; these models let the admin read
them and carry the pgtrigger governance triggers (installed by migration 0005).
"""

from __future__ import annotations

import json

import pgtrigger
from django.contrib.postgres.fields import ArrayField
from django.db import models

from queuegov.fields import ReadableJSONField
from queuegov.triggers import AppendOnly, ConfigWriteGuard, NoTruncate, StrictFSM, StrictProtect, StrictReadOnly


class EventDomainRegistry(models.Model):
    event_domain = models.TextField(primary_key=True)
    description = models.TextField()
    default_audience = models.TextField()
    status = models.TextField()
    created_at = models.DateTimeField()
    created_by = models.TextField()

    class Meta:
        managed = False
        db_table = "event_domain_registry"
        ordering = ["event_domain"]
        verbose_name = "event domain"

    def __str__(self) -> str:
        return self.event_domain


class DotConfig(models.Model):
    key = models.TextField(primary_key=True)
    value = ReadableJSONField()
    kind = models.TextField()
    value_type = models.TextField()
    min_value = models.BigIntegerField(null=True)
    max_value = models.BigIntegerField(null=True)
    description = models.TextField()
    updated_at = models.DateTimeField()
    updated_by = models.TextField()

    class Meta:
        managed = False
        db_table = "dot_config"
        ordering = ["kind", "key"]
        verbose_name = "gate or setting"
        verbose_name_plural = "gates and settings"
        triggers = [
            ConfigWriteGuard(name="dot_config_four_eyes_only"),
            NoTruncate(name="dot_config_no_truncate"),
        ]

    def __str__(self) -> str:
        return self.key

    @property
    def is_open(self) -> bool:
        return self.kind == "gate" and self.value is True


class DotConfigHistory(models.Model):
    id = models.BigAutoField(primary_key=True)
    config = models.ForeignKey(
        DotConfig, models.DO_NOTHING, db_column="key", related_name="history", db_constraint=False
    )
    old_value = ReadableJSONField(null=True)
    new_value = ReadableJSONField(null=True)
    operation = models.TextField()
    changed_at = models.DateTimeField()
    changed_by = models.TextField()
    gate_change_request_id = models.BigIntegerField(null=True)
    request_id = models.TextField(null=True)
    txid = models.BigIntegerField()

    class Meta:
        managed = False
        db_table = "dot_config_history"
        ordering = ["-changed_at", "-id"]
        verbose_name = "gate/setting history entry"
        verbose_name_plural = "gate/setting history"
        triggers = [
            AppendOnly(name="config_history_append_only"),
            NoTruncate(name="config_history_no_truncate"),
        ]

    def __str__(self) -> str:
        return f"{self.config_id} {json.dumps(self.old_value)} → {json.dumps(self.new_value)} by {self.changed_by}"


class GateChangeRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        APPLIED = "applied"
        REJECTED = "rejected"
        WITHDRAWN = "withdrawn"

    id = models.BigAutoField(primary_key=True)
    config = models.ForeignKey(DotConfig, models.DO_NOTHING, db_column="config_key", related_name="change_requests")
    old_value = ReadableJSONField()
    new_value = ReadableJSONField()
    reason = models.TextField()
    status = models.TextField(choices=Status.choices)
    requested_by = models.TextField()
    requested_at = models.DateTimeField()
    decided_by = models.TextField(null=True)
    decided_at = models.DateTimeField(null=True)
    decision_reason = models.TextField(null=True)

    class Meta:
        managed = False
        db_table = "gate_change_request"
        ordering = ["-requested_at", "-id"]
        verbose_name = "gate change request"
        permissions = [
            ("request_gatechangerequest", "Can request a gate or setting change"),
            ("approve_gatechangerequest", "Can approve a gate change requested by someone else"),
            ("reject_gatechangerequest", "Can reject a gate change requested by someone else"),
        ]
        triggers = [
            StrictFSM(
                name="gate_change_status_fsm",
                field="status",
                transitions=[("pending", "applied"), ("pending", "rejected"), ("pending", "withdrawn")],
            ),
            StrictReadOnly(
                name="gate_change_request_immutable",
                exclude=["status", "decided_by", "decided_at", "decision_reason"],
            ),
            StrictProtect(name="gate_change_request_no_delete", operation=pgtrigger.Delete),
            # A request is born pending: a decided row cannot be inserted directly.
            StrictProtect(
                name="gate_change_request_born_pending",
                operation=pgtrigger.Insert,
                condition=pgtrigger.Condition("NEW.\"status\" IS DISTINCT FROM 'pending'"),
            ),
            NoTruncate(name="gate_change_request_no_truncate"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.config_id} → {json.dumps(self.new_value)} ({self.status})"


class AdminActionAudit(models.Model):
    class Outcome(models.TextChoices):
        APPLIED = "applied"
        REFUSED = "refused"
        FAILED = "failed"
        DRY_RUN = "dry_run"

    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField()
    actor = models.TextField()
    actor_user_id = models.IntegerField(null=True)
    roles = ArrayField(models.TextField())
    action = models.TextField()
    target_table = models.TextField(null=True)
    target_ids = ArrayField(models.TextField())
    reason = models.TextField(null=True)
    before_state = ReadableJSONField(null=True)
    after_state = ReadableJSONField(null=True)
    outcome = models.TextField(choices=Outcome.choices)
    detail = models.TextField(null=True)
    source = models.TextField()
    request_id = models.TextField(null=True)
    request_ip = models.GenericIPAddressField(null=True)
    request_path = models.TextField(null=True)
    user_agent = models.TextField(null=True)
    txid = models.BigIntegerField()

    class Meta:
        managed = False
        db_table = "admin_action_audit"
        ordering = ["-occurred_at", "-id"]
        verbose_name = "audit entry"
        verbose_name_plural = "audit trail"
        triggers = [
            AppendOnly(name="audit_append_only"),
            NoTruncate(name="audit_no_truncate"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor} {self.action} {self.outcome}"
