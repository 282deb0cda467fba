"""Operator screens for the job substrate; state changes only through actions."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import admin
from django.db.models import Case, OuterRef, QuerySet, Subquery, When
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince

from jobs import db, services
from jobs.models import (
    Consumer,
    ExecutorClass,
    ExecutorLogin,
    IdempotencyKey,
    Job,
    JobAttempt,
    JobDeadLetter,
    JobSchedule,
    QueueHeartbeat,
    QueueState,
    RetryPolicy,
)
from queuegov.actor import Actor
from queuegov.admin_base import DeadLetterActions, GovernedAdmin, admin_link, table_link, values_filter

_link = partial(admin_link, "jobs")


def attempts_table(attempts: list[dict[str, Any]]) -> str:
    """Every attempt of a job (job_attempt_history rows, or a dead letter's copy of them) as a table.

    The error's first line is shown; the whole text (the traceback) opens below it.
    """
    if not attempts:
        return "No attempt yet."

    def when(value: Any) -> str:
        if isinstance(value, str):
            return value.replace("T", " ")[:23]
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S.%f")[:23] if value else "—"

    def error(a: dict[str, Any]) -> str:
        text = a.get("error") or ""
        if not text:
            return "—"
        head = text.splitlines()[0]
        if head == text.strip():
            return format_html("{}", head)
        return format_html("<details><summary>{}</summary><pre>{}</pre></details>", head, text)

    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (a["attempt"], a.get("worker_id") or "—", when(a.get("started_at")), when(a.get("finished_at")),
             a["outcome"], error(a))
            for a in attempts
        ),
    )  # fmt: skip
    return format_html(
        '<table class="qg-attempts"><thead><tr><th>attempt</th><th>worker</th><th>started</th><th>finished</th>'
        "<th>outcome</th><th>error</th></tr></thead><tbody>{}</tbody></table>",
        rows,
    )


class JobKindFilter(admin.SimpleListFilter):
    """Kinds from consumer_registry (a DISTINCT over millions of jobs would be slow)."""

    title = "job kind"
    parameter_name = "job_kind"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(k, k) for k in Consumer.objects.values_list("job_kind", flat=True)]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(job_kind=self.value()) if self.value() else queryset


@admin.register(Job)
class JobAdmin(GovernedAdmin):
    list_display = (
        "id",
        "job_kind",
        "queue",
        "status",
        "attempts_display",
        "priority",
        "run_at",
        "lease_owner",
        "age",
        "dead_letter",
    )
    list_filter = ("status", "queue", JobKindFilter)
    search_fields = ("=job_kind", "=idempotency_key", "=correlation_id")
    search_help_text = "A job id, or an exact job kind, idempotency key or correlation id."
    readonly_fields = (
        "id",
        "job_kind",
        "executor_class",
        "queue",
        "payload",
        "priority",
        "status",
        "attempts",
        "released_attempts",
        "max_attempts",
        "retry_policy",
        "run_at",
        "lease_owner",
        "lease_until",
        "last_worker_id",
        "idempotency_key",
        "correlation_id",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
        "last_error",
        "result",
        "run_link",
        "attempt_history",
        "replay_of",
        "dead_letter",
        "replayed_as",
    )
    exclude = ("replay_of_dead_letter",)
    actions = ["cancel", "retry_now"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # The dead-letter column in one query with the page, not one query per dead job.
        latest = JobDeadLetter.objects.filter(job_id=OuterRef("pk")).order_by("-id").values("pk")[:1]
        return (
            super()
            .get_queryset(request)
            .annotate(latest_dead_letter_id=Case(When(status="dead", then=Subquery(latest))))
        )

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        term = search_term.strip().lstrip("#")
        if term.isdigit():
            return queryset.filter(pk=int(term)), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="attempts")
    def attempts_display(self, obj: Job) -> str:
        # The attempts that count against max_attempts; released (unstarted) ones do not.
        return f"{obj.attempts - obj.released_attempts}/{obj.max_attempts}"

    @admin.display(description="attempt history")
    def attempt_history(self, obj: Job) -> str:
        return attempts_table(list(JobAttempt.objects.filter(job_id=obj.pk).order_by("attempt").values()))

    @admin.display(description="age")
    def age(self, obj: Job) -> str:
        return timesince(obj.created_at, timezone.now())

    @admin.display(description="dead letter")
    def dead_letter(self, obj: Job) -> str:
        if obj.status != "dead":
            return "—"
        if hasattr(obj, "latest_dead_letter_id"):  # annotated by get_queryset
            return _link("jobdeadletter", obj.latest_dead_letter_id)
        dl = obj.dead_letters.order_by("-id").first()
        return _link("jobdeadletter", dl.pk if dl else None)

    @admin.display(description="run")
    def run_link(self, obj: Job) -> str:
        """The staging ledger's run a job's result names (a dot.command job): a link, no import of staging."""
        run_id = obj.result.get("run_id") if isinstance(obj.result, dict) else None
        return table_link("dot_iu_command_run", run_id, f"run #{run_id}") if run_id else "—"

    @admin.display(description="replay of dead letter")
    def replay_of(self, obj: Job) -> str:
        return _link("jobdeadletter", obj.replay_of_dead_letter_id)

    @admin.display(description="replayed as")
    def replayed_as(self, obj: Job) -> str:
        dl = obj.dead_letters.filter(replayed_job__isnull=False).first()
        return _link("job", dl.replayed_job_id) if dl else "—"

    action_permissions = {
        "cancel": services.PERM_CANCEL,
        "retry": services.PERM_RETRY,
    }

    def action_applies(self, request: HttpRequest, name: str, obj: Job | None = None) -> bool:
        """Cancel and retry only where fn_job_act_statuses says they apply (a dead job is replayed
        from its dead letter, a finished one cannot be cancelled)."""
        if name not in ("cancel", "retry_now"):
            return True
        status = obj.status if obj is not None else request.GET.get("status__exact")
        return status is None or status in db.act_statuses(name)

    @admin.action(description="Cancel selected jobs", permissions=["cancel"])
    def cancel(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self.confirm_and_run_once(
            request,
            queryset,
            action="cancel",
            title="Cancel jobs",
            intro="Queued and running jobs are cancelled; a running job's late result is refused.",
            act=lambda ids, data: services.cancel_jobs(Actor.for_request(request), request.user, ids, data["reason"]),
        )

    @admin.action(description="Retry selected jobs now", permissions=["retry"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self.confirm_and_run_once(
            request,
            queryset,
            action="retry_now",
            title="Retry jobs now",
            intro="Queued jobs run now; cancelled jobs are queued again. Dead jobs are replayed from dead letters.",
            act=lambda ids, data: services.retry_jobs(Actor.for_request(request), request.user, ids, data["reason"]),
        )


@admin.register(JobDeadLetter)
class JobDeadLetterAdmin(DeadLetterActions, GovernedAdmin):
    audit_noun = "job_dead_letter"
    list_display = (
        "id",
        "job_link",
        "job_kind",
        "queue_name",
        "attempts",
        "error",
        "dead_at",
        "triage_status",
        "triaged_by",
        "replayed_link",
    )
    list_filter = (
        "triage_status",
        values_filter("queue_name", lambda: QueueState.objects.values_list("queue_name", flat=True), "queue"),
    )
    search_fields = ("=job_kind", "=job__id")
    readonly_fields = (
        "id",
        "job_link",
        "job_kind",
        "queue_name",
        "attempts",
        "max_attempts",
        "last_error",
        "attempt_history_table",
        "job_snapshot",
        "dead_at",
        "triage_status",
        "triaged_by",
        "triaged_at",
        "note",
        "replayed_link",
        "replayed_by",
        "replayed_at",
        "authorization_source",
    )
    exclude = ("job", "replayed_job", "attempt_history")

    @admin.display(description="job")
    def job_link(self, obj: JobDeadLetter) -> str:
        return _link("job", obj.job_id)

    @admin.display(description="attempt history")
    def attempt_history_table(self, obj: JobDeadLetter) -> str:
        return attempts_table(obj.attempt_history)

    @admin.display(description="replayed as")
    def replayed_link(self, obj: JobDeadLetter) -> str:
        return _link("job", obj.replayed_job_id)

    @admin.display(description="last error")
    def error(self, obj: JobDeadLetter) -> str:
        first = (obj.last_error or "").splitlines()[:1]
        return (first[0][:120] + "…") if first and len(first[0]) > 120 else (first[0] if first else "")

    action_permissions = {
        "triage": services.PERM_TRIAGE,
        "replay": services.PERM_REPLAY,
    }

    dead_letter_services = services
    replay_intro = "Each dead letter becomes a new job linked to it. Gate queue.dlq_replay.enabled must be open."


@admin.register(QueueState)
class QueueStateAdmin(GovernedAdmin):
    audit_noun = "queue"
    list_display = ("queue_name", "paused", "paused_by", "paused_at", "reason", "queued", "running")
    actions = ["pause", "resume"]

    @admin.display(description="queued")
    def queued(self, obj: QueueState) -> int:
        return Job.objects.filter(queue_id=obj.queue_name, status="queued").count()

    @admin.display(description="running")
    def running(self, obj: QueueState) -> int:
        return Job.objects.filter(queue_id=obj.queue_name, status="running").count()

    action_permissions = {
        "pause": services.PERM_PAUSE,
        "resume": services.PERM_RESUME,
    }

    @admin.action(description="Pause selected queues", permissions=["pause"])
    def pause(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self.confirm_and_run(
            request,
            queryset,
            action="pause",
            title="Pause queues",
            act=lambda obj, data: services.pause_queue(
                Actor.for_request(request), request.user, obj.pk, data["reason"]
            ),
        )

    @admin.action(description="Resume selected queues", permissions=["resume"])
    def resume(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self.confirm_and_run(
            request,
            queryset,
            action="resume",
            title="Resume queues",
            act=lambda obj, data: services.resume_queue(
                Actor.for_request(request), request.user, obj.pk, data["reason"]
            ),
        )


@admin.register(JobSchedule)
class JobScheduleAdmin(GovernedAdmin):
    audit_noun = "job_schedule"
    list_display = (
        "name",
        "cron_expression",
        "job_kind",
        "queue",
        "enabled",
        "next_run_at",
        "last_enqueued_slot",
        "last_job",
        "skipped_slots",
    )
    list_filter = ("enabled",)
    actions = ["enable", "disable"]

    @admin.display(description="last job")
    def last_job(self, obj: JobSchedule) -> str:
        return _link("job", obj.last_job_id)

    action_permissions = {
        "toggle": "jobs.toggle_jobschedule",
    }

    def _toggle(self, request: HttpRequest, queryset: QuerySet, enabled: bool) -> HttpResponse | None:
        verb = "enable" if enabled else "disable"
        return self.confirm_and_run(
            request,
            queryset,
            action=verb,
            title=f"{verb.capitalize()} schedules",
            act=lambda obj, data: services.set_schedule_enabled(
                Actor.for_request(request), request.user, obj.pk, enabled, data["reason"]
            ),
        )

    @admin.action(description="Enable selected schedules", permissions=["toggle"])
    def enable(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._toggle(request, queryset, True)

    @admin.action(description="Disable selected schedules", permissions=["toggle"])
    def disable(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._toggle(request, queryset, False)


@admin.register(QueueHeartbeat)
class QueueHeartbeatAdmin(GovernedAdmin):
    list_display = ("executor_name", "executor_kind", "state", "last_beat_at", "silent_for", "beats", "first_beat_at")
    list_filter = ("status", "executor_kind")
    search_fields = ("executor_name",)

    @admin.display(description="status")
    def state(self, obj: QueueHeartbeat) -> str:
        colour = "#1a7f37" if obj.status == "fresh" else "#cf222e"
        return format_html('<strong style="color:{}">{}</strong>', colour, obj.status.upper())

    @admin.display(description="silent for")
    def silent_for(self, obj: QueueHeartbeat) -> str:
        return timesince(obj.last_beat_at, timezone.now())


@admin.register(ExecutorLogin)
class ExecutorLoginAdmin(GovernedAdmin):
    """Executor hosts' own logins: created by `manage.py executor_credentials`, never here."""

    list_display = ("role_name", "executor_kind", "claims_from", "created_at", "created_by")
    list_filter = ("executor_kind",)
    search_fields = ("=role_name",)

    @admin.display(description="claims from")
    def claims_from(self, obj: ExecutorLogin) -> str:
        return ", ".join(obj.queues) if obj.queues else "any queue"


@admin.register(ExecutorClass)
class ExecutorClassAdmin(GovernedAdmin):
    list_display = ("code", "name", "executor_kind", "max_concurrency", "handler_ref", "status")
    list_filter = ("executor_kind", "status")


@admin.register(RetryPolicy)
class RetryPolicyAdmin(GovernedAdmin):
    list_display = ("code", "backoff", "max_attempts", "base_delay_seconds", "max_delay_seconds", "status")


@admin.register(Consumer)
class ConsumerAdmin(GovernedAdmin):
    list_display = ("job_kind", "executor_class", "queue_name", "retry_policy", "handler_ref", "status")
    list_filter = ("executor_class", "status")
    list_select_related = ("executor_class", "retry_policy")
    search_fields = ("job_kind",)


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(GovernedAdmin):
    list_display = ("scope", "key", "result_ref", "created_at", "created_by", "expires_at")
    list_filter = ("scope",)
    search_fields = ("=key",)
