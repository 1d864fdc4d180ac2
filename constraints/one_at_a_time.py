"""One deployment at a time: an officer serves at most one posting in any month.

Every planned deployment starts on the first day of a month, lasts exactly
``deployment.months`` calendar months, ends on the last day of its last month and lies inside the
horizon; on a rolling horizon (``horizon.allow_past_end``) it starts in a month of the horizon and
may end after it. In a re-plan, a deployment kept as published (pinned) is exempt from that
shape, since it may have been cut short where a change ended it. A planned deployment never
overlaps an officer's past deployment, including one that continues into the horizon. Hard.
"""

from __future__ import annotations

from datetime import date

from ortools.sat.python import cp_model

from constraints.base import Penalty, Rule, ignores_posting
from constraints.facts import stints, touched_months
from constraints.variables import Variables
from rotation.domain import Instance, Officer, Posting
from rotation.plan import Plan, Violation

NAME = "one-at-a-time"


def allows(inst: Instance, officer: Officer, posting: Posting, start: int) -> bool:
    last = start + inst.rules.deployment_months - 1
    for past in officer.history:
        months = inst.history_months(past)
        if months.start <= last and start <= months.stop - 1:
            return False
    return True


def add(model: cp_model.CpModel, v: Variables, inst: Instance) -> list[Penalty]:
    if inst.rules.min_rest_months > 0:
        # The rest rule's windows contain these and are posted anyway (constraints/rest.py);
        # at 500 officers these rows were 0.8 M terms that only slowed presolve.
        return []
    length = inst.rules.deployment_months
    for o in v.decided:
        for t in inst.months:
            window = v.officer_window(o.id, t - length + 1, t)
            if len(window) > 1:
                model.add_at_most_one(window)
    return []


def _expected_end(inst: Instance, start: date) -> date:
    return inst.rules.month_end(inst.rules.month_of(start) + inst.rules.deployment_months - 1)


def check(inst: Instance, plan: Plan) -> list[Violation]:
    out = []
    rules = inst.rules
    replan = inst.replan
    for d in plan.deployments:
        if replan is not None and replan.pinned_deployment(d.officer, d.posting, d.start, d.end):
            continue  # kept as published, or cut short where a change ended it (a re-plan)
        if d.start.day != 1 or d.end != _expected_end(inst, d.start):
            out.append(
                Violation(
                    NAME,
                    f"{d.officer} at {d.posting} runs {d.start}..{d.end}; a deployment runs from "
                    f"the first day of a month for {rules.deployment_months} whole months",
                )
            )
        if d.start < rules.start or d.start > rules.end:
            out.append(
                Violation(
                    NAME,
                    f"{d.officer} at {d.posting} starts on {d.start}, outside the horizon "
                    f"{rules.start}..{rules.end}",
                )
            )
        elif d.end > rules.end and not rules.allow_past_end:
            out.append(
                Violation(
                    NAME,
                    f"{d.officer} at {d.posting} runs {d.start}..{d.end}, past the horizon's "
                    f"end {rules.end} (set [horizon] allow_past_end = true for a rolling plan)",
                )
            )
    for officer, items in stints(inst, plan).items():
        for i, a in enumerate(items):
            for b in items[i + 1 :]:
                if a.past and b.past:
                    continue
                months_a = touched_months(inst, a.start, a.end)
                months_b = touched_months(inst, b.start, b.end)
                if months_b.start <= months_a.stop - 1 and months_a.start <= months_b.stop - 1:
                    out.append(
                        Violation(
                            NAME,
                            f"{officer} is deployed to {a.posting} ({a.start}..{a.end}) and "
                            f"{b.posting} ({b.start}..{b.end}) in the same month",
                        )
                    )
    return out


RULE = Rule(
    NAME,
    hard=True,
    summary="An officer serves one posting at a time, in whole-month deployments of fixed length.",
    add=add,
    check=check,
    allows=allows,
    allows_depends_on=ignores_posting,
)
