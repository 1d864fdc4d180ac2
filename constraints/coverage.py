"""Coverage: each posting has between its minimum and maximum officers in every month.

The maximum is hard. The minimum is soft with a dominant weight (``weights.unmet_demand`` per
officer short per month, times the posting's ``priority``, 1 by default), so an over-asked case
still gets a plan and the shortfall is reported instead of silently dropped. Officers whose past
deployment continues into the horizon count where they serve. Months that no demand row covers
are closed (minimum and maximum 0).
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from constraints.base import Penalty, Rule
from constraints.facts import presence
from constraints.variables import Variables
from rotation.domain import Instance, Posting
from rotation.plan import Plan, Shortfall, Violation

NAME = "coverage"


def add(model: cp_model.CpModel, v: Variables, inst: Instance) -> list[Penalty]:
    shortfalls = []  # (weight, shortfall) per posting and month
    for p in inst.postings:
        for t in inst.months:
            lo, hi = inst.demand(p.id, t)
            fixed = len(v.held(p.id, t))
            present = sum(var for _, var in v.present(p.id, t))
            model.add(present + fixed <= hi)
            need = lo - fixed
            if need > 0:
                # Exactly max(0, need - present), not merely at least it: a plan found before
                # the search ends then reports its true cost, the one the validator recomputes.
                short = model.new_int_var(0, need, f"short[{p.id},{t}]")
                model.add_max_equality(short, [0, need - present])
                shortfalls.append(weight(inst, p) * short)
    return [Penalty(NAME, sum(shortfalls))] if shortfalls else []


def weight(inst: Instance, posting: Posting | None = None) -> int:
    """What one officer short of a posting's minimum for one month costs there:
    ``weights.unmet_demand`` times the posting's priority (without a posting, the base)."""
    return inst.rules.weights.unmet_demand * (posting.priority if posting is not None else 1)


def unmet(inst: Instance, plan: Plan) -> list[Shortfall]:
    """Every (posting, month) below its minimum, in posting then month order."""
    there = presence(inst, plan)
    out = []
    for p in inst.postings:
        for t in inst.months:
            lo, _ = inst.demand(p.id, t)
            count = len(there.get((p.id, t), ()))
            if count < lo:
                out.append(Shortfall(p.id, inst.rules.month_label(t), lo, count))
    return out


def check(inst: Instance, plan: Plan) -> list[Violation]:
    there = presence(inst, plan)
    out = []
    for p in inst.postings:
        for t in inst.months:
            _, hi = inst.demand(p.id, t)
            count = len(there.get((p.id, t), ()))
            if count > hi:
                month = inst.rules.month_label(t)
                what = "closed" if hi == 0 else f"limited to {hi}"
                out.append(
                    Violation(NAME, f"{p.name} has {count} officers in {month}; it is {what}")
                )
    return out


def cost(inst: Instance, plan: Plan) -> int:
    return sum(weight(inst, inst.posting_by_id[s.posting]) * s.missing for s in unmet(inst, plan))


RULE = Rule(
    NAME,
    hard=True,
    summary="Each posting has at most its maximum officers every month; minimum shortfall costs.",
    add=add,
    check=check,
    cost=cost,
)
