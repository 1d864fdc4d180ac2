"""Unmet demand explained in words a planner can act on.

For each posting and month left short, say how many officers qualify on their own records, how
many more training could qualify in time, and how full the sessions that could train them are.
Reads only the instance and the plan, never the solver.
"""

from __future__ import annotations

from datetime import date

from rotation.domain import Instance, Officer, Posting, Session, requirements
from rotation.plan import Plan, Shortfall

__all__ = ["explain_shortfall"]


def _starts_covering(inst: Instance, month: int) -> list[int]:
    length = inst.rules.deployment_months
    return [s for s in inst.rules.start_months if s <= month < s + length]


def _qualified(inst: Instance, officer: Officer, posting: Posting, start: int) -> bool:
    first, last = inst.rules.deployment_span(start)
    return officer.is_available(first, last) and all(
        need.met_by(officer, first, last) for need in requirements(posting)
    )


def explain_shortfall(inst: Instance, plan: Plan, gap: Shortfall) -> str:
    """One sentence on why ``gap`` exists: who qualifies, who could, which sessions are full."""
    posting = inst.posting_by_id[gap.posting]
    year, mon = gap.month.split("-")
    month = inst.rules.month_of(date(int(year), int(mon), 1))
    starts = _starts_covering(inst, month)
    own = [o for o in inst.officers if any(_qualified(inst, o, posting, s) for s in starts)]
    sessions: dict[str, Session] = {}
    trainable = []
    for o in inst.officers:
        if o in own:
            continue
        found = False
        for s in starts:
            first, last = inst.rules.deployment_span(s)
            if not o.is_available(first, last):
                continue
            needs = [n for n in requirements(posting) if not n.met_by(o, first, last)]
            options = [inst.qualifying_sessions(o, n, first, last) for n in needs]
            if all(options):
                found = True
                for group in options:
                    sessions.update((q.id, q) for q in group)
        if found:
            trainable.append(o)
    needs_text = ", ".join(str(n) for n in requirements(posting)) or "no special requirements"
    text = (
        f"{posting.name} needs {gap.required} officers in {gap.month} and has {gap.assigned}: "
        f"{len(own)} officers meet its requirements ({needs_text}) on their own records"
    )
    if trainable:
        taken = {q: sum(1 for e in plan.enrolments if e.session == q) for q in sessions}
        seats = "; ".join(
            f"{q.id} ({q.course}, {q.start}..{q.end}): {q.seats - taken[q.id]} of {q.seats} "
            "seats left"
            for q in sorted(sessions.values(), key=lambda q: q.start)
        )
        text += f"; {len(trainable)} more could be trained in time, in sessions {seats}"
    elif inst.sessions:
        text += "; no session ends early enough to train anyone else for it"
    first, last = inst.rules.month_start(month), inst.rules.month_end(month)
    elsewhere = sum(
        1
        for o in own
        if any(
            d.posting != posting.id and d.start <= last and first <= d.end
            for d in plan.for_officer(o.id)
        )
    )
    if elsewhere:
        text += f"; {elsewhere} of those are deployed to other postings that month"
    return text + "."
