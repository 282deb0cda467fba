"""The staging commands' own helper (their base is queuegov.commands.GovernedCommand)."""

from __future__ import annotations

from typing import Any

from queuegov.commands import GovernedCommand

__all__ = ["GovernedCommand", "verdict_lines"]


def verdict_lines(verdict: dict[str, Any] | None, *, sections: tuple[str, ...] = ()) -> list[str]:
    """One line per axis and one per problem, for people."""
    if not verdict:
        return []
    lines = []
    parts = [(name, axis) for name, axis in sorted((verdict.get("axes") or {}).items())]
    parts += [(name, verdict[name]) for name in sections if isinstance(verdict.get(name), dict)]
    for name, axis in parts:
        state = "ok" if axis.get("ok") else f"{axis.get('problem_count')} problem(s)"
        lines.append(f"  axis {name}: {state} — {axis.get('check')}")
        for problem in axis.get("problems", []):
            where = (
                f"piece {problem['piece_no']}"
                if problem.get("piece_no") is not None
                else (f"unit {problem['unit_id']}" if problem.get("unit_id") is not None else "manifest")
            )
            lines.append(f"    {where}: {problem['problem']}")
    return lines
