"""Facts about a finished plan, computed from dates alone, for the rules' checkers.

These helpers never look at the model, so a checker built on them is an independent second
opinion on what the solver decided.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from rotation.domain import Instance
from rotation.plan import Plan

__all__ = ["Stint", "presence", "stints", "touched_months"]


@dataclass(frozen=True)
class Stint:
    """A planned or past deployment of one officer, with whether it came from history."""

    officer: str
    posting: str
    start: date
    end: date
    past: bool


def touched_months(inst: Instance, start: date, end: date) -> range:
    """Horizon month indices (possibly outside the horizon) that ``start``..``end`` touches."""
    return range(inst.rules.month_of(start), inst.rules.month_of(end) + 1)


def stints(inst: Instance, plan: Plan) -> dict[str, list[Stint]]:
    """Every officer's past and planned deployments, sorted by start."""
    out: dict[str, list[Stint]] = defaultdict(list)
    for o in inst.officers:
        for past in o.history:
            out[o.id].append(Stint(o.id, past.posting, past.start, past.end, True))
    for d in plan.deployments:
        out[d.officer].append(Stint(d.officer, d.posting, d.start, d.end, False))
    for items in out.values():
        items.sort(key=lambda s: (s.start, s.end))
    return out


def presence(inst: Instance, plan: Plan) -> dict[tuple[str, int], list[str]]:
    """(posting, horizon month) -> officers there at any time in that month, history included."""
    out: dict[tuple[str, int], list[str]] = defaultdict(list)
    for items in stints(inst, plan).values():
        for s in items:
            for t in touched_months(inst, s.start, s.end):
                if 0 <= t < inst.rules.months:
                    out[s.posting, t].append(s.officer)
    return out
