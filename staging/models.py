"""Unmanaged models over the staging workflow created by ``sql/staging/``.

The lifecycle FSM, the immutability of a marked manifest and the append-only
lifecycle log are pgtrigger triggers declared here and installed by the
``0005_triggers`` migration (``queuegov.triggers``: no ``pgtrigger.ignore``
bypass). The lifecycle log itself is written by a SQL trigger.
"""

from __future__ import annotations

import pgtrigger
from django.contrib.postgres.fields import ArrayField
from django.db import models

from queuegov.fields import ReadableJSONField
from queuegov.triggers import AppendOnly, StrictFSM, StrictProtect, StrictReadOnly

# Lifecycle of a manifest (iu_staging_record.lifecycle_status).
LIFECYCLE_TRANSITIONS: list[tuple[str, str]] = [
    ("pending_review", "approved"),
    ("pending_review", "rejected"),
    ("pending_review", "expired"),
    ("approved", "consumed"),
    ("approved", "rejected"),
    ("approved", "expired"),
    ("consumed", "cleaned"),
    ("expired", "cleaned"),
    ("rejected", "cleaned"),
    ("cleaned", "archived"),
]

# Columns of a manifest that change after MARK; everything else is immutable.
RECORD_MUTABLE_COLUMNS = [
    "lifecycle_status",
    "approved_at",
    "approved_by",
    "approval_doc_id",
    "approval_reason",
    "rejected_at",
    "rejected_by",
    "rejection_reason",
    "consumed_at",
    "consumed_by_run",
    "expired_at",
    "cleaned_at",
    "archived_at",
    "last_run",
    "updated_at",
]

SECTION_TYPES = ("preamble", "document", "chapter", "section", "subsection", "paragraph")


class CommandCatalog(models.Model):
    command = models.TextField(primary_key=True)
    operator_alias = models.TextField()
    primitive = models.TextField()
    run_modes = ArrayField(models.TextField())
    snapshot_keys = ArrayField(models.TextField())
    event_types = ArrayField(models.TextField())
    description = models.TextField()

    class Meta:
        managed = False
        db_table = "dot_iu_command_catalog"
        ordering = ["command"]
        verbose_name = "staging command"

    def __str__(self) -> str:
        return self.command


class CommandRun(models.Model):
    class Mode(models.TextChoices):
        PLAN = "plan"
        APPLY = "apply"
        VERIFY = "verify"

    id = models.BigAutoField(primary_key=True)
    command = models.ForeignKey(CommandCatalog, models.DO_NOTHING, db_column="command", related_name="runs")
    run_mode = models.TextField(choices=Mode.choices)
    run_status = models.TextField()
    record = models.ForeignKey("StagingRecord", models.DO_NOTHING, null=True, related_name="runs")
    linked_run = models.ForeignKey("self", models.DO_NOTHING, null=True, related_name="linked_from")
    params = ReadableJSONField()
    params_digest = models.TextField()
    gate_snapshot = ReadableJSONField()
    evidence = ReadableJSONField()
    actor = models.TextField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True)
    # the dot.command job this run ran for (sql/staging/0012_dot_runs_on_queue.sql); no FK: jobs are archived
    job_id = models.BigIntegerField(null=True)

    class Meta:
        managed = False
        db_table = "dot_iu_command_run"
        ordering = ["-id"]
        verbose_name = "staging run"
        triggers = [
            StrictProtect(name="iu_command_run_no_delete", operation=pgtrigger.Delete),
            # The ledger is written once: a finished run never changes again.
            StrictProtect(
                name="iu_command_run_finished_immutable",
                operation=pgtrigger.Update,
                condition=pgtrigger.Condition('OLD."finished_at" IS NOT NULL'),
            ),
        ]

    def __str__(self) -> str:
        return f"run #{self.pk} {self.command_id} {self.run_mode} {self.run_status}"


class StagingRecord(models.Model):
    class Lifecycle(models.TextChoices):
        PENDING_REVIEW = "pending_review"
        APPROVED = "approved"
        REJECTED = "rejected"
        CONSUMED = "consumed"
        EXPIRED = "expired"
        CLEANED = "cleaned"
        ARCHIVED = "archived"

    id = models.BigAutoField(primary_key=True)
    idempotency_key = models.TextField()
    content_hash = models.TextField()
    source_kind = models.TextField()
    source_ref = models.TextField()
    source_hash = models.TextField()
    source_bytes = models.BigIntegerField()
    doc_code = models.TextField()
    piece_count = models.IntegerField()
    digest = models.TextField()
    lifecycle_status = models.TextField(choices=Lifecycle.choices)
    vector_excluded = models.BooleanField()
    marked_by = models.TextField()
    marked_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    approved_at = models.DateTimeField(null=True)
    approved_by = models.TextField(null=True)
    approval_doc_id = models.TextField(null=True)
    approval_reason = models.TextField(null=True)
    rejected_at = models.DateTimeField(null=True)
    rejected_by = models.TextField(null=True)
    rejection_reason = models.TextField(null=True)
    consumed_at = models.DateTimeField(null=True)
    consumed_by_run = models.ForeignKey(CommandRun, models.DO_NOTHING, null=True, related_name="consumed_records")
    expired_at = models.DateTimeField(null=True)
    cleaned_at = models.DateTimeField(null=True)
    archived_at = models.DateTimeField(null=True)
    last_run = models.ForeignKey(CommandRun, models.DO_NOTHING, null=True, related_name="+")
    updated_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "iu_staging_record"
        ordering = ["-id"]
        verbose_name = "staged manifest"
        permissions = [
            ("mark_stagingrecord", "Can mark a source file as a staged manifest"),
            ("verify_stagingrecord", "Can run verify-mark dry runs on staged manifests"),
            ("approve_stagingrecord", "Can approve a staged manifest marked by someone else (verify-mark apply)"),
            ("reject_stagingrecord", "Can reject a staged manifest"),
            ("cut_stagingrecord", "Can cut an approved manifest into information units"),
            ("verifycut_stagingrecord", "Can verify the information units of a cut"),
            ("cleanup_stagingrecord", "Can run the staging cleanup"),
        ]
        triggers = [
            StrictFSM(name="iu_staging_lifecycle_fsm", field="lifecycle_status", transitions=LIFECYCLE_TRANSITIONS),
            # A manifest is born pending_review: no other state can be inserted.
            StrictProtect(
                name="iu_staging_record_born_pending",
                operation=pgtrigger.Insert,
                condition=pgtrigger.Condition("NEW.\"lifecycle_status\" IS DISTINCT FROM 'pending_review'"),
            ),
            # What was marked (source, hashes, digest, marker, expiry) never changes.
            StrictReadOnly(name="iu_staging_record_marked_immutable", exclude=RECORD_MUTABLE_COLUMNS),
            StrictProtect(name="iu_staging_record_no_delete", operation=pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.doc_code} ({self.lifecycle_status})"


class StagingPayload(models.Model):
    # The table's key is (record_id, piece_no); ``id`` is a surrogate for the admin.
    id = models.BigAutoField(primary_key=True)
    record = models.ForeignKey(StagingRecord, models.DO_NOTHING, related_name="pieces")
    piece_no = models.IntegerField()
    sort_order = models.IntegerField(null=True)
    section_type = models.TextField(null=True)
    heading = models.TextField()
    parent_piece_no = models.IntegerField(null=True)
    piece_text = models.TextField()
    piece_hash = models.TextField()

    class Meta:
        managed = False
        db_table = "iu_staging_payload"
        ordering = ["record_id", "sort_order", "piece_no"]
        verbose_name = "staged piece"
        triggers = [
            # Pieces are immutable; they leave only with the clean pass (SQL guard).
            StrictProtect(name="iu_staging_payload_immutable", operation=pgtrigger.Update),
        ]

    def __str__(self) -> str:
        return f"record #{self.record_id} piece {self.piece_no}"


class InformationUnit(models.Model):
    id = models.BigAutoField(primary_key=True)
    doc_code = models.TextField()
    section_code = models.TextField()
    section_type = models.TextField()
    sort_order = models.IntegerField()
    parent = models.ForeignKey("self", models.DO_NOTHING, null=True, related_name="children")
    title = models.TextField()
    body = models.TextField()
    body_hash = models.TextField()
    piece_no = models.IntegerField()
    consumed_from_record = models.ForeignKey(StagingRecord, models.DO_NOTHING, related_name="units")
    created_by_run = models.ForeignKey(CommandRun, models.DO_NOTHING, related_name="units")
    created_by = models.TextField()
    created_at = models.DateTimeField()
    superseded_at = models.DateTimeField(null=True)
    superseded_by_run = models.ForeignKey(CommandRun, models.DO_NOTHING, null=True, related_name="superseded_units")

    class Meta:
        managed = False
        db_table = "information_unit"
        ordering = ["doc_code", "sort_order", "id"]
        verbose_name = "information unit"

    def __str__(self) -> str:
        return self.section_code


class LifecycleLog(models.Model):
    id = models.BigAutoField(primary_key=True)
    record = models.ForeignKey(StagingRecord, models.DO_NOTHING, related_name="lifecycle_log")
    from_status = models.TextField(null=True)
    to_status = models.TextField()
    actor = models.TextField()
    run = models.ForeignKey(CommandRun, models.DO_NOTHING, null=True, related_name="+")
    at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "iu_lifecycle_log"
        ordering = ["-id"]
        verbose_name = "lifecycle log entry"
        verbose_name_plural = "lifecycle log"
        triggers = [
            # UPDATE and DELETE refused for every role. TRUNCATE stays possible for
            # the table owner: the test cleanup resets the substrate with it.
            AppendOnly(name="iu_lifecycle_log_append_only"),
        ]

    def __str__(self) -> str:
        return f"record #{self.record_id}: {self.from_status or '∅'} → {self.to_status}"


class RuntimeLease(models.Model):
    lease_name = models.TextField(primary_key=True)
    holder = models.TextField(null=True)
    run = models.ForeignKey(CommandRun, models.DO_NOTHING, null=True, related_name="+")
    acquired_at = models.DateTimeField(null=True)
    expires_at = models.DateTimeField(null=True)
    released_at = models.DateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "dot_iu_runtime_lease"
        ordering = ["lease_name"]
        verbose_name = "runtime lease"

    def __str__(self) -> str:
        return self.lease_name
