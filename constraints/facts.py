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

__all__ = ["Stint", "hardship_by_month", "presence", "stints", "touched_months"]


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
    """(posting, horizon month) -> distinct officers there at any time in that month."""
    out: dict[tuple[str, int], set[str]] = defaultdict(set)
    for items in stints(inst, plan).values():
        for s in items:
            for t in touched_months(inst, s.start, s.end):
                if 0 <= t < inst.rules.months:
                    out[s.posting, t].add(s.officer)
    return {k: sorted(v) for k, v in out.items()}


def hardship_by_month(
    inst: Instance, items: list[Stint], first: int
) -> dict[int, int]:
    """Month -> hardship an officer carries then: the hardest posting they are at that month.

    Months before ``first`` or after the horizon are left out. Two records of the same posting
    in one month count once.
    """
    out: dict[int, int] = {}
    for s in items:
        hardship = inst.posting_by_id[s.posting].hardship
        for t in touched_months(inst, s.start, s.end):
            if first <= t < inst.rules.months:
                out[t] = max(out.get(t, 0), hardship)
    return out
