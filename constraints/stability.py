"""Stability: a re-plan moves as few officers, and as few of their months, as it can.

Only in a re-plan (``Instance.replan``), and only for the officers the published version knew,
measured against that published plan (the baseline):

- an officer *changes* when their deployments (posting, first and last day) or enrolments
  (session) that end on or after the freeze date are not exactly those published: a tour cut,
  moved, added or dropped, a course added or dropped;
- an officer's *month changes* when, in a horizon month from the freeze date's month on, they are
  at another posting than published, at one where published at none, or at none where published
  at one.

Each officer who changes costs ``weights.stability_officer`` (default 100), each month changed
``weights.stability_month`` (default 10). Soft. Why: officers have booked flights and courses
around the published plan. The weights sit above preferences and fairness, so nobody is moved
for comfort, and below unmet demand and the skill mix (1,000 per officer-month), so a gap is
still filled by moving someone. A cut forced by the changes costs as much as any other: it is
disruption, and the figure reports it.
"""

from __future__ import annotations

from typing import Any

from ortools.sat.python import cp_model

from constraints.base import Penalty, Rule
from constraints.variables import Variables
from rotation.domain import Instance, Replan
from rotation.plan import Plan

NAME = "stability"


def active(inst: Instance) -> bool:
    return inst.replan is not None


def _future(plan: Plan, officer: str, freeze: Any) -> tuple[frozenset[Any], frozenset[str]]:
    """An officer's deployments and enrolments that end on or after the freeze date."""
    return (frozenset((d.posting, d.start, d.end) for d in plan.for_officer(officer)
                      if d.end >= freeze),
            frozenset(e.session for e in plan.enrolments_of(officer) if e.end >= freeze))


def _posting_at(inst: Instance, plan: Plan, officer: str) -> dict[int, str]:
    """Horizon month -> the posting a plan has the officer at (touching any day of it)."""
    out: dict[int, str] = {}
    for d in plan.for_officer(officer):
        for t in range(max(inst.rules.month_of(d.start), 0),
                       min(inst.rules.month_of(d.end), inst.rules.months - 1) + 1):
            out.setdefault(t, d.posting)
    return out


def changed(inst: Instance, plan: Plan) -> dict[str, int]:
    """Officer -> months changed, for every officer who changes (possibly 0 months: a course
    added). Empty outside a re-plan."""
    replan = inst.replan
    if replan is None:
        return {}
    first = inst.rules.month_of(replan.freeze)
    out: dict[str, int] = {}
    for o in sorted(replan.officers & set(inst.officer_by_id)):
        if _future(replan.baseline, o, replan.freeze) == _future(plan, o, replan.freeze):
            continue
        before, after = _posting_at(inst, replan.baseline, o), _posting_at(inst, plan, o)
        out[o] = sum(1 for t in range(first, inst.rules.months) if before.get(t) != after.get(t))
    return out


def cost(inst: Instance, plan: Plan) -> int:
    moved = changed(inst, plan)
    weights = inst.rules.weights
    return weights.stability_officer * len(moved) + weights.stability_month * sum(moved.values())


def add(model: cp_model.CpModel, v: Variables, inst: Instance) -> list[Penalty]:
    replan = inst.replan
    if replan is None:
        return []
    weights = inst.rules.weights
    month_of = inst.rules.month_of
    first = month_of(replan.freeze)
    length = inst.rules.deployment_months
    enrolled: dict[str, list[tuple[str, Any]]] = {}
    for (officer, session), var in v.enrolments():
        enrolled.setdefault(officer, []).append((session, var))
    fixed_at: dict[tuple[str, int], str] = {}  # what the model does not decide: pins, history
    for p in inst.postings:
        for t in range(first, inst.rules.months):
            for officer in v.held(p.id, t):
                fixed_at.setdefault((officer, t), p.id)
    officer_terms: list[Any] = []
    month_terms: list[Any] = []
    constant = 0
    for o in v.decided:
        if o.id not in replan.officers:
            continue
        starts = {(p, s): var for p, s, var in v.of_officer(o.id)}
        # Published starts the model decides (on or after the freeze); the rest of the
        # published future is fixed and compared as it stands.
        planned = {(d.posting, month_of(d.start)) for d in replan.baseline.for_officer(o.id)
                   if d.start >= replan.freeze}
        sessions = {e.session for e in replan.baseline.enrolments_of(o.id)
                    if e.start >= replan.freeze}
        terms: list[Any] = [1 - var if key in planned else var for key, var in starts.items()]
        terms += [1 - var if q in sessions else var for q, var in enrolled.get(o.id, [])]
        forced = (bool(planned - set(starts))
                  or bool(sessions - {q for q, _ in enrolled.get(o.id, [])})
                  or _kept_differs(replan, o.id))
        if forced:
            constant += weights.stability_officer
        elif terms:
            moved = model.new_bool_var(f"moved[{o.id}]")
            model.add_max_equality(moved, terms)
            officer_terms.append(moved)
        published = _posting_at(inst, replan.baseline, o.id)
        for t in range(first, inst.rules.months):
            before = published.get(t)
            fixed = fixed_at.get((o.id, t))
            covering = {(p, s): var for (p, s), var in starts.items() if s <= t < s + length}
            if fixed is not None or not covering:
                constant += weights.stability_month * (fixed != before)
            elif before is None:
                month_terms.append(sum(covering.values()))
            else:
                here = [var for (p, _), var in covering.items() if p == before]
                month_terms.append(1 - sum(here))
    expr = (weights.stability_officer * sum(officer_terms)
            + weights.stability_month * sum(month_terms) + constant)
    return [Penalty(NAME, expr)]


def _kept_differs(replan: Replan, officer: str) -> bool:
    """Whether what was kept of the officer's published tours and courses that had started
    before the freeze differs from what was published (a tour cut short, a course dropped)."""
    def started(plan: Plan) -> tuple[frozenset[Any], frozenset[str]]:
        return (frozenset((d.posting, d.start, d.end) for d in plan.for_officer(officer)
                          if d.start < replan.freeze and d.end >= replan.freeze),
                frozenset(e.session for e in plan.enrolments_of(officer)
                          if e.start < replan.freeze and e.end >= replan.freeze))
    published = started(replan.baseline)
    kept_deployments = frozenset((d.posting, d.start, d.end)
                                 for d in replan.pinned.for_officer(officer)
                                 if d.end >= replan.freeze)
    kept_sessions = frozenset(e.session for e in replan.pinned.enrolments_of(officer)
                              if e.end >= replan.freeze)
    return published != (kept_deployments, kept_sessions)


RULE = Rule(
    NAME,
    hard=False,
    summary="In a re-plan, each officer whose future changes, and each month changed, costs.",
    add=add,
    cost=cost,
    active=active,
)
