"""A hand-built case for the calendar tests, with text designed to break careless iCalendar code.

Names, posting names, the course, the contact and the case name carry commas, semicolons,
backslashes (also a backslash followed by ``n``, which is not a newline), real newlines, Khmer
and Korean. The plan has a handover between two planned officers, one from a deployment
recorded in history, a second deployment of one officer at the same posting, and a training
enrolment. ``revised`` is the same plan after a re-plan:
one deployment moved, one officer dropped, the rest unchanged.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from rotation.calendars.feeds import publish_plan
from rotation.domain import (
    CalendarSettings,
    CourseDef,
    Demand,
    Instance,
    Officer,
    PastDeployment,
    Posting,
    Rules,
)
from rotation.plan import Deployment, Enrolment, Plan, Result, SolveStatus
from rotation.storage import Store, StoredPlan

CASE = "KTF; Cambodia, 2026 \\ 캄보디아"
CONTACT = "Planning cell, KTF; +82-2-0000-0000 \\ ext. 3\nCall any time: 상황실"
NAMES = {
    "K-0001": 'Kim, "Ji;ho" \\ 김지호',
    "K-0002": "Sok Dara; ស៊ុក ដារ៉ា,\nsecond line",
    "K-0003": "Lee Seo-yeon \\n (not a newline)",
    "K-0004": "Park, Ji-ho",
}
POSTINGS = {
    "PNH": "Phnom Penh; ភ្នំពេញ, 프놈펜 \\ HQ",
    "SHV": "Sihanoukville, ក្រុងព្រះសីហនុ",
}
COURSE = "Khmer, intensive; level 2 \\ ភាសាខ្មែរ"
# Korean names for calendars in Korean; SHV has none and keeps its name.
POSTINGS_KO = {"PNH": "프놈펜; 본부, \\ 대사관"}

FIRST = Deployment("K-0001", "PNH", date(2026, 1, 1), date(2026, 3, 31))
SECOND = Deployment("K-0001", "PNH", date(2026, 7, 1), date(2026, 9, 30))
MOVED = Deployment("K-0001", "PNH", date(2026, 8, 1), date(2026, 10, 31))
DROPPED = Deployment("K-0002", "PNH", date(2026, 4, 1), date(2026, 6, 30))
KEPT = Deployment("K-0003", "SHV", date(2026, 2, 1), date(2026, 4, 30))
PAST = PastDeployment("SHV", date(2025, 11, 1), date(2026, 1, 31))
TRAINING = Enrolment("K-0002", "khmer", "S-1; Seoul", date(2026, 2, 2), date(2026, 2, 20))

ORIGINAL = Plan((FIRST, SECOND, DROPPED, KEPT), (TRAINING,))
REVISED = Plan((FIRST, MOVED, KEPT))


def instance(**calendar: object) -> Instance:
    return Instance(
        name=CASE,
        rules=Rules(start=date(2026, 1, 1), months=12, deployment_months=3, min_rest_months=3),
        officers=tuple(
            Officer(id=i, name=n, rank="inspector" if i == "K-0001" else "sergeant",
                    history=(PAST,) if i == "K-0004" else ())
            for i, n in NAMES.items()
        ),
        postings=tuple(
            Posting(id=i, name=n, timezone="Asia/Phnom_Penh", hardship=1,
                    name_ko=POSTINGS_KO.get(i, ""))
            for i, n in POSTINGS.items()
        ),
        demands=tuple(
            Demand(p, date(2026, 1, 1), date(2026, 12, 1), 0, 3) for p in POSTINGS
        ),
        courses=(CourseDef("khmer", COURSE),),
        calendar=CalendarSettings(contact=CONTACT, **calendar),  # type: ignore[arg-type]
    )


def stored(store: Store, plan: Plan, inst: Instance | None = None) -> StoredPlan:
    """Save ``plan`` as a solve of the hand-built case and read it back, enrolments included."""
    inst = inst or instance()
    result = Result(SolveStatus.FEASIBLE, plan, objective=0, bound=0, wall_time=0.0)
    loaded = store.load(store.save(inst, result))
    assert loaded.plan == plan
    return loaded


def published(store: Store, plan: Plan, inst: Instance | None = None,
              at: datetime | None = None) -> StoredPlan:
    """``stored``, then published as the next version of the case (calendars recorded)."""
    loaded = stored(store, plan, inst)
    publish_plan(store, loaded, "test", "", at or datetime.now(UTC))
    return loaded


STAMP_1 = datetime(2026, 1, 10, 8, 30, tzinfo=UTC)
STAMP_2 = datetime(2026, 2, 14, 17, 45, 12, tzinfo=UTC)
