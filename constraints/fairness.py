"""Fairness of hardship: hardship months are shared rather than piled on a few officers.

An officer's hardship load is the sum, over every month the officer is at a posting (planned
months, plus past months no more than ``fairness.lookback_months`` before the horizon), of that
posting's hardship level; in a month spent at two postings the harder one counts. Months after
the horizon (a rolling horizon's deployments may run past it) count for nothing. Each unit of
load above ``fairness.target_hardship_months`` costs ``weights.fairness``. Because the cost only
starts above the target and grows with every unit, two officers at 18 cost less than one at 36
and one at 0. Soft.
"""

from __future__ import annotations

from typing import overload

import numpy as np
import numpy.typing as npt
from ortools.sat.python import cp_model

from constraints.base import Penalty, Rule
from constraints.facts import Stint, hardship_by_month, stints
from constraints.variables import Variables
from rotation.domain import Instance, Posting
from rotation.plan import Plan

NAME = "fairness"

Loads = npt.NDArray[np.float64]


def past_load(inst: Instance, officer: str) -> int:
    """Hardship months an officer brings from history, within the lookback window."""
    past = [
        Stint(officer, p.posting, p.start, p.end, True)
        for p in inst.officer_by_id[officer].history
    ]
    return sum(hardship_by_month(inst, past, -inst.rules.fairness_lookback_months).values())


def deployment_load(inst: Instance, posting: Posting, start: int = 0) -> int:
    """The load one planned deployment at ``posting`` from month ``start`` adds: every month
    of it inside the horizon counts whole (months past its end, on a rolling horizon, count
    for nothing)."""
    inside = min(inst.rules.deployment_months, inst.rules.months - start)
    return posting.hardship * max(inside, 0)


@overload
def excess_cost(inst: Instance, load: int) -> int: ...
@overload
def excess_cost(inst: Instance, load: float) -> float: ...
@overload
def excess_cost(inst: Instance, load: Loads) -> Loads: ...
def excess_cost(inst: Instance, load: float | Loads) -> float | Loads:
    """What a load costs: ``weights.fairness`` per unit above the target. One load, or a numpy
    array of them, so that strategies pricing every officer at once use this same formula."""
    target, weight = inst.rules.fairness_target, inst.rules.weights.fairness
    if isinstance(load, np.ndarray):
        out: Loads = weight * np.maximum(0.0, load - target)
        return out
    return weight * max(0, load - target)


def linear_from(inst: Instance, past: Loads) -> tuple[float, float]:
    """The load a schedule adds from which :func:`excess_cost` grows by the same amount per
    unit for every officer of ``past`` (their past loads), and that amount: past the target for
    the one with the least past, each unit costs the weight. The fast path merges schedules'
    loads beyond it, paying the rest per unit as it goes."""
    least = float(np.min(past)) if len(past) else 0.0
    return max(0.0, inst.rules.fairness_target - least), float(inst.rules.weights.fairness)


def add(model: cp_model.CpModel, v: Variables, inst: Instance) -> list[Penalty]:
    target = inst.rules.fairness_target
    excesses = []
    for o in v.decided:
        past = past_load(inst, o.id)
        terms = [
            (deployment_load(inst, inst.posting_by_id[p], s), var)
            for p, s, var in v.of_officer(o.id)
            if inst.posting_by_id[p].hardship > 0
        ]
        most = past + sum(c for c, _ in terms)
        if most <= target:
            continue
        # Exactly max(0, load - target), so an interrupted search reports the plan's true cost.
        excess = model.new_int_var(0, most - target, f"excess_hardship[{o.id}]")
        model.add_max_equality(excess, [0, past + sum(c * var for c, var in terms) - target])
        # A cut, redundant for whole plans: each deployment adds at least what it would add on
        # its own to the officer's history (the excess is convex in the load). Without it the
        # LP relaxation spreads a deployment thinly over officers below the target and sees
        # almost no fairness cost; with it the S benchmark's root bound rises.
        base = max(0, past - target)
        alone = [(max(0, past + c - target) - base, c, var) for c, var in terms]
        if any(inc < c for inc, c, _ in alone):
            model.add(excess >= base + sum(inc * var for inc, _, var in alone if inc))
        excesses.append(excess)
    weight = inst.rules.weights.fairness
    return [Penalty(NAME, weight * sum(excesses))] if excesses and weight else []


def load(inst: Instance, plan: Plan) -> dict[str, int]:
    """Hardship load per officer, recomputed from the plan's dates and the history."""
    first = -inst.rules.fairness_lookback_months
    return {
        officer: sum(hardship_by_month(inst, items, first).values())
        for officer, items in stints(inst, plan).items()
    }


def cost(inst: Instance, plan: Plan) -> int:
    return sum(excess_cost(inst, x) for x in load(inst, plan).values())


RULE = Rule(
    NAME,
    hard=False,
    summary="Hardship months above the target cost, officer by officer.",
    add=add,
    cost=cost,
)
