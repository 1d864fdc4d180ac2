"""Skill and rank mix: each open posting has its minimum supervisors and specialists every month.

A posting is open in a month when its maximum headcount that month is above zero (even when its
minimum is 0). Supervisors are officers of rank inspector or above. An officer with several
specialties counts once for each. Officers continuing a past deployment count.

Soft, with a dominant weight: every supervisor or specialist missing at a posting in a month
costs ``weights.skill_mix`` (by default 1,000, as much as an officer-month of unmet demand). A case
whose pool cannot meet the mix still gets a plan, and every shortfall is reported ("Bavet has no
supervisors in 2026-07; it needs 1"). The weight equals unmet demand's so that the plan neither
leaves a post empty to keep a specialist for another, nor sends a specialist where headcount is
already met while another post goes short: a missing specialist is a missing officer for the work
they were wanted for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ortools.sat.python import cp_model

from constraints.base import Penalty, Rule
from constraints.facts import presence
from constraints.variables import Variables
from rotation.domain import Instance, Officer, Posting
from rotation.plan import MixShortfall, Plan

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


def weight(inst: Instance) -> int:
    """What one supervisor or specialist missing at a posting for one month costs."""
    return inst.rules.weights.skill_mix


def add(model: cp_model.CpModel, v: Variables, inst: Instance) -> list[Penalty]:
    officers = inst.officer_by_id
    shortfalls: list[Any] = []
    fixed_short = 0  # requirements nobody the model decides can help meet
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
                need = minimum - sum(1 for o in carried if counts(officers[o]))
                if need <= 0:
                    continue
                chosen = [var for o, var in present if counts(officers[o])]
                if not chosen:
                    fixed_short += need
                    continue
                # Exactly max(0, need - chosen), so a plan found before the search ends reports
                # its true cost, the one the validator recomputes.
                short = model.new_int_var(0, need, f"mix_short[{p.id},{t}]")
                model.add_max_equality(short, [0, need - sum(chosen)])
                shortfalls.append(short)
    if not shortfalls and not fixed_short:
        return []
    return [Penalty(NAME, weight(inst) * (sum(shortfalls) + fixed_short))]


def unmet(inst: Instance, plan: Plan) -> list[MixShortfall]:
    """Every supervisor and specialist requirement a plan leaves short, posting, month and role
    in order."""
    there = presence(inst, plan)
    officers = inst.officer_by_id
    out = []
    for p in inst.postings:
        reqs = requirements(p)
        for t in inst.months:
            if not reqs or inst.demand(p.id, t)[1] == 0:
                continue
            ids = [o for o in there.get((p.id, t), ()) if o in officers]
            for label, minimum, counts in reqs:
                have = sum(1 for o in ids if counts(officers[o]))
                if have < minimum:
                    out.append(MixShortfall(p.id, inst.rules.month_label(t), label, minimum, have))
    return out


def describe(inst: Instance, gap: MixShortfall) -> str:
    """The shortfall in a planner's words: "Bavet has no supervisors in 2026-07; it needs 1"."""
    name = inst.posting_by_id[gap.posting].name if gap.posting in inst.posting_by_id \
        else gap.posting
    have = "no" if gap.present == 0 else str(gap.present)
    return f"{name} has {have} {gap.role} in {gap.month}; it needs {gap.required}"


def cost(inst: Instance, plan: Plan) -> int:
    return weight(inst) * sum(gap.missing for gap in unmet(inst, plan))


RULE = Rule(
    NAME,
    hard=False,
    summary="Missing supervisors and specialists at open postings cost, month by month.",
    add=add,
    cost=cost,
)
