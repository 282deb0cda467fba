"""Display helpers of the staging screens: links, coloured states, verdict
tables, fixed-choice filters and the sections of the manifest page (all HTML
escaped with format_html)."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from events.models import Event, PendingEvent
from queuegov.admin_base import admin_link
from staging.models import CommandRun, StagingRecord

PIECES_SHOWN = 500

LIFECYCLE = tuple(s.value for s in StagingRecord.Lifecycle)
RUN_STATUSES = ("succeeded", "duplicate", "nothing_to_do", "planned", "passed", "problems", "refused", "verified",
                "no_vector_ok")  # fmt: skip

LIFECYCLE_COLOURS = {
    "pending_review": "#9a6700",
    "approved": "#1a7f37",
    "rejected": "#cf222e",
    "consumed": "#0969da",
    "expired": "#6e7781",
    "cleaned": "#6e7781",
    "archived": "#6e7781",
}
STATUS_COLOURS = {
    "succeeded": "#1a7f37",
    "passed": "#1a7f37",
    "verified": "#1a7f37",
    "no_vector_ok": "#1a7f37",
    "planned": "#0969da",
    "duplicate": "#6e7781",
    "nothing_to_do": "#6e7781",
    "problems": "#cf222e",
    "refused": "#cf222e",
}


link = partial(admin_link, "staging")


def changelist(model: str, label: str, **params: Any) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    url = reverse(f"admin:staging_{model}_changelist") + (f"?{query}" if query else "")
    return format_html('<a href="{}">{}</a>', url, label)


def coloured(value: str, colours: dict[str, str]) -> str:
    return format_html('<strong style="color:{}">{}</strong>', colours.get(value, "inherit"), value)


def pretty(value: Any) -> str:
    return format_html('<pre style="white-space:pre-wrap;margin:0">{}</pre>', json.dumps(value, indent=2, default=str))


def verdict_table(verdict: dict[str, Any] | None, sections: tuple[str, ...] = ()) -> SafeString:
    """One row per axis (A, B, C, and e.g. the manifest comparison), each problem by piece or unit."""
    if not verdict:
        return mark_safe("<p>No verdict yet.</p>")
    parts = sorted((verdict.get("axes") or {}).items())
    parts += [(name, verdict[name]) for name in sections if isinstance(verdict.get(name), dict)]
    rows = []
    for name, axis in parts:
        problems = format_html_join(
            "",
            "<li>{}: {}</li>",
            (
                (
                    f"piece {p['piece_no']}"
                    if p.get("piece_no") is not None
                    else (f"unit {p['unit_id']}" if p.get("unit_id") is not None else "manifest"),
                    p["problem"],
                )
                for p in axis.get("problems", [])
            ),
        )
        more = axis.get("problem_count", 0) - len(axis.get("problems", []))
        rows.append(
            format_html(
                '<tr class="verdict-axis axis-{}"><th>{}</th><td>{}</td><td>{}</td><td><ul>{}</ul>{}</td></tr>',
                name,
                name,
                coloured("ok", {"ok": "#1a7f37"})
                if axis.get("ok")
                else coloured(f"{axis.get('problem_count')} problem(s)", {}),
                axis.get("check", ""),
                problems,
                f"… and {more} more" if more > 0 else "",
            )
        )
    return format_html(
        '<p class="verdict">Verdict: {}</p><table class="verdict-table"><thead><tr><th>axis</th><th>result</th>'
        "<th>check</th><th>problems</th></tr></thead><tbody>{}</tbody></table>",
        coloured(str(verdict.get("verdict")), STATUS_COLOURS),
        mark_safe("".join(rows)),  # noqa: S308 (built with format_html)
    )


def choices_filter(field: str, values: tuple[str, ...], title: str | None = None) -> type[admin.SimpleListFilter]:
    """A filter with fixed choices: Django's default lists a text column's values with a
    SELECT DISTINCT over the whole table on every page."""

    def lookups(self: admin.SimpleListFilter, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(v, v) for v in values]

    def queryset(self: admin.SimpleListFilter, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(**{field: self.value()}) if self.value() else queryset

    return type(
        f"{field.title().replace('_', '')}Filter",
        (admin.SimpleListFilter,),
        {"title": title or field.replace("_", " "), "parameter_name": field, "lookups": lookups, "queryset": queryset},
    )


def pieces_table(obj: StagingRecord) -> str:
    """The manifest page's pieces section."""
    pieces = list(obj.pieces.order_by("sort_order", "piece_no")[:PIECES_SHOWN])
    if not pieces:
        return "No pieces: the payload was cleaned." if obj.cleaned_at else "No pieces."
    parents = {p.piece_no: p.parent_piece_no for p in obj.pieces.only("piece_no", "parent_piece_no")}

    def depth(piece_no: int) -> int:
        seen, level, current = set(), 0, parents.get(piece_no)
        while current is not None and current not in seen and level < 10:
            seen.add(current)
            level, current = level + 1, parents.get(current)
        return level

    rows = format_html_join(
        "",
        '<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td style="padding-left:{}em;text-align:left">{}</td>'
        '<td><details><summary>{} characters</summary><pre style="white-space:pre-wrap">{}</pre></details>'
        "</td></tr>",
        (
            (
                p.sort_order if p.sort_order is not None else "—",
                p.piece_no,
                p.section_type or "—",
                p.parent_piece_no if p.parent_piece_no is not None else "—",
                depth(p.piece_no) * 1.5,
                p.heading or "(no heading)",
                len(p.piece_text),
                p.piece_text,
            )
            for p in pieces
        ),
    )
    more = obj.piece_count - len(pieces)
    return format_html(
        '<table class="staging-pieces"><thead><tr><th>sort</th><th>piece</th><th>section type</th>'
        "<th>parent</th><th>heading</th><th>text</th></tr></thead><tbody>{}</tbody></table>{} {}",
        rows,
        f"… {more} more pieces not shown." if more > 0 else "",
        changelist("stagingpayload", "all pieces", record__id__exact=obj.pk),
    )


def when(value: Any) -> str:
    """A time in the project's one format (queuegov/formats), never str() of a datetime."""
    return date_format(timezone.localtime(value), "DATETIME_FORMAT") if value is not None else "—"


def last_verdict(obj: StagingRecord) -> str:
    """The manifest page's verdict section."""
    run = obj.runs.filter(command_id="verify_mark").order_by("-id").first()
    if run is None:
        return "No verify-mark yet: run the dry run."
    return format_html(
        "<p>{} {} by {} at {} ({})</p>{}",
        "Dry run" if run.run_mode == "plan" else "Apply",
        link("commandrun", run.pk),
        run.actor,
        when(run.started_at),
        run.run_status,
        verdict_table(run.evidence),
    )


def runs_table(obj: StagingRecord) -> str:
    """The manifest page's runs section."""
    run_ids = set(obj.runs.values_list("id", flat=True))
    run_ids |= set(obj.lifecycle_log.exclude(run=None).values_list("run_id", flat=True))
    runs = CommandRun.objects.filter(pk__in=run_ids).order_by("id")
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                link("commandrun", r.pk),
                r.command_id,
                r.run_mode,
                coloured(r.run_status, STATUS_COLOURS),
                r.actor,
                when(r.started_at),
            )
            for r in runs
        ),
    )
    return format_html(
        "<table><thead><tr><th>run</th><th>command</th><th>mode</th><th>status</th><th>actor</th>"
        "<th>started</th></tr></thead><tbody>{}</tbody></table>",
        rows,
    )


def lifecycle_table(obj: StagingRecord) -> str:
    """The manifest page's lifecycle log section."""
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{} → {}</td><td>{}</td><td>{}</td></tr>",
        (
            (when(e.at), e.from_status or "∅", e.to_status, e.actor, link("commandrun", e.run_id))
            for e in obj.lifecycle_log.order_by("id")
        ),
    )
    return format_html(
        "<table><thead><tr><th>at</th><th>transition</th><th>actor</th><th>run</th></tr></thead>"
        "<tbody>{}</tbody></table>",
        rows,
    )


def events_table(obj: StagingRecord) -> str:
    """The manifest page's events section."""
    events = Event.objects.filter(event_subject_table="iu_staging_record", event_subject_ref=str(obj.pk)).order_by(
        "id"
    )[:100]
    rows = format_html_join(
        "",
        '<tr><td><a href="{}">#{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>',
        (
            (reverse("admin:events_event_change", args=[e.pk]), e.pk, e.event_type, e.actor or "", when(e.occurred_at))
            for e in events
        ),
    )
    ref = f"iu_staging_record:{obj.pk}"
    waiting = PendingEvent.objects.filter(source_document_ref=ref, processed_at__isnull=True).count()
    return format_html(
        "<table><thead><tr><th>event</th><th>type</th><th>actor</th><th>occurred</th></tr></thead>"
        '<tbody>{}</tbody></table><p>{} capture(s) waiting for the delayed lane. <a href="{}?q={}">captures</a>'
        ' · <a href="{}?q={}">all events of this manifest</a></p>',
        rows or format_html('<tr><td colspan="4">{}</td></tr>', "No durable event yet."),
        waiting,
        reverse("admin:events_pendingevent_changelist"),
        ref,
        reverse("admin:events_event_changelist"),
        ref,
    )
