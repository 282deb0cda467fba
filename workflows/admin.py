"""The workflow console: workflows by status and name, each drawn as its graph with
its steps; cancel a workflow, retry a failed step, both with a reason."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from events.admin.common import ToolsMixin
from queuegov.actor import Actor
from queuegov.admin_base import GovernedAdmin, ReasonForm, admin_link, table_link, values_filter
from workflows import db, graph, services
from workflows.models import HumanTask, Message, MessageSubject, Workflow, WorkflowStep, WorkflowStepDependency

_link = partial(admin_link, "workflows")
STEPS_LISTED = 200  # steps the workflow page lists (the graph summarises wide layers)


def _when(value: datetime | None) -> str:
    """A step's time as the admin writes times: ISO, to the second."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else "—"


def _names() -> list[str]:
    """The workflow names to filter by (at most 200, in name order)."""
    return list(Workflow.objects.order_by("name").values_list("name", flat=True).distinct()[:200])


@admin.register(Workflow)
class WorkflowAdmin(GovernedAdmin):
    list_display = ("id", "name", "status", "progress", "parent", "started_by", "created_at", "finished_at")
    list_filter = ("status", values_filter("name", _names, "name"))
    search_fields = ("=name", "=correlation_id")
    search_help_text = "A workflow id, or an exact name or correlation id."
    readonly_fields = (
        "id",
        "name",
        "status",
        "progress",
        "parent",
        "started_by",
        "correlation_id",
        "cancel_reason",
        "created_at",
        "finished_at",
        "result",
        "graph",
        "steps_table",
    )
    exclude = ("parent_step", "steps_total", "steps_open")
    actions = ["cancel"]
    action_permissions = {"cancel": services.PERM_CANCEL}

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        term = search_term.strip().lstrip("#")
        if term.isdigit():
            return queryset.filter(pk=int(term)), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="steps done")
    def progress(self, obj: Workflow) -> str:
        return f"{obj.steps_total - obj.steps_open}/{obj.steps_total}"

    @admin.display(description="sub-workflow of")
    def parent(self, obj: Workflow) -> str:
        if obj.parent_step_id is None:
            return "—"
        step = WorkflowStep.objects.only("workflow_id", "name").get(pk=obj.parent_step_id)
        link = _link("workflow", step.workflow_id, f"workflow #{step.workflow_id}, step {step.name}")
        if obj.added_by_job_id is None:
            return link
        return format_html("{}, added by its job {}", link, admin_link("jobs", "job", obj.added_by_job_id))

    @admin.display(description="graph")
    def graph(self, obj: Workflow) -> str:
        tasks = dict(HumanTask.objects.filter(workflow_step__workflow_id=obj.pk).values_list("workflow_step_id", "id"))
        nodes = [
            graph.Node(s.pk, s.name, s.status, s.job_id, s.child_workflow_id, tasks.get(s.pk))
            for s in WorkflowStep.objects.filter(workflow_id=obj.pk).order_by("id")
        ]
        edges = list(
            WorkflowStepDependency.objects.filter(step__workflow_id=obj.pk).values_list("step_id", "depends_on_id")
        )
        return graph.svg(nodes, edges)

    @admin.display(description="steps")
    def steps_table(self, obj: Workflow) -> str:
        tasks = dict(HumanTask.objects.filter(workflow_step__workflow_id=obj.pk).values_list("workflow_step_id", "id"))
        steps = (
            WorkflowStep.objects.filter(workflow_id=obj.pk)
            .annotate(done=F("deps_total") - F("deps_pending"))
            .order_by("id")[: STEPS_LISTED + 1]
        )
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}/{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    _link("workflowstep", s.pk, s.name),
                    s.status,
                    admin_link("jobs", "job", s.job_id)
                    if s.job_id
                    else _link("workflow", s.child_workflow_id)
                    if s.child_workflow_id
                    else _link("humantask", tasks.get(s.pk)),
                    s.done,
                    s.deps_total,
                    _when(s.started_at),
                    _when(s.finished_at),
                    s.error or "",
                )
                for s in list(steps)[:STEPS_LISTED]
            ),
        )
        more = "" if len(steps) <= STEPS_LISTED else format_html("<p>The first {} steps.</p>", STEPS_LISTED)
        return format_html(
            '<table class="workflow-steps"><thead><tr><th>step</th><th>state</th><th>job, workflow or task</th>'
            "<th>dependencies done</th><th>started</th><th>finished</th><th>error</th></tr></thead>"
            "<tbody>{}</tbody></table>{}",
            rows,
            more,
        )

    def action_applies(self, request: HttpRequest, name: str, obj: Workflow | None = None) -> bool:
        if name != "cancel":
            return True
        status = obj.status if obj is not None else request.GET.get("status__exact")
        return status is None or status in db.workflow_act_statuses("cancel")

    @admin.action(description="Cancel selected workflows", permissions=["cancel"])
    def cancel(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        actor = Actor.for_request(request)
        return self.confirm_and_run(
            request,
            queryset,
            action="cancel",
            title="Cancel workflows",
            intro="Every step that has not finished is cancelled, in sub-workflows too; running jobs' late results "
            "are refused.",
            act=lambda wf, data: services.cancel_workflow(actor, request.user, wf.pk, data["reason"]),
        )


@admin.register(WorkflowStep)
class WorkflowStepAdmin(GovernedAdmin):
    list_display = ("id", "name", "workflow_link", "step_kind", "status", "job", "started_at", "finished_at")
    list_filter = ("status", "step_kind")
    search_fields = ("=name",)
    readonly_fields = (
        "id",
        "workflow_link",
        "name",
        "step_kind",
        "status",
        "on_dependency_failure",
        "dependencies",
        "job",
        "sub_workflow",
        "added_workflows",
        "spec",
        "result",
        "error",
        "started_at",
        "finished_at",
    )
    exclude = (
        "workflow",
        "child_workflow",
        "job_id",
        "deps_total",
        "deps_pending",
        "deps_failed",
        "added_open",
        "job_succeeded",
    )
    actions = ["retry"]
    action_permissions = {"retry": services.PERM_RETRY_STEP}

    @admin.display(description="workflow")
    def workflow_link(self, obj: WorkflowStep) -> str:
        return _link("workflow", obj.workflow_id)

    @admin.display(description="job")
    def job(self, obj: WorkflowStep) -> str:
        return admin_link("jobs", "job", obj.job_id)

    @admin.display(description="sub-workflow")
    def sub_workflow(self, obj: WorkflowStep) -> str:
        return _link("workflow", obj.child_workflow_id)

    @admin.display(description="workflows its jobs added")
    def added_workflows(self, obj: WorkflowStep) -> str:
        added = Workflow.objects.filter(parent_step_id=obj.pk, added_by_job_id__isnull=False).order_by("id")
        waiting = f" (its job succeeded; waiting for {obj.added_open})" if obj.job_succeeded else ""
        links = format_html_join(
            ", ", "{} ({}, job {})", ((_link("workflow", w.pk, str(w)), w.status, w.added_by_job_id) for w in added)
        )
        return format_html("{}{}", links, waiting) if added else "—"

    @admin.display(description="depends on")
    def dependencies(self, obj: WorkflowStep) -> str:
        parents = WorkflowStep.objects.filter(
            pk__in=WorkflowStepDependency.objects.filter(step_id=obj.pk).values("depends_on_id")
        ).order_by("id")
        done = f" ({obj.deps_total - obj.deps_pending} of {obj.deps_total} finished)" if obj.deps_total else ""
        links = format_html_join(", ", "{} ({})", ((_link("workflowstep", p.pk, p.name), p.status) for p in parents))
        return format_html("{}{}", links, done) if obj.deps_total else "—"

    def action_applies(self, request: HttpRequest, name: str, obj: WorkflowStep | None = None) -> bool:
        if name != "retry":
            return True
        status = obj.status if obj is not None else request.GET.get("status__exact")
        kind = obj.step_kind if obj is not None else request.GET.get("step_kind__exact", "job")
        statuses = db.workflow_act_statuses("retry", kind)
        return bool(statuses) and (status is None or status in statuses)

    @admin.action(description="Retry selected failed steps", permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        actor = Actor.for_request(request)
        return self.confirm_and_run(
            request,
            queryset,
            action="retry",
            title="Retry failed steps",
            intro="Each step, and the steps its failure cancelled, wait again; its job is enqueued afresh.",
            act=lambda step, data: services.retry_step(actor, request.user, step.pk, data["reason"]),
        )


class NoteForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
        required=False,
        max_length=2000,
        help_text="Optional. Kept in the audit trail.",
    )


class MineFilter(admin.SimpleListFilter):
    """A person's task list by default: assigned to them, their groups or roles, or claimed by them."""

    title = "whose"
    parameter_name = "whose"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("all", "everyone's")]

    def choices(self, changelist: Any) -> Any:
        mine = changelist.get_query_string(remove=[self.parameter_name])
        everyone = changelist.get_query_string({self.parameter_name: "all"})
        yield {"selected": self.value() is None, "query_string": mine, "display": "mine"}
        yield {"selected": self.value() == "all", "query_string": everyone, "display": "everyone's"}

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "all":
            return queryset
        user = request.user
        groups = list(user.groups.values_list("name", flat=True))
        return queryset.filter(
            Q(assignee_kind="user", assignee=user.get_username())
            | Q(assignee_kind__in=["group", "role"], assignee__in=groups)
            | Q(claimed_by=f"user:{user.get_username()}")
        )


# act name -> (label, statuses it applies to, task kinds, form)
#: The acts on a task, with their labels and forms; which apply in which state is the
#: database's fn_task_act_statuses (read by ``HumanTaskAdmin.action_applies``).
TASK_ACTS: dict[str, tuple[str, type[forms.Form]]] = {
    "claim": ("Claim", NoteForm),
    "release": ("Release (give back)", ReasonForm),
    "start": ("Start", NoteForm),
    "complete": ("Complete", ReasonForm),
    "reject": ("Reject", ReasonForm),
    "approve": ("Approve", ReasonForm),
    "cancel": ("Cancel (filed by you)", ReasonForm),
}
TASK_KINDS = ("task", "approval")


def _task_action(act: str) -> Any:
    label, form = TASK_ACTS[act]

    def action(self: HumanTaskAdmin, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        actor = Actor.for_request(request)
        return self.confirm_and_run(
            request,
            queryset,
            action=act,
            title=f"{label} tasks",
            intro="The database checks that you may: the assignee (or their group or role) claims; the claimer "
            "starts, completes or rejects; approvers are never the workflow's starter or who did the work.",
            form_class=form,
            act=lambda task, data: services.task_act(actor, request.user, task.pk, act, data["reason"] or None),
        )

    action.__name__ = act
    return admin.action(description=f"{label} selected tasks", permissions=["task"])(action)


@admin.register(HumanTask)
class HumanTaskAdmin(GovernedAdmin):
    list_display = ("id", "title", "task_kind", "status", "assigned_to", "claimed_by", "due_at", "step", "created_at")
    list_filter = (MineFilter, "status", "task_kind")
    search_fields = ("=assignee", "=claimed_by", "title")
    readonly_fields = (
        "id",
        "title",
        "description",
        "task_kind",
        "status",
        "assigned_to",
        "approvals",
        "claimed_by",
        "claimed_at",
        "started_at",
        "due_at",
        "overdue_raised_at",
        "finished_by",
        "finished_at",
        "reason",
        "result",
        "subject",
        "step",
        "created_by",
        "created_at",
    )
    exclude = ("workflow_step", "assignee_kind", "assignee", "approvals_required", "subject_table", "subject_ref")
    actions = [_task_action(act) for act in TASK_ACTS]
    action_permissions = {"task": services.PERM_TASK}

    @admin.display(description="assigned to")
    def assigned_to(self, obj: HumanTask) -> str:
        return f"{obj.assignee_kind} {obj.assignee}"

    @admin.display(description="approvals")
    def approvals(self, obj: HumanTask) -> str:
        if obj.task_kind != "approval":
            return "—"
        rows = format_html_join(
            "",
            "<li>{} {} {}: {}</li>",
            ((d.actor, d.decision, _when(d.decided_at), d.reason) for d in obj.decisions.all()),
        )
        approved = sum(1 for d in obj.decisions.all() if d.decision == "approved")
        return format_html("{} of {} needed<ul>{}</ul>", approved, obj.approvals_required, rows)

    @admin.display(description="about")
    def subject(self, obj: HumanTask) -> str:
        return table_link(obj.subject_table, obj.subject_ref) if obj.subject_ref else "—"

    @admin.display(description="workflow step")
    def step(self, obj: HumanTask) -> str:
        if obj.workflow_step_id is None:
            return "—"
        s = WorkflowStep.objects.only("workflow_id", "name").get(pk=obj.workflow_step_id)
        return format_html("{} of {}", _link("workflowstep", s.pk, s.name), _link("workflow", s.workflow_id))

    def action_applies(self, request: HttpRequest, name: str, obj: HumanTask | None = None) -> bool:
        if name not in TASK_ACTS:
            return True
        status = obj.status if obj is not None else request.GET.get("status__exact")
        kind = obj.task_kind if obj is not None else request.GET.get("task_kind__exact")
        kinds = [kind] if kind in TASK_KINDS else TASK_KINDS
        return any(
            (statuses := db.task_act_statuses(name, k)) and (status is None or status in statuses) for k in kinds
        )


class PostMessageForm(forms.Form):
    subject_table = forms.ChoiceField(label="subject", choices=())
    subject_ref = forms.CharField(label="row", max_length=200, help_text="The id of the job, workflow, task …")
    recipients = forms.CharField(
        max_length=2000,
        help_text="user:NAME, group:NAME or role:NAME, separated by commas (a reply also reaches its thread).",
        required=False,
    )
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 5, "cols": 80}), max_length=4000)
    reply_to = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subject_table"].choices = list(
            MessageSubject.objects.order_by("subject_table").values_list("subject_table", "description")
        )

    def clean_recipients(self) -> list[dict[str, str]]:
        """``user:alice, role:approver`` as [{"kind", "ref"}]; which kinds and names are allowed is
        fn_message_post's rule (invalid_recipients names a bad one)."""
        items = filter(None, (part.strip() for part in self.cleaned_data["recipients"].split(",")))
        return [{"kind": kind.strip(), "ref": ref.strip()} for kind, _, ref in (i.partition(":") for i in items)]


@admin.register(Message)
class MessageAdmin(ToolsMixin, GovernedAdmin):
    tools = (("post/", "Post a message", services.PERM_POST),)
    list_display = ("id", "about", "author", "excerpt", "to", "posted_at", "thread")
    list_filter = ("subject",)
    search_fields = ("=subject_ref", "=author")
    readonly_fields = ("id", "about", "author", "body", "to", "posted_at", "thread_view")
    exclude = ("subject", "subject_ref", "reply_to", "thread_id", "recipients", "event_id")

    @admin.display(description="about")
    def about(self, obj: Message) -> str:
        return table_link(obj.subject_id, obj.subject_ref)

    @admin.display(description="message")
    def excerpt(self, obj: Message) -> str:
        return obj.body if len(obj.body) <= 80 else obj.body[:79] + "…"

    @admin.display(description="to")
    def to(self, obj: Message) -> str:
        return ", ".join(f"{r['kind']}:{r['ref']}" for r in obj.recipients)

    @admin.display(description="thread")
    def thread(self, obj: Message) -> str:
        return _link("message", obj.thread_id, f"#{obj.thread_id}")

    @admin.display(description="thread")
    def thread_view(self, obj: Message) -> str:
        """The whole thread, oldest first, each message with its reply link."""
        post = reverse("admin:workflows_message_post")
        rows = format_html_join(
            "",
            '<li><strong>{}</strong> {}{}<br>{}<br><a href="{}?reply_to={}">Reply</a></li>',
            (
                (m.author, _when(m.posted_at), " (this message)" if m.pk == obj.pk else "", m.body, post, m.pk)
                for m in Message.objects.filter(thread_id=obj.thread_id).order_by("id")[:500]
            ),
        )
        return format_html('<ol class="message-thread">{}</ol>', rows)

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.post_view)
        return [path("post/", view, name="workflows_message_post"), *super().get_urls()]

    def post_view(self, request: HttpRequest) -> HttpResponse:
        """Post on a subject (``?subject_table=workflow&subject_ref=12``) or reply (``?reply_to=7``)."""
        initial = {k: request.GET[k] for k in ("subject_table", "subject_ref", "reply_to") if k in request.GET}
        parent = (
            Message.objects.filter(pk=initial["reply_to"]).first() if initial.get("reply_to", "").isdigit() else None
        )
        if parent is not None:
            initial.update(subject_table=parent.subject_id, subject_ref=parent.subject_ref)

        class Form(PostMessageForm):
            def __init__(self, data: Any = None) -> None:
                super().__init__(data, initial=initial)

        return self.governed_form_view(
            request,
            permission=services.PERM_POST,
            title="Reply" if parent else "Post a message",
            form_class=Form,
            act=lambda data: services.post_message(
                Actor.for_request(request),
                request.user,
                data["subject_table"],
                data["subject_ref"],
                data["body"],
                data["recipients"],
                data["reply_to"],
            ),
            intro=f"In reply to {parent.author}: {parent.body[:200]}" if parent else "",
        )
