"""Unmet demand explained in words a planner can act on.

For each posting and month left short, say how many officers qualify on their own records, how
many more training could qualify in time, and how full the sessions that could train them are.
Reads only the instance and the plan, never the solver.
"""

from __future__ import annotations

from collections.abc import Callable

from constraints import skill_mix
from rotation.domain import Instance, Officer, Posting, Session, requirements
from rotation.plan import MixShortfall, Plan, Shortfall

__all__ = ["explain_mix", "explain_shortfall"]


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
    head = f"{inst.posting_by_id[gap.posting].name} needs {gap.required} officers in " \
           f"{gap.month} and has {gap.assigned}"
    return _who_could(inst, plan, gap.posting, gap.month, head, "officers", lambda o: True)


def explain_mix(inst: Instance, plan: Plan, gap: MixShortfall) -> str:
    """One sentence on why supervisors or specialists are missing, worded as for headcount:
    how many hold the role, how many of them qualify or could be trained, where they are."""
    counts = next((c for label, _, c in skill_mix.requirements(inst.posting_by_id[gap.posting])
                   if label == gap.role), None)
    head = skill_mix.describe(inst, gap)
    if counts is None:
        return head + "."
    holders = sum(1 for o in inst.officers if counts(o))
    head += f": {holders} officers of the case are {gap.role}"
    return _who_could(inst, plan, gap.posting, gap.month, head, "of those", counts)


def _who_could(inst: Instance, plan: Plan, posting_id: str, label: str, head: str, who: str,
               counts: Callable[[Officer], bool]) -> str:
    """``head``, then who among the officers ``counts`` lets through qualifies on their own
    records, who could be trained in time and in which sessions, and how many of the qualified
    serve elsewhere that month."""
    posting = inst.posting_by_id[posting_id]
    month = inst.rules.month_of_label(label)
    starts = _starts_covering(inst, month)
    pool = [o for o in inst.officers if counts(o)]
    own = [o for o in pool if any(_qualified(inst, o, posting, s) for s in starts)]
    sessions: dict[str, Session] = {}
    trainable = []
    for o in pool:
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
    text = (f"{head}; {len(own)} {who} meet its requirements ({needs_text}) on their own "
            "records")
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
