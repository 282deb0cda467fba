"""The four roles as auth Groups bundling custom permissions (docs/operations.md, "Roles").

Later apps extend ``ROLE_PERMISSIONS``; the auditor gets every ``view_``
permission of the project's apps, so a new model is readable to auditors
without editing this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction

PROJECT_APPS = ("queuegov", "events", "jobs", "staging", "ops", "workflows")

_READ_GOVERNANCE = [
    "queuegov.view_dotconfig",
    "queuegov.view_dotconfighistory",
    "queuegov.view_gatechangerequest",
    "queuegov.view_eventdomainregistry",
]

_READ_JOBS = [
    f"jobs.view_{model}"
    for model in (
        "job",
        "jobdeadletter",
        "queuestate",
        "jobschedule",
        "queueheartbeat",
        "executorlogin",
        "executorclass",
        "retrypolicy",
        "consumer",
        "idempotencykey",
    )
]

_READ_EVENTS = [
    "events.view_inboxentry",
    "events.view_event",
    "events.view_eventtype",
    "events.view_eventproducer",
]
_READ_ROUTING = [
    f"events.view_{model}"
    for model in (
        "pendingevent",
        "subscription",
        "routeworkercursor",
        "outboundroute",
        "routedelivery",
        "routeattempt",
        "routedeadletter",
        "sqleventroute",
        "sqlroutedryrun",
        "eventsubjectkey",
        "routetarget",
    )
]

_READ_STAGING = [
    f"staging.view_{model}"
    for model in (
        "stagingrecord",
        "stagingpayload",
        "informationunit",
        "lifecyclelog",
        "commandrun",
        "commandcatalog",
        "runtimelease",
    )
]

# Every staff role works its own tasks and approvals (the act checks who is the assignee)
# and sees the workflows they are steps of.
_TASKS = [
    "workflows.view_humantask",
    "workflows.act_humantask",
    "workflows.view_workflow",
    "workflows.view_workflowstep",
    "workflows.view_message",
    "workflows.view_messagesubject",
    "workflows.post_message",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "reviewer": [*_READ_GOVERNANCE, *_READ_EVENTS, *_READ_STAGING, "staging.verify_stagingrecord", *_TASKS],
    "approver": [
        *_READ_GOVERNANCE,
        *_READ_EVENTS,
        "queuegov.approve_gatechangerequest",
        "queuegov.reject_gatechangerequest",
        *_READ_STAGING,
        "staging.verify_stagingrecord",
        "staging.approve_stagingrecord",
        "staging.reject_stagingrecord",
        "events.manage_eventtype",
        *_TASKS,
    ],
    "operator": [
        *_READ_GOVERNANCE,
        "queuegov.request_gatechangerequest",
        *_READ_JOBS,
        "jobs.cancel_job",
        "jobs.retry_job",
        "jobs.triage_jobdeadletter",
        "jobs.replay_jobdeadletter",
        "jobs.pause_queuestate",
        "jobs.resume_queuestate",
        "jobs.toggle_jobschedule",
        *_READ_EVENTS,
        *_READ_ROUTING,
        "events.manage_subscription",
        "events.toggle_outboundroute",
        "events.register_routetarget",
        "events.register_eventtype",
        "events.add_cursor_routeworkercursor",
        "events.triage_routedeadletter",
        "events.replay_routedeadletter",
        *_READ_STAGING,
        "staging.mark_stagingrecord",
        "staging.cut_stagingrecord",
        "staging.verifycut_stagingrecord",
        "staging.cleanup_stagingrecord",
        "workflows.cancel_workflow",
        "workflows.retry_workflowstep",
        *_TASKS,
    ],
    # auditor: every view_ permission of the project's apps (role_permissions),
    # plus reading (and marking read) their own inbox
    "auditor": [],
}

ROLES = tuple(ROLE_PERMISSIONS)


@dataclass
class RoleSync:
    role: str
    created: bool
    permissions: int
    added: int
    removed: int


def role_permissions(role: str) -> list[Permission]:
    """The exact permission set of ``role``; a missing codename is an error."""
    if role == "auditor":
        return list(
            Permission.objects.filter(content_type__app_label__in=PROJECT_APPS, codename__startswith="view_")
            .select_related("content_type")
            .order_by("content_type__app_label", "codename")
        )
    perms = []
    for label in ROLE_PERMISSIONS[role]:
        app_label, codename = label.split(".", 1)
        try:
            perms.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        except Permission.DoesNotExist:
            raise LookupError(f"permission {label} for role {role} does not exist; run migrate first") from None
    return perms


@transaction.atomic
def bootstrap_roles() -> list[RoleSync]:
    """Create or update the role groups so each holds exactly its permissions."""
    results = []
    for role in ROLES:
        group, created = Group.objects.get_or_create(name=role)
        wanted = set(role_permissions(role))
        current = set(group.permissions.all())
        group.permissions.set(wanted)
        results.append(RoleSync(role, created, len(wanted), len(wanted - current), len(current - wanted)))
    return results


def grant_role(actor: Any, user: Any, username: str, role: str, reason: str, *, grant: bool = True) -> Any:
    """``manage.py grant_role``: one governed act (fn_role_grant changes the membership and audits it)."""
    from queuegov import db
    from queuegov.audit import Effect, governed_act

    return governed_act(
        actor,
        "role.grant" if grant else "role.revoke",
        lambda: Effect.from_answer(db.role_grant(username, role, grant, reason)),
        target_table="auth_user",
        target_ids=[username],
        reason=reason,
        user=user,
        permission="auth.change_user",
    )
