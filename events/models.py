"""Unmanaged models over the event substrate created by ``sql/events/``."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models

from queuegov.fields import ReadableJSONField
from queuegov.triggers import DEAD_LETTER_TRIAGE_TRANSITIONS, StrictFSM


class EventType(models.Model):
    event_type = models.TextField(primary_key=True)
    event_domain = models.ForeignKey("queuegov.EventDomainRegistry", models.DO_NOTHING, db_column="event_domain")
    event_stream = models.TextField()
    delivery_lane = models.TextField()
    default_severity = models.TextField(null=True)
    description = models.TextField()
    status = models.TextField()
    producer_ref = models.TextField(null=True)
    rubric = ReadableJSONField()
    gate_key = models.TextField(null=True)
    registered_by = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "event_type_registry"
        ordering = ["event_type"]
        verbose_name = "event type"
        permissions = [
            ("manage_eventtype", "Can activate, retire or draft event types"),
            ("register_eventtype", "Can register draft event types and code producers"),
        ]

    def __str__(self) -> str:
        return self.event_type


class Event(models.Model):
    id = models.BigIntegerField(primary_key=True)
    event_domain = models.TextField()
    event_stream = models.TextField()
    event_type = models.TextField()
    delivery_lane = models.TextField()
    severity = models.TextField(null=True)
    payload = ReadableJSONField()
    payload_classification = models.TextField()
    event_subject_table = models.TextField(null=True)
    event_subject_ref = models.TextField(null=True)
    correlation_id = models.TextField(null=True)
    causation_id = models.TextField(null=True)
    actor = models.TextField(null=True)
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "event_outbox"
        ordering = ["-id"]
        verbose_name = "event"
        verbose_name_plural = "events (outbox)"

    def __str__(self) -> str:
        return f"event #{self.pk} {self.event_type}"


class EventSubjectKey(models.Model):
    id = models.BigIntegerField(primary_key=True)
    event_domain = models.TextField()
    event_type = models.TextField()
    event_subject_table = models.TextField()
    event_subject_ref = models.TextField()
    fact_key = models.TextField()
    event_id = models.BigIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "event_subject_key"
        ordering = ["-id"]
        verbose_name = "event subject key"

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_subject_table}:{self.event_subject_ref}"


class PendingEvent(models.Model):
    id = models.BigAutoField(primary_key=True)
    event_type = models.TextField()
    event_subject_table = models.TextField(null=True)
    event_subject_ref = models.TextField(null=True)
    correlation_id = models.TextField(null=True)
    causation_id = models.TextField(null=True)
    source_document_ref = models.TextField(null=True)
    import_batch_ref = models.TextField(null=True)
    stable_key = models.TextField(null=True)
    capture_payload = ReadableJSONField()
    actor = models.TextField(null=True)
    captured_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True)
    emitted_event_id = models.BigIntegerField(null=True)
    error_count = models.IntegerField()
    last_error = models.TextField(null=True)

    class Meta:
        managed = False
        db_table = "event_pending"
        ordering = ["-id"]
        verbose_name = "pending capture"

    def __str__(self) -> str:
        return f"capture #{self.pk} {self.event_type}"


class Subscription(models.Model):
    id = models.BigAutoField(primary_key=True)
    event_type = models.TextField(null=True)
    event_domain = models.TextField(null=True)
    event_stream = models.TextField(null=True)
    recipient_kind = models.TextField()
    recipient_ref = models.TextField()
    enabled = models.BooleanField()
    note = models.TextField()
    created_by = models.TextField(null=True)
    created_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "event_subscription"
        ordering = ["id"]
        verbose_name = "subscription"
        permissions = [("manage_subscription", "Can add, enable and disable event subscriptions")]

    def __str__(self) -> str:
        match = self.event_type or self.event_domain or self.event_stream
        return f"{match} → {self.recipient_kind}:{self.recipient_ref}"


class InboxEntry(models.Model):
    id = models.BigAutoField(primary_key=True)
    event_id = models.BigIntegerField()
    event_created_at = models.DateTimeField()
    recipient_kind = models.TextField()
    recipient_ref = models.TextField()
    via = models.TextField()
    delivered_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True)
    read_by = models.TextField(null=True)

    class Meta:
        managed = False
        db_table = "event_read"
        ordering = ["read_at", "-event_id"]
        verbose_name = "inbox entry"
        verbose_name_plural = "inbox entries (mine)"

    def __str__(self) -> str:
        return f"event #{self.event_id} → {self.recipient_kind}:{self.recipient_ref}"


class RouteWorkerCursor(models.Model):
    id = models.BigIntegerField(primary_key=True)
    worker_name = models.TextField()
    event_domain = models.TextField()
    last_event_id = models.BigIntegerField()
    last_run_at = models.DateTimeField(null=True)
    processed_count = models.BigIntegerField()
    dead_lettered_count = models.BigIntegerField()
    enabled = models.BooleanField()

    class Meta:
        managed = False
        db_table = "iu_route_worker_cursor"
        ordering = ["worker_name", "event_domain"]
        verbose_name = "route worker cursor"
        permissions = [("add_cursor_routeworkercursor", "Can give a route worker a cursor on a domain")]

    def __str__(self) -> str:
        return f"{self.worker_name}/{self.event_domain}"


class OutboundRoute(models.Model):
    id = models.BigAutoField(primary_key=True)
    route_name = models.TextField()
    event_type = models.TextField()
    action_kind = models.TextField()
    target = models.TextField()
    target_queue = models.TextField(null=True)
    enabled = models.BooleanField()
    dry_run = models.BooleanField()
    description = models.TextField()
    created_by = models.TextField(null=True)
    created_at = models.DateTimeField()
    updated_by = models.TextField(null=True)
    updated_at = models.DateTimeField()
    gate_key = models.TextField()
    retry_policy = models.ForeignKey(
        "jobs.RetryPolicy", models.DO_NOTHING, db_column="retry_policy", null=True, related_name="+"
    )
    ordered_per_subject = models.BooleanField()

    class Meta:
        managed = False
        db_table = "iu_outbound_route"
        ordering = ["route_name"]
        verbose_name = "outbound route"
        permissions = [("toggle_outboundroute", "Can enable, disable or dry-run outbound routes")]

    def __str__(self) -> str:
        return self.route_name


class RouteDelivery(models.Model):
    id = models.BigIntegerField(primary_key=True)
    event_id = models.BigIntegerField()
    route = models.ForeignKey(OutboundRoute, models.DO_NOTHING)
    status = models.TextField()
    attempts = models.IntegerField()
    next_attempt_at = models.DateTimeField(null=True)
    last_error = models.TextField(null=True)
    updated_at = models.DateTimeField()
    event_domain = models.TextField(null=True)
    subject_key = models.TextField(null=True)

    class Meta:
        managed = False
        db_table = "iu_route_delivery"
        ordering = ["-event_id"]
        verbose_name = "route delivery"
        verbose_name_plural = "route deliveries"

    def __str__(self) -> str:
        return f"event #{self.event_id} via route #{self.route_id} ({self.status})"


class RouteAttempt(models.Model):
    id = models.BigAutoField(primary_key=True)
    event_id = models.BigIntegerField()
    route = models.ForeignKey(OutboundRoute, models.DO_NOTHING)
    worker_name = models.TextField()
    attempt_no = models.IntegerField()
    status = models.TextField()
    error = models.TextField(null=True)
    result = ReadableJSONField(null=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    duration_ms = models.DecimalField(max_digits=14, decimal_places=3)

    class Meta:
        managed = False
        db_table = "iu_route_attempt"
        ordering = ["-id"]
        verbose_name = "route attempt"

    def __str__(self) -> str:
        return f"attempt {self.attempt_no} of event #{self.event_id} ({self.status})"


class RouteDeadLetter(models.Model):
    id = models.BigAutoField(primary_key=True)
    event_id = models.BigIntegerField()
    event_created_at = models.DateTimeField()
    event_type = models.TextField()
    route = models.ForeignKey(OutboundRoute, models.DO_NOTHING)
    worker_name = models.TextField()
    attempts = models.IntegerField()
    last_error = models.TextField(null=True)
    event_snapshot = ReadableJSONField()
    dead_at = models.DateTimeField()
    triage_status = models.TextField()
    triaged_by = models.TextField(null=True)
    triaged_at = models.DateTimeField(null=True)
    note = models.TextField(null=True)
    replayed_by = models.TextField(null=True)
    replayed_at = models.DateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "iu_route_dead_letter"
        ordering = ["-dead_at", "-id"]
        verbose_name = "routing dead letter"
        permissions = [
            ("triage_routedeadletter", "Can triage routing dead letters"),
            ("replay_routedeadletter", "Can replay routing dead letters"),
        ]
        triggers = [
            StrictFSM(
                name="route_dead_letter_triage_fsm",
                field="triage_status",
                transitions=DEAD_LETTER_TRIAGE_TRANSITIONS,
            ),
        ]

    def __str__(self) -> str:
        return f"routing dead letter #{self.pk} (event #{self.event_id})"


class SqlEventRoute(models.Model):
    id = models.BigAutoField(primary_key=True)
    route_name = models.TextField()
    source_table = models.TextField()
    operation = models.TextField()
    condition = ReadableJSONField()
    target_event_type = models.TextField()
    subject_column = models.TextField()
    payload_columns = ArrayField(models.TextField())
    correlation_column = models.TextField(null=True)
    enabled = models.BooleanField()
    dry_run = models.BooleanField()
    gate_key = models.TextField()
    description = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "iu_sql_event_route"
        ordering = ["route_name"]
        verbose_name = "trigger-IN route"

    def __str__(self) -> str:
        return self.route_name


class SqlRouteDryRun(models.Model):
    id = models.BigAutoField(primary_key=True)
    route = models.ForeignKey(SqlEventRoute, models.DO_NOTHING)
    source_table = models.TextField()
    operation = models.TextField()
    subject_ref = models.TextField(null=True)
    would_capture = ReadableJSONField()
    logged_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "iu_sql_event_route_dry_run_log"
        ordering = ["-id"]
        verbose_name = "trigger-IN dry-run log entry"
        verbose_name_plural = "trigger-IN dry-run log"

    def __str__(self) -> str:
        return f"{self.source_table} {self.operation} {self.subject_ref}"


class RegisteredName(models.Model):
    """A name an operator registered (audited) so the database may rely on it: its description,
    whether it is active, who registered and who last changed it."""

    description = models.TextField()
    status = models.TextField()
    registered_by = models.TextField()
    registered_at = models.DateTimeField()
    updated_by = models.TextField()
    updated_at = models.DateTimeField()

    class Meta:
        abstract = True


class RouteTarget(RegisteredName):
    """A function call_function routes may call (docs/events.md, "Going live")."""

    function_name = models.TextField(primary_key=True)

    class Meta:
        managed = False
        db_table = "iu_route_target"
        ordering = ["function_name"]
        verbose_name = "route target"
        permissions = [("register_routetarget", "Can register or retire route target functions")]

    def __str__(self) -> str:
        return self.function_name


class EventProducer(RegisteredName):
    """A producer the database cannot see (a module, a Mother): registered so its types may be activated."""

    producer_ref = models.TextField(primary_key=True)

    class Meta:
        managed = False
        db_table = "event_producer_registry"
        ordering = ["producer_ref"]
        verbose_name = "code producer"

    def __str__(self) -> str:
        return self.producer_ref
