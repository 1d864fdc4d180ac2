"""Deployment limit: no officer starts more than ``deployment.max_per_officer`` deployments.

Only deployments planned inside the horizon count; history does not. No limit when unset. Hard.
"""

from __future__ import annotations

from collections import Counter

from ortools.sat.python import cp_model

from constraints.base import Penalty, Rule
from constraints.variables import Variables
from rotation.domain import Instance
from rotation.plan import Plan, Violation

NAME = "deployment-limit"


def limit(inst: Instance) -> int | None:
    """Planned deployments an officer may start in the horizon, or None for no limit."""
    return inst.rules.max_deployments


def add(model: cp_model.CpModel, v: Variables, inst: Instance) -> list[Penalty]:
    most = limit(inst)
    if most is None:
        return []
    for o in v.decided:
        starts = [var for _, _, var in v.of_officer(o.id)]
        if len(starts) > most:
            model.add(sum(starts) <= most)
    return []


def check(inst: Instance, plan: Plan) -> list[Violation]:
    most = limit(inst)
    if most is None:
        return []
    counts = Counter(d.officer for d in plan.deployments)
    return [
        Violation(NAME, f"{o} has {n} deployments; the limit is {most}")
        for o, n in sorted(counts.items())
        if n > most
    ]


RULE = Rule(
    NAME,
    hard=True,
    summary="No officer starts more than the configured number of deployments in the horizon.",
    add=add,
    check=check,
)
