"""Rest: at least ``deployment.min_rest_months`` whole months between two deployments.

The rest between two deployments is the number of calendar months strictly between the month in
which the first ends and the month in which the second starts. Past deployments count: an officer
back from a posting in August 2025 with a six-month rest may start again in March 2026 at the
earliest. Hard.
"""

from __future__ import annotations

import itertools

from ortools.sat.python import cp_model

from constraints.base import Penalty, Rule, ignores_posting
from constraints.facts import stints
from constraints.variables import Variables
from rotation.domain import Instance, Officer, Posting
from rotation.plan import Plan, Violation

NAME = "rest"


def allows(inst: Instance, officer: Officer, posting: Posting, start: int) -> bool:
    rest = inst.rules.min_rest_months
    last = start + inst.rules.deployment_months - 1
    for past in officer.history:
        months = inst.history_months(past)
        after = start - (months.stop - 1) - 1
        before = months.start - last - 1
        if 0 <= after < rest or 0 <= before < rest:
            return False
    return True


def spacing(inst: Instance) -> int:
    """Months from one planned start of an officer to the next, at the least: a deployment's
    length and the minimum rest (with no rest, one posting at a time asks as much)."""
    return inst.rules.deployment_months + inst.rules.min_rest_months


def add(model: cp_model.CpModel, v: Variables, inst: Instance) -> list[Penalty]:
    if inst.rules.min_rest_months == 0:
        return []
    span = spacing(inst)
    for o in v.decided:
        for t in inst.months:
            window = v.officer_window(o.id, t - span + 1, t)
            if len(window) > 1:
                model.add_at_most_one(window)
    return []


def check(inst: Instance, plan: Plan) -> list[Violation]:
    rest = inst.rules.min_rest_months
    out = []
    for officer, items in stints(inst, plan).items():
        for a, b in itertools.pairwise(items):
            if a.past and b.past:
                continue
            gap = inst.rules.month_of(b.start) - inst.rules.month_of(a.end) - 1
            if 0 <= gap < rest:
                out.append(
                    Violation(
                        NAME,
                        f"{officer} rests {gap} month{'s' if gap != 1 else ''} between "
                        f"{a.posting} (ending {a.end}) and {b.posting} (starting {b.start}); "
                        f"the minimum is {rest}",
                    )
                )
    return out


RULE = Rule(
    NAME,
    hard=True,
    summary="At least the minimum number of whole months between two deployments of an officer.",
    add=add,
    check=check,
    allows=allows,
    allows_depends_on=ignores_posting,
)
