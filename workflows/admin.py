"""The workflow console: workflows by status and name, each drawn as its graph with
its steps; cancel a workflow, retry a failed step, both with a reason."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from django.contrib import admin
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from queuegov.actor import Actor
from queuegov.admin_base import GovernedAdmin, admin_link, values_filter
from workflows import graph, services
from workflows.models import Workflow, WorkflowStep, WorkflowStepDependency

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
        return _link("workflow", step.workflow_id, f"workflow #{step.workflow_id}, step {step.name}")

    @admin.display(description="graph")
    def graph(self, obj: Workflow) -> str:
        nodes = [
            graph.Node(s.pk, s.name, s.status, s.job_id, s.child_workflow_id)
            for s in WorkflowStep.objects.filter(workflow_id=obj.pk).order_by("id")
        ]
        edges = list(
            WorkflowStepDependency.objects.filter(step__workflow_id=obj.pk).values_list("step_id", "depends_on_id")
        )
        return graph.svg(nodes, edges)

    @admin.display(description="steps")
    def steps_table(self, obj: Workflow) -> str:
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
                    admin_link("jobs", "job", s.job_id) if s.job_id else _link("workflow", s.child_workflow_id),
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
            '<table class="workflow-steps"><thead><tr><th>step</th><th>state</th><th>job or workflow</th>'
            "<th>dependencies done</th><th>started</th><th>finished</th><th>error</th></tr></thead>"
            "<tbody>{}</tbody></table>{}",
            rows,
            more,
        )

    def action_applies(self, request: HttpRequest, name: str, obj: Workflow | None = None) -> bool:
        if name != "cancel":
            return True
        status = obj.status if obj is not None else request.GET.get("status__exact")
        return status in (None, "running")

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
        "spec",
        "result",
        "error",
        "started_at",
        "finished_at",
    )
    exclude = ("workflow", "child_workflow", "job_id", "deps_total", "deps_pending", "deps_failed")
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
        return status in (None, "failed") and (obj is None or obj.step_kind == "job")

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
