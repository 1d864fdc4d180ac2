"""Preferences: officers serve where they asked to when the plan can allow it.

An officer may list preferred postings. Each planned deployment at a posting the officer did not
list costs ``weights.preference``; officers who listed nothing have no preference cost. Soft.
"""

from __future__ import annotations

from typing import Any

from ortools.sat.python import cp_model

from constraints.base import Penalty, Rule
from constraints.variables import Variables
from rotation.domain import Instance, Officer
from rotation.plan import Plan

NAME = "preferences"


def missed(officer: Officer, posting: str) -> bool:
    """Whether a deployment of ``officer`` at ``posting`` misses their stated preferences."""
    return bool(officer.preferences) and posting not in officer.preferences


def price(inst: Instance, officer: Officer, posting: str) -> int:
    """What one deployment of ``officer`` at ``posting`` costs under this rule."""
    return inst.rules.weights.preference if missed(officer, posting) else 0


def add(model: cp_model.CpModel, v: Variables, inst: Instance) -> list[Penalty]:
    unwanted: list[Any] = []
    for o in v.decided:
        unwanted.extend(var for p, _, var in v.of_officer(o.id) if missed(o, p))
    weight = inst.rules.weights.preference
    return [Penalty(NAME, weight * sum(unwanted))] if unwanted and weight else []


def cost(inst: Instance, plan: Plan) -> int:
    return sum(price(inst, inst.officer_by_id[d.officer], d.posting) for d in plan.deployments)


RULE = Rule(
    NAME,
    hard=False,
    summary="Deployments outside an officer's stated preferences cost.",
    add=add,
    cost=cost,
)
