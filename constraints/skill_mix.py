"""Skill and rank mix: each open posting has its minimum supervisors and specialists every month.

A posting is open in a month when its maximum headcount that month is above zero. Supervisors are
officers of rank inspector or above. An officer with several specialties counts once for each.
Officers continuing a past deployment count. Hard.
"""

from __future__ import annotations

from collections.abc import Callable

from ortools.sat.python import cp_model

from constraints.base import Penalty, Rule
from constraints.facts import presence
from constraints.variables import Variables
from rotation.domain import Instance, Officer, Posting
from rotation.plan import Plan, Violation

NAME = "skill-mix"


def requirements(posting: Posting) -> list[tuple[str, int, Callable[[Officer], bool]]]:
    """(label, minimum, who counts) for each mix requirement of a posting."""
    out: list[tuple[str, int, Callable[[Officer], bool]]] = []
    if posting.min_supervisors > 0:
        out.append(("supervisors", posting.min_supervisors, lambda o: o.is_supervisor))
    for specialty, count in posting.min_specialists:
        if count > 0:
            out.append((f"'{specialty}' specialists", count,
                        lambda o, s=specialty: s in o.specialties))  # type: ignore[misc]
    return out


def add(model: cp_model.CpModel, v: Variables, inst: Instance) -> list[Penalty]:
    officers = inst.officer_by_id
    for p in inst.postings:
        reqs = requirements(p)
        if not reqs:
            continue
        for t in inst.months:
            if inst.demand(p.id, t)[1] == 0:
                continue
            present = v.present(p.id, t)
            carried = v.held(p.id, t)
            for _, minimum, counts in reqs:
                fixed = sum(1 for o in carried if counts(officers[o]))
                chosen = [var for o, var in present if counts(officers[o])]
                if fixed >= minimum:
                    continue
                if not chosen:
                    model.add_bool_or([])  # nothing can meet it: infeasible, as the rule says
                    continue
                model.add(sum(chosen) >= minimum - fixed)
    return []


def check(inst: Instance, plan: Plan) -> list[Violation]:
    there = presence(inst, plan)
    officers = inst.officer_by_id
    out = []
    for p in inst.postings:
        for t in inst.months:
            if inst.demand(p.id, t)[1] == 0:
                continue
            ids = [o for o in there.get((p.id, t), ()) if o in officers]
            for label, minimum, counts in requirements(p):
                have = sum(1 for o in ids if counts(officers[o]))
                if have < minimum:
                    out.append(
                        Violation(
                            NAME,
                            f"{p.name} has {have} {label} in {inst.rules.month_label(t)}; "
                            f"it needs {minimum}",
                        )
                    )
    return out


RULE = Rule(
    NAME,
    hard=True,
    summary="Minimum supervisors and specialists at each open posting every month.",
    add=add,
    check=check,
)
