"""Availability: no deployment touches a day of an officer's leave or other absence.

Absences run from their first to their last day, both inclusive; a deployment covers every day
from its start to its end. Hard. The model never creates a start that overlaps an absence.
"""

from __future__ import annotations

from constraints.base import Rule, ignores_posting
from rotation.domain import Instance, Officer, Posting
from rotation.plan import Plan, Violation

NAME = "availability"


def allows(inst: Instance, officer: Officer, posting: Posting, start: int) -> bool:
    first, last = inst.rules.deployment_span(start)
    return officer.is_available(first, last)


def check(inst: Instance, plan: Plan) -> list[Violation]:
    out = []
    for d in plan.deployments:
        officer = inst.officer_by_id.get(d.officer)
        if officer is None:
            out.append(Violation(NAME, f"{d.officer} is not an officer of this case"))
            continue
        for u in officer.unavailability:
            if u.overlaps(d.start, d.end):
                why = f" ({u.reason})" if u.reason else ""
                out.append(
                    Violation(
                        NAME,
                        f"{d.officer} is unavailable {u.start}..{u.end}{why}, during the "
                        f"{d.posting} deployment {d.start}..{d.end}",
                    )
                )
    return out


RULE = Rule(
    NAME,
    hard=True,
    summary="No deployment overlaps leave or other unavailability.",
    check=check,
    allows=allows,
    allows_depends_on=ignores_posting,
)
