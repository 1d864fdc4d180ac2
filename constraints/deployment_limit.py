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


def add(model: cp_model.CpModel, v: Variables, inst: Instance) -> list[Penalty]:
    limit = inst.rules.max_deployments
    if limit is None:
        return []
    for o in v.decided:
        starts = [var for _, _, var in v.of_officer(o.id)]
        if len(starts) > limit:
            model.add(sum(starts) <= limit)
    return []


def check(inst: Instance, plan: Plan) -> list[Violation]:
    limit = inst.rules.max_deployments
    if limit is None:
        return []
    counts = Counter(d.officer for d in plan.deployments)
    return [
        Violation(NAME, f"{o} has {n} deployments; the limit is {limit}")
        for o, n in sorted(counts.items())
        if n > limit
    ]


RULE = Rule(
    NAME,
    hard=True,
    summary="No officer starts more than the configured number of deployments in the horizon.",
    add=add,
    check=check,
)
