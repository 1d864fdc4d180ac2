"""Preferences: officers serve where they asked to when the plan can allow it.

An officer may list preferred postings. Each planned deployment at a posting the officer did not
list costs ``weights.preference``; officers who listed nothing have no preference cost. Soft.
"""

from __future__ import annotations

from typing import Any

from ortools.sat.python import cp_model

from constraints.base import Penalty, Rule
from constraints.variables import Variables
from rotation.domain import Instance
from rotation.plan import Plan

NAME = "preferences"


def add(model: cp_model.CpModel, v: Variables, inst: Instance) -> list[Penalty]:
    unwanted: list[Any] = []
    for o in v.decided:
        if not o.preferences:
            continue
        unwanted.extend(var for p, _, var in v.of_officer(o.id) if p not in o.preferences)
    weight = inst.rules.weights.preference
    return [Penalty(NAME, weight * sum(unwanted))] if unwanted and weight else []


def cost(inst: Instance, plan: Plan) -> int:
    missed = 0
    for d in plan.deployments:
        prefs = inst.officer_by_id[d.officer].preferences
        if prefs and d.posting not in prefs:
            missed += 1
    return inst.rules.weights.preference * missed


RULE = Rule(
    NAME,
    hard=False,
    summary="Deployments outside an officer's stated preferences cost.",
    add=add,
    cost=cost,
)
