"""A hand-built case for the workbook and report tests: text that would run in a spreadsheet
(names, posting, course, location and case name), a Korean posting name, unmet demand, a
posting that lacks its supervisor in some months, history reaching into the horizon, leave and
a training enrolment. No solve: the plan is written out, so the tests know every figure."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from rotation.domain import (
    CourseDef,
    Demand,
    Instance,
    Officer,
    PastDeployment,
    Posting,
    Rules,
    Session,
    Unavailability,
)
from rotation.plan import Deployment, Enrolment, Plan, Result, SolveStatus
from rotation.solve.whole_model import KEPT_FIRST_PLAN
from rotation.storage import Store, StoredPlan
from tests.engine_words import COSTED_RULES, PARAMETERS, STATUSES, stop_reasons

# Text a spreadsheet would run: OWASP's CSV-injection starts, and a link-making formula.
INJECTIONS = [
    "=1+1",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    '=HYPERLINK("http://example.org/x","open me")',
]
START = date(2026, 1, 1)


def instance() -> Instance:
    names = [*INJECTIONS, "Kim Min-jun", "이서연"]
    officers = tuple(
        Officer(
            id=f"K-{i:04d}", name=name, rank="inspector" if i % 3 == 0 else "sergeant",
            specialties=frozenset({"cyber"}) if i % 2 else frozenset(),
            history=(PastDeployment("PNH", date(2025, 9, 1), date(2026, 2, 28)),) if i == 8
            else (),
            unavailability=(Unavailability(date(2026, 5, 10), date(2026, 6, 2), "leave"),)
            if i == 7 else (),
        )
        for i, name in enumerate(names)
    )
    return Instance(
        name="=Formula case",
        rules=Rules(start=START, months=12, deployment_months=3, min_rest_months=3),
        officers=officers,
        postings=(
            Posting("PNH", "@Phnom Penh", "Asia/Phnom_Penh", 1, min_supervisors=1,
                    name_ko="=프놈펜"),
            Posting("SHV", "Sihanoukville", "Asia/Phnom_Penh", 2, name_ko="시아누크빌"),
        ),
        demands=(Demand("PNH", date(2026, 1, 1), date(2026, 12, 1), 2, 4),
                 Demand("SHV", date(2026, 1, 1), date(2026, 12, 1), 1, 2)),
        courses=(CourseDef("khmer", "-Khmer intensive"),),
        sessions=(Session("S-1", "khmer", date(2026, 2, 2), date(2026, 2, 20), "+Asan", 4),),
    )


PLAN = Plan(
    (
        Deployment("K-0000", "PNH", date(2026, 1, 1), date(2026, 3, 31)),
        Deployment("K-0001", "PNH", date(2026, 4, 1), date(2026, 6, 30)),
        Deployment("K-0002", "SHV", date(2026, 1, 1), date(2026, 3, 31)),
        Deployment("K-0003", "SHV", date(2026, 7, 1), date(2026, 9, 30)),
        Deployment("K-0004", "PNH", date(2026, 7, 1), date(2026, 9, 30)),
        Deployment("K-0005", "PNH", date(2026, 10, 1), date(2026, 12, 31)),
        Deployment("K-0006", "SHV", date(2026, 4, 1), date(2026, 6, 30)),
        Deployment("K-0000", "SHV", date(2026, 10, 1), date(2026, 12, 31)),
    ),
    (Enrolment("K-0001", "khmer", "S-1", date(2026, 2, 2), date(2026, 2, 20)),),
)




def stored(store: Store) -> StoredPlan:
    """PLAN saved as a solve of the case, with a solve's figures, and read back."""
    result = Result(SolveStatus.FEASIBLE, PLAN, objective=12345, bound=12000, wall_time=1.5,
                    cost_by_rule={"coverage": 12000, "fairness": 345},
                    parameters={"seed": 0, "time_limit": 10.0})
    return store.load(store.save(instance(), result))


def solved(plan: StoredPlan, status: str, stopped: str) -> StoredPlan:
    """``plan`` as a solve that ended with ``status`` for ``stopped``, costed by every rule
    that has a cost and run with every parameter a solve records."""
    return replace(plan, status=SolveStatus(status), stopped=stopped,
                   cost_by_rule={rule: 10 * i for i, rule in enumerate(COSTED_RULES)},
                   parameters={name: i + 1 for i, name in enumerate(PARAMETERS)})


def outcomes() -> list[tuple[str, str]]:
    """Every status and every stop reason the engine writes (each at least once), and two
    reasons joined as the engine joins them."""
    reasons = sorted(stop_reasons())
    count = max(len(STATUSES), len(reasons))
    pairs = [(STATUSES[i % len(STATUSES)], reasons[i % len(reasons)]) for i in range(count)]
    return [*pairs, ("feasible", f"time limit; {KEPT_FIRST_PLAN}")]
