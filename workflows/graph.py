"""A workflow's DAG drawn as server-rendered SVG (no script, no build step).

Steps are laid out in layers by their longest path from a step with no
dependency; each is a box coloured by its state that links to its job or
sub-workflow. A layer wider than ``MAX_PER_LAYER`` shows its first steps and one
box counting the rest by state, so a 1,000-wide fan-out stays one screen.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

MAX_PER_LAYER = 12
BOX_W, BOX_H, GAP_X, GAP_Y, PAD = 170, 38, 60, 14, 10
FILL = {
    "waiting": "#eeeeee",
    "active": "#cfe3ff",
    "succeeded": "#cdebd3",
    "failed": "#f7c9c9",
    "cancelled": "#e2d9c6",
}


@dataclass(frozen=True)
class Node:
    id: int
    name: str
    status: str
    job_id: int | None = None
    child_workflow_id: int | None = None
    task_id: int | None = None


def layers(nodes: list[Node], edges: list[tuple[int, int]]) -> list[list[Node]]:
    """Nodes by depth (the longest chain of dependencies before them), in id order.

    A spec may list a step before the steps it depends on, so ids say nothing of
    the order: depths are taken parents first (the graph has no cycle: the spec
    check refused it)."""
    parents: dict[int, list[int]] = defaultdict(list)
    for child, parent in edges:
        parents[child].append(parent)
    depth: dict[int, int] = {}
    for node in nodes:
        stack = [node.id]
        while stack:  # iterative, so a chain of 1,000 steps needs no recursion
            current = stack[-1]
            todo = [p for p in parents[current] if p not in depth]
            if todo:
                stack.extend(todo)
                continue
            stack.pop()
            depth[current] = 1 + max((depth[p] for p in parents[current]), default=-1)
    out: list[list[Node]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for node in sorted(nodes, key=lambda n: n.id):
        out[depth[node.id]].append(node)
    return out


def _link(node: Node) -> str | None:
    if node.job_id is not None:
        return reverse("admin:jobs_job_change", args=[node.job_id])
    if node.child_workflow_id is not None:
        return reverse("admin:workflows_workflow_change", args=[node.child_workflow_id])
    if node.task_id is not None:
        return reverse("admin:workflows_humantask_change", args=[node.task_id])
    return None


def svg(nodes: list[Node], edges: list[tuple[int, int]]) -> SafeString:
    """The graph as an ``<svg>`` element; edges are (step, depends_on) pairs."""
    drawn: dict[int, tuple[float, float]] = {}
    parts: list[str] = []
    columns = layers(nodes, edges)
    tallest = max((min(len(c), MAX_PER_LAYER + 1) for c in columns), default=0)
    width = PAD * 2 + len(columns) * BOX_W + max(len(columns) - 1, 0) * GAP_X
    height = PAD * 2 + tallest * BOX_H + max(tallest - 1, 0) * GAP_Y
    boxes: list[str] = []
    for x_index, column in enumerate(columns):
        x = PAD + x_index * (BOX_W + GAP_X)
        shown, rest = column[:MAX_PER_LAYER], column[MAX_PER_LAYER:]
        for y_index, node in enumerate(shown):
            y = PAD + y_index * (BOX_H + GAP_Y)
            drawn[node.id] = (x, y)
            label = escape(node.name if len(node.name) <= 22 else node.name[:21] + "…")
            box = (
                f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="{FILL.get(node.status, "#fff")}"'
                f' stroke="#555"/><text x="{x + 8}" y="{y + 16}" font-size="12" font-weight="bold">{label}</text>'
                f'<text x="{x + 8}" y="{y + 31}" font-size="11">{escape(node.status)}</text>'
                f"<title>{escape(node.name)}: {escape(node.status)}</title>"
            )
            href = _link(node)
            boxes.append(f'<a href="{escape(href)}">{box}</a>' if href else box)
        if rest:
            y = PAD + len(shown) * (BOX_H + GAP_Y)
            counts = ", ".join(f"{n} {s}" for s, n in sorted(Counter(n.status for n in rest).items()))
            boxes.append(
                f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="#ffffff" stroke="#555"'
                f' stroke-dasharray="4 3"/><text x="{x + 8}" y="{y + 16}" font-size="12">… {len(rest):,} more</text>'
                f'<text x="{x + 8}" y="{y + 31}" font-size="11">{escape(counts)}</text>'
            )
            for node in rest:
                drawn[node.id] = (x, y)
    seen: set[tuple[tuple[float, float], tuple[float, float]]] = set()
    for child, parent in edges:
        if child in drawn and parent in drawn and (key := (drawn[parent], drawn[child])) not in seen:
            seen.add(key)
            (px, py), (cx, cy) = key
            x1, y1, x2, y2 = px + BOX_W, py + BOX_H / 2, cx, cy + BOX_H / 2
            mid = (x1 + x2) / 2
            parts.append(
                f'<path d="M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}" fill="none" stroke="#888"'
                f' marker-end="url(#arrow)"/>'
            )
    return mark_safe(  # noqa: S308  (every name and status is escaped above)
        f'<svg class="workflow-graph" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" role="img" aria-label="workflow graph">'
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7"'
        ' orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#888"/></marker></defs>'
        + "".join(parts)
        + "".join(boxes)
        + "</svg>"
    )
