"""Training: a missing course or language level is trained in a session that ends in time.

The rule (constraints/training.py, docs/rules.md): a deployment whose officer lacks a requirement
needs an enrolment in a session of a course that grants it, ending at least
``training.min_days_before_deployment`` days before the first day, with the grant still valid on
the last day (a course counts from the session's last day and expires ``validity_months`` later;
a language level is valid from that day to the day before). No session has more enrolments than
seats; no enrolment overlaps, by a single day, the officer's deployments (planned or past), leave,
or another enrolment. Each enrolment costs ``weights.training`` per week (rounded up).

Unless said otherwise the horizon is two months from January 2026, a deployment lasts both
(2026-01-01..2026-02-28), and the lead time is 14 days, so a session must end by 2025-12-18.
Every solve is judged by the independent validator (``solve_sound``).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from constraints import eligibility, training
from rotation.domain import CourseDef, Instance, Officer, PastDeployment, Session, Unavailability
from rotation.explain import explain_shortfall
from rotation.plan import Enrolment, SolveStatus
from rotation.validate import validate
from tests.builders import (
    assert_blocked,
    away,
    course,
    course_def,
    day_after,
    day_before,
    demand,
    dep,
    enrol,
    instance,
    khmer,
    officer,
    past,
    plan,
    posting,
    rules,
    run,
    session,
    solve_sound,
)

START, END = date(2026, 1, 1), date(2026, 2, 28)  # the deployment from month 0
LEAD = 14
LATEST = START - timedelta(days=LEAD)  # 2025-12-18: the last day a session may end
EARLY = date(2024, 1, 1)
C1 = course_def("c1")


def before(last: date, days: int) -> date:
    """The first day of a ``days``-day session ending on ``last``."""
    return last - timedelta(days=days - 1)


def s1(end: date = LATEST, days: int = 12, seats: int = 1, cid: str = "c1") -> Session:
    """Session S1 of ``cid``: ``days`` days ending on ``end`` (by default 2025-12-07..12-18)."""
    return session("S1", cid, before(end, days), end, seats)


def _case(
    people: list[Officer],
    sessions: list[Session],
    *,
    courses: list[CourseDef] | None = None,
    needs: tuple[str, ...] = ("c1",),
    level: int = 0,
    supervisors: int = 1,
    lo: int = 0,
    hi: int = 1,
    lead: int = LEAD,
    weight: int = 2,
) -> Instance:
    """Posting P, open in months 0..1, needs ``needs`` and Khmer ``level``.

    With ``supervisors`` (the default) it must be staffed by an inspector, so an officer who
    cannot be trained in time makes the case INFEASIBLE; with ``supervisors=0, lo=1`` the same
    officer leaves demand unmet instead.
    """
    return instance(
        people,
        [posting("P", courses=needs, khmer=level, supervisors=supervisors), posting("Q")],
        [demand("P", 0, 1, lo, hi)],
        rules(2, 2, lead=lead, training=weight),
        courses=courses if courses is not None else [C1, course_def("c2")],
        sessions=sessions,
    )


def _soft(people: list[Officer], sessions: list[Session], *, lo: int = 1, hi: int = 1) -> Instance:
    """As :func:`_case`, but P only asks for ``lo`` officers: no hard staffing."""
    return _case(people, sessions, supervisors=0, lo=lo, hi=hi)


def _trained_and_deployed(inst: Instance, *sessions: Session) -> None:
    """The solve is OPTIMAL and sound, with A deployed from month 0 after exactly these sessions."""
    result, verdict = solve_sound(inst)
    assert result.plan is not None
    assert result.plan.deployments == (dep("A", "P", 0),)
    assert result.plan.enrolments == tuple(sorted(enrol("A", q) for q in sessions))
    assert verdict.ok
    assert result.objective == verdict.objective


A = officer("A", "inspector")
SESSION = s1()  # 2025-12-07..2025-12-18, one seat


# -- solver: the smallest cases ----------------------------------------------------------------


def test_smallest_feasible_case_trains_the_officer_in_time() -> None:
    course_run = s1()  # 12 days: 2 weeks away
    inst = _case([A], [course_run], weight=3)
    result, verdict = solve_sound(inst)
    assert result.plan is not None
    assert result.plan.deployments == (dep("A", "P", 0),)
    assert result.plan.enrolments == (
        Enrolment("A", "c1", "S1", date(2025, 12, 7), LATEST),
    )
    assert verdict.ok
    assert result.objective == verdict.objective == 3 * 2
    assert result.cost_by_rule["training"] == verdict.cost_by_rule["training"] == 3 * 2
    assert result.unmet == ()


def test_without_a_session_the_untrained_officer_cannot_serve() -> None:
    assert_blocked(_case([A], []))


def test_no_enrolment_without_a_deployment_that_needs_it() -> None:
    inst = _soft([officer("A")], [s1()], lo=0)  # P may take an officer but needs none
    result, verdict = solve_sound(inst)
    assert result.plan is not None
    assert result.plan.enrolments == ()
    assert result.objective == verdict.objective == 0


@pytest.mark.parametrize(("days", "weeks"), [(1, 1), (5, 1), (7, 1), (8, 2), (14, 2), (15, 3)])
@pytest.mark.parametrize("weight", [1, 5])
def test_training_costs_weight_times_weeks_rounded_up(days: int, weeks: int, weight: int) -> None:
    inst = _case([A], [s1(days=days)], weight=weight)
    result, verdict = solve_sound(inst)
    assert result.cost_by_rule["training"] == verdict.cost_by_rule["training"] == weight * weeks
    assert result.objective == weight * weeks


def test_weight_zero_still_trains_and_costs_nothing() -> None:
    inst = _case([A], [s1()], weight=0)
    result, verdict = solve_sound(inst)
    assert result.plan is not None and len(result.plan.enrolments) == 1
    assert result.cost_by_rule["training"] == verdict.cost_by_rule["training"] == 0


# -- the lead time, exactly ------------------------------------------------------------------


@pytest.mark.parametrize("lead", [1, LEAD, 30])
def test_a_session_ending_exactly_lead_days_before_the_start_qualifies(lead: int) -> None:
    latest = START - timedelta(days=lead)
    course_run = s1(end=latest)
    _trained_and_deployed(_case([A], [course_run], lead=lead), course_run)


@pytest.mark.parametrize("lead", [1, LEAD, 30])
def test_a_session_ending_one_day_later_does_not_qualify(lead: int) -> None:
    late = s1(end=day_after(START - timedelta(days=lead)))
    assert_blocked(_case([A], [late], lead=lead))


@pytest.mark.parametrize(("end", "ok"), [(LATEST, True), (day_after(LATEST), False)])
def test_lead_boundary_with_soft_demand_leaves_demand_unmet(end: date, ok: bool) -> None:
    inst = _soft([officer("A")], [s1(end=end)])
    result, verdict = solve_sound(inst)
    assert result.plan is not None
    if ok:
        assert result.plan.deployments == (dep("A", "P", 0),)
        assert len(result.plan.enrolments) == 1
        assert result.unmet == ()
        assert result.objective == 2 * 2
    else:
        assert result.plan.deployments == ()
        assert result.plan.enrolments == ()
        assert [(g.month, g.missing) for g in result.unmet] == [("2026-01", 1), ("2026-02", 1)]
        assert result.objective == verdict.objective == 2 * 1000


def test_lead_zero_a_session_may_end_the_day_before_the_start() -> None:
    course_run = s1(end=day_before(START))
    _trained_and_deployed(_case([A], [course_run], lead=0), course_run)


@pytest.mark.parametrize("language", [False, True])
def test_lead_zero_a_session_ending_on_the_first_day_does_not_qualify(language: bool) -> None:
    # A course must be completed strictly before the first day; and a session's last day on the
    # first day of the deployment overlaps it, which no enrolment may.
    grants = course_def("k2", language="khmer", level=2)
    on_start = s1(end=START, cid="k2" if language else "c1")
    inst = _case(
        [A], [on_start], lead=0, courses=[C1, grants],
        needs=() if language else ("c1",), level=2 if language else 0,
    )
    assert_blocked(inst)


def test_a_course_granting_a_credential_without_levels_qualifies() -> None:
    # P asks for a hostile-environment credential ("heat"), which the course grants, no level.
    heat = course_def("heat-course", language="heat", validity=12)
    run_of_it = s1(cid="heat-course")
    inst = instance(
        [A], [posting("P", credentials=[("heat", 0)], supervisors=1), posting("Q")],
        [demand("P", 0, 1, 0, 1)], rules(2, 2), courses=[C1, heat], sessions=[run_of_it],
    )
    _trained_and_deployed(inst, run_of_it)


# -- seats -----------------------------------------------------------------------------------


def test_one_seat_trains_only_one_of_two_officers_and_the_rest_is_unmet() -> None:
    inst = _soft([officer("A"), officer("B")], [s1(seats=1)], lo=2, hi=2)
    result, verdict = solve_sound(inst)
    assert result.plan is not None
    assert len(result.plan.deployments) == 1
    assert len(result.plan.enrolments) == 1
    # Either officer may take the seat; whoever does is the one deployed.
    assert result.plan.enrolments[0].officer == result.plan.deployments[0].officer
    assert [(g.month, g.missing) for g in result.unmet] == [("2026-01", 1), ("2026-02", 1)]
    assert result.objective == verdict.objective == 2 * 1000 + 2 * 2


@pytest.mark.parametrize(("seats", "feasible"), [(0, False), (1, False), (2, True), (3, True)])
def test_two_supervisors_to_train_need_two_seats(seats: int, feasible: bool) -> None:
    course_run = s1(seats=seats)
    inst = _case(
        [officer("A", "inspector"), officer("B", "inspector")], [course_run],
        supervisors=2, hi=2,
    )
    if not feasible:
        assert_blocked(inst)
        return
    result, _ = solve_sound(inst)
    assert result.plan is not None
    assert result.plan.deployments == (dep("A", "P", 0), dep("B", "P", 0))
    assert result.plan.enrolments == (enrol("A", course_run), enrol("B", course_run))


def test_a_zero_seat_session_trains_nobody() -> None:
    assert_blocked(_case([A], [s1(seats=0)]))


def test_checker_flags_two_enrolments_in_a_one_seat_session() -> None:
    course_run = s1(seats=1)
    inst = _soft([officer("A"), officer("B")], [course_run], lo=2, hi=2)
    both = plan(dep("A", "P", 0), dep("B", "P", 0),
                enrolments=[enrol("A", course_run), enrol("B", course_run)])
    found = validate(inst, both).violations
    assert [v.rule for v in found] == ["training"]
    assert "S1" in found[0].message
    assert "2 officers enrolled for 1 seat" in found[0].message


def test_checker_accepts_as_many_enrolments_as_seats() -> None:
    course_run = s1(seats=2)
    inst = _soft([officer("A"), officer("B")], [course_run], lo=2, hi=2)
    both = plan(dep("A", "P", 0), dep("B", "P", 0),
                enrolments=[enrol("A", course_run), enrol("B", course_run)])
    verdict = validate(inst, both)
    assert verdict.ok, verdict.violations
    assert verdict.cost_by_rule["training"] == 2 * 2 * 2  # two officers, two weeks each


# -- no overlaps: solver ---------------------------------------------------------------------

@pytest.mark.parametrize(
    ("leave", "usable"),
    [
        (away(LATEST, LATEST), False),  # the session's last day
        (away(date(2025, 11, 1), SESSION.start), False),  # ends on its first day
        (away(date(2025, 12, 10), date(2025, 12, 11)), False),  # inside it
        (away(date(2025, 11, 1), day_before(SESSION.start)), True),  # ends the day before
        (away(day_after(LATEST), date(2025, 12, 31)), True),  # starts the day after
    ],
)
def test_a_session_during_leave_cannot_be_used(leave: Unavailability, usable: bool) -> None:
    inst = _case([officer("A", "inspector", unavailability=[leave])], [SESSION])
    if usable:
        _trained_and_deployed(inst, SESSION)
    else:
        assert_blocked(inst)


@pytest.mark.parametrize(
    ("history", "usable"),
    [
        (past("Q", -1, -1), False),  # December 2025, over the whole session
        (past("Q", -4, -2), True),  # ended in November 2025
    ],
)
def test_a_session_during_a_past_deployment_cannot_be_used(
    history: PastDeployment, usable: bool
) -> None:
    inst = _case([officer("A", "inspector", history=[history])], [SESSION])
    if usable:
        _trained_and_deployed(inst, SESSION)
    else:
        assert_blocked(inst)


@pytest.mark.parametrize(
    "second_start",
    [
        date(2025, 12, 12),  # shares S1's last day
        date(2025, 12, 5),  # starts inside S1
        date(2025, 11, 20),  # wraps around S1
    ],
)
def test_two_sessions_an_officer_needs_must_not_overlap(second_start: date) -> None:
    c1 = session("S1", "c1", date(2025, 12, 1), date(2025, 12, 12))
    c2 = session("S2", "c2", second_start, LATEST)
    assert_blocked(_case([A], [c1, c2], needs=("c1", "c2")))


def test_two_adjacent_sessions_can_both_be_sat() -> None:
    c1 = session("S1", "c1", date(2025, 12, 1), date(2025, 12, 12))
    c2 = session("S2", "c2", date(2025, 12, 13), LATEST)
    inst = _case([A], [c1, c2], needs=("c1", "c2"))
    _trained_and_deployed(inst, c1, c2)
    result, _ = solve_sound(inst)
    assert result.cost_by_rule["training"] == 2 * (2 + 1)


def _two_deployments(session_month: int) -> Instance:
    """A, the only inspector, must serve Q in months 0..1 and P (needs c1) in months 3..4."""
    course_run = session(
        "S1", "c1", date(2026, session_month + 1, 2), date(2026, session_month + 1, 6)
    )
    return instance(
        [officer("A", "inspector")],
        [posting("P", courses=["c1"], supervisors=1), posting("Q", supervisors=1)],
        [demand("Q", 0, 1, 0, 1), demand("P", 3, 4, 0, 1)],
        rules(6, 2),
        courses=[C1],
        sessions=[course_run],
    )


def test_a_session_during_a_planned_deployment_cannot_be_used() -> None:
    assert_blocked(_two_deployments(session_month=1))  # 2026-02-02..06, A is at Q


def test_a_session_between_two_planned_deployments_can_be_used() -> None:
    inst = _two_deployments(session_month=2)  # 2026-03-02..06, A rests
    result, _ = solve_sound(inst)
    assert result.plan is not None
    assert result.plan.deployments == (dep("A", "P", 3), dep("A", "Q", 0))
    assert [e.session for e in result.plan.enrolments] == ["S1"]


# -- no overlaps: the checker on hand-built plans -----------------------------------------------


def _checked(inst: Instance, *enrolments: Enrolment) -> list[str]:
    """The training rule's messages for A deployed from month 0 with ``enrolments``."""
    attempt = plan(dep("A", "P", 0), enrolments=enrolments)
    return [v.message for v in training.check(inst, attempt)]


def test_checker_flags_an_enrolment_overlapping_a_deployment() -> None:
    during = session("S2", "c1", END, date(2026, 3, 3))  # starts on the deployment's last day
    inst = _case([officer("A", "inspector", courses=[course("c1", EARLY)])], [SESSION, during])
    assert _checked(inst, enrol("A", during)) == [
        "A is enrolled in S2 (c1) but has no later deployment that needs it",
        "A is in session S2 (2026-02-28..2026-03-03) while deployed to P "
        "(2026-01-01..2026-02-28)",
    ]
    after = session("S3", "c1", date(2026, 3, 1), date(2026, 3, 3))
    inst = _case([officer("A", "inspector", courses=[course("c1", EARLY)])], [after])
    assert _checked(inst, enrol("A", after)) == [
        "A is enrolled in S3 (c1) but has no later deployment that needs it"
    ]


def test_checker_flags_an_enrolment_overlapping_leave() -> None:
    inst = _case([officer("A", "inspector", unavailability=[away(LATEST, LATEST)])], [SESSION])
    assert _checked(inst, enrol("A", SESSION)) == [
        "A is in session S1 (2025-12-07..2025-12-18) while unavailable 2025-12-18..2025-12-18"
    ]
    free = _case([officer("A", "inspector", unavailability=[away(START, START)])], [SESSION])
    assert _checked(free, enrol("A", SESSION)) == []


def test_checker_flags_an_enrolment_overlapping_history() -> None:
    inst = _case([officer("A", "inspector", history=[past("Q", -1, -1)])], [SESSION])
    assert _checked(inst, enrol("A", SESSION)) == [
        "A is in session S1 (2025-12-07..2025-12-18) while deployed to Q "
        "(2025-12-01..2025-12-31)"
    ]
    # A past deployment ending the day before the session starts is fine.
    before_it = PastDeployment("Q", date(2025, 11, 1), day_before(SESSION.start))
    free = _case([officer("A", "inspector", history=[before_it])], [SESSION])
    assert _checked(free, enrol("A", SESSION)) == []


@pytest.mark.parametrize(
    ("first", "last", "clash"),
    [
        (LATEST, LATEST, True),  # S1's last day
        (date(2025, 12, 1), SESSION.start, True),  # ends on S1's first day
        (day_after(LATEST), date(2025, 12, 31), False),  # starts the day after S1
        (date(2025, 12, 1), day_before(SESSION.start), False),  # ends the day before S1
    ],
)
def test_checker_flags_two_enrolments_at_once(first: date, last: date, clash: bool) -> None:
    other = session("S2", "c2", first, last)
    inst = _case([A], [SESSION, other], needs=("c1", "c2"))
    found = _checked(inst, enrol("A", SESSION), enrol("A", other))
    clashes = [m for m in found if "no later deployment" not in m]  # the other rule, tested below
    assert clashes == (["A is in sessions S1 and S2 at once"] if clash else [])


def test_checker_flags_an_enrolment_that_is_not_the_session() -> None:
    inst = _case([A], [SESSION])
    moved = Enrolment("A", "c1", "S1", date(2025, 12, 1), date(2025, 12, 5))
    found = _checked(inst, moved)
    assert len(found) == 1 and "S1" in found[0] and "2025-12-07..2025-12-18" in found[0]
    assert _checked(inst, Enrolment("A", "c1", "S9", START, END)) == [
        "A in session S9: unknown officer, course or session"
    ]


# -- expiry ----------------------------------------------------------------------------------


def test_a_course_expiring_during_the_deployment_forces_a_refresher() -> None:
    lapsing = officer("A", "inspector", courses=[course("c1", EARLY, date(2026, 2, 1))])
    _trained_and_deployed(_case([lapsing], [SESSION]), SESSION)


def test_a_course_expiring_during_the_deployment_without_a_refresher_is_ineligible() -> None:
    lapsing = officer("A", "inspector", courses=[course("c1", EARLY, date(2026, 2, 1))])
    assert_blocked(_case([lapsing], [s1(end=day_after(LATEST))]))


def test_a_course_expiring_the_day_after_the_deployment_needs_no_refresher() -> None:
    valid = officer("A", "inspector", courses=[course("c1", EARLY, day_after(END))])
    result, verdict = solve_sound(_case([valid], [SESSION]))
    assert result.plan is not None
    assert result.plan.deployments == (dep("A", "P", 0),)
    assert result.plan.enrolments == ()
    assert result.objective == verdict.objective == 0


def test_a_certificate_expiring_during_the_deployment_forces_a_language_refresher() -> None:
    grants = course_def("k2", language="khmer", level=2)
    lapsing = officer("A", "inspector", certificates=[khmer(2, EARLY, date(2026, 2, 10))])
    refresher = s1(cid="k2")
    inst = _case([lapsing], [refresher], needs=(), level=2, courses=[grants])
    _trained_and_deployed(inst, refresher)
    assert_blocked(_case([lapsing], [], needs=(), level=2, courses=[grants]))


@pytest.mark.parametrize(
    ("end", "months", "ok"),
    [
        (date(2025, 12, 1), 3, True),  # expires 2026-03-01, the day after the last day
        (date(2025, 11, 28), 3, False),  # expires 2026-02-28, the last day itself
        (date(2025, 12, 1), 2, False),  # expires 2026-02-01
        (LATEST, 1, False),  # expires 2026-01-18
        (date(2025, 12, 1), None, True),  # never expires
    ],
)
@pytest.mark.parametrize("language", [False, True])
def test_a_grant_expiring_before_the_deployment_ends_does_not_qualify(
    end: date, months: int | None, ok: bool, language: bool
) -> None:
    if language:
        grants = course_def("k2", language="khmer", level=2, validity=months)
        inst = _case([A], [s1(end=end, cid="k2")], needs=(), level=2, courses=[grants])
    else:
        inst = _case([A], [s1(end=end)], courses=[course_def("c1", validity=months)])
    if ok:
        _trained_and_deployed(inst, inst.sessions[0])
    else:
        assert_blocked(inst)


def test_a_grant_that_lapses_between_two_deployments_needs_a_second_session() -> None:
    # c1 counts for four months. S1 (ends 2025-12-01, expires 2026-04-01) covers January and
    # February; May and June need S2 (ends 2026-03-06, expires 2026-07-06).
    early = session("S1", "c1", date(2025, 11, 24), date(2025, 12, 1))
    refresher = session("S2", "c1", date(2026, 3, 2), date(2026, 3, 6))
    inst = instance(
        [officer("A", "inspector")],
        [posting("P", courses=["c1"], supervisors=1)],
        [demand("P", 0, 1, 0, 1), demand("P", 4, 5, 0, 1)],
        rules(6, 2),
        courses=[course_def("c1", validity=4)],
        sessions=[early, refresher],
    )
    result, verdict = solve_sound(inst)
    assert result.plan is not None
    assert result.plan.deployments == (dep("A", "P", 0), dep("A", "P", 4))
    assert result.plan.enrolments == (enrol("A", early), enrol("A", refresher))
    assert result.cost_by_rule["training"] == verdict.cost_by_rule["training"] == 2 * (2 + 1)


# -- language grants -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "granted", "held", "ok"),
    [
        ("khmer", 2, 0, True),
        ("khmer", 3, 0, True),
        ("khmer", 1, 0, False),
        ("khmer", 2, 1, True),  # a level-1 officer trained up to 2
        ("english", 5, 0, False),
    ],
)
def test_a_course_granting_khmer_level_2_qualifies_for_a_level_2_posting(
    language: str, granted: int, held: int, ok: bool
) -> None:
    grants = course_def("k", language=language, level=granted)
    certs = [khmer(held, EARLY)] if held else []
    person = officer("A", "inspector", certificates=certs)
    course_run = s1(cid="k")
    inst = _case([person], [course_run], needs=(), level=2, courses=[grants])
    if ok:
        _trained_and_deployed(inst, course_run)
    else:
        assert_blocked(inst)


def test_one_session_can_grant_both_a_required_course_and_the_language_level() -> None:
    both = course_def("c1", language="khmer", level=2)
    course_run = s1()
    inst = _case([A], [course_run], needs=("c1",), level=2, courses=[both])
    _trained_and_deployed(inst, course_run)


# -- preference for the qualified ----------------------------------------------------------------


@pytest.mark.parametrize("qualified_first", [True, False])
def test_the_solver_prefers_the_already_qualified_officer(qualified_first: bool) -> None:
    ready = officer("R", courses=[course("c1", EARLY)])
    trainee = officer("T")
    people = [ready, trainee] if qualified_first else [trainee, ready]
    inst = _soft(people, [s1(seats=2)], lo=1, hi=1)
    result, verdict = solve_sound(inst)
    assert result.plan is not None
    assert result.plan.deployments == (dep("R", "P", 0),)
    assert result.plan.enrolments == ()
    assert result.objective == verdict.objective == 0


def test_the_solver_prefers_the_shorter_session() -> None:
    long = session("LONG", "c1", date(2025, 11, 1), date(2025, 11, 21))  # 3 weeks
    short = session("SHORT", "c1", date(2025, 12, 1), date(2025, 12, 5))  # 1 week
    inst = _case([A], [long, short])
    _trained_and_deployed(inst, short)
    result, _ = solve_sound(inst)
    assert result.objective == 2 * 1


# -- the eligibility checker with enrolments (hand-built plans) -----------------------------------


def test_checker_an_unqualified_officer_without_enrolment_is_ineligible() -> None:
    inst = _case([A], [SESSION])
    found = validate(inst, plan(dep("A", "P", 0))).violations
    assert [(v.rule, v.message) for v in found] == [
        ("eligibility", "A has not completed c1; Post P needs it completed before 2026-01-01 and "
                        "valid through 2026-02-28")
    ]


def test_checker_an_enrolment_ending_too_late_does_not_count() -> None:
    late = s1(end=day_after(LATEST))
    inst = _case([A], [late])
    found = validate(inst, plan(dep("A", "P", 0), enrolments=[enrol("A", late)])).violations
    assert [v.rule for v in found] == ["eligibility", "training"]  # and it prepares for nothing
    assert "A" in found[0].message and "c1" in found[0].message


def test_checker_an_enrolment_ending_in_time_counts() -> None:
    inst = _case([A], [SESSION], weight=3)
    verdict = validate(inst, plan(dep("A", "P", 0), enrolments=[enrol("A", SESSION)]))
    assert verdict.ok, verdict.violations
    assert verdict.cost_by_rule["training"] == 3 * 2
    assert verdict.objective == 3 * 2


def test_checker_an_enrolment_in_a_lower_language_grant_does_not_count() -> None:
    grants = course_def("k", language="khmer", level=1)
    course_run = s1(cid="k")
    inst = _case([A], [course_run], needs=(), level=2, courses=[grants])
    found = eligibility.check(inst, plan(dep("A", "P", 0), enrolments=[enrol("A", course_run)]))
    assert [v.message for v in found] == [
        "A holds Khmer level 1, valid 2025-12-18..open-ended; Post P needs level 2 valid "
        "2026-01-01..2026-02-28"
    ]


def test_checker_another_officers_enrolment_does_not_count() -> None:
    inst = _case([A, officer("B")], [SESSION])
    found = validate(inst, plan(dep("A", "P", 0), enrolments=[enrol("B", SESSION)])).violations
    assert [v.rule for v in found] == ["eligibility", "training"]  # B is deployed nowhere


@pytest.mark.parametrize(
    "bad",
    [
        Enrolment("A", "c1", "S1", LATEST, date(2025, 12, 7)),  # dates swapped
        Enrolment("A", "c1", "", date(2025, 12, 7), LATEST),  # no session id
    ],
)
def test_checker_reports_a_malformed_enrolment_instead_of_raising(bad: Enrolment) -> None:
    # Regression: eligibility.trained() used to build a Session from the enrolment and raise
    # InvalidObject. A malformed enrolment grants nothing; the training rule reports it.
    inst = _case([A], [SESSION])
    verdict = validate(inst, plan(dep("A", "P", 0), enrolments=[bad]))
    assert sorted({v.rule for v in verdict.violations}) == ["eligibility", "training"]


# -- explaining a shortfall ------------------------------------------------------------------


def _shortfall_text(inst: Instance) -> str:
    result = run(inst)
    assert result.status == SolveStatus.OPTIMAL
    assert result.plan is not None and result.unmet
    assert validate(inst, result.plan).ok
    return explain_shortfall(inst, result.plan, result.unmet[0])


def test_explain_shortfall_names_the_full_session() -> None:
    inst = _soft([officer("A"), officer("B")], [s1(seats=1)], lo=2, hi=2)
    text = _shortfall_text(inst)
    assert "S1" in text
    assert "0 of 1 seats left" in text
    assert "2 more could be trained in time" in text


def test_explain_shortfall_counts_the_seats_left() -> None:
    inst = _soft([officer("A"), officer("B")], [s1(seats=3)], lo=3, hi=3)
    text = _shortfall_text(inst)
    assert "S1" in text and "1 of 3 seats left" in text


def test_explain_shortfall_says_when_no_session_ends_early_enough() -> None:
    inst = _soft([officer("A")], [s1(end=day_after(LATEST))])
    text = _shortfall_text(inst)
    assert "no session ends early enough" in text
    assert "S1" not in text


# -- every enrolment serves a deployment -------------------------------------------------------


def test_no_pointless_enrolments_even_when_training_is_free() -> None:
    """With a zero training weight nothing in the objective stops idle enrolments; the rule does."""
    inst = _case([A, officer("B"), officer("C")], [s1(seats=3)], weight=0)
    result, verdict = solve_sound(inst)
    assert result.plan is not None and verdict.ok
    deployed = {d.officer for d in result.plan.deployments}
    assert result.plan.enrolments and {e.officer for e in result.plan.enrolments} <= deployed


def test_checker_flags_an_enrolment_that_prepares_for_no_deployment() -> None:
    inst = _case([A, officer("B")], [s1(seats=2)])
    idle = plan(dep("A", "P", 0), enrolments=[enrol("A", SESSION), enrol("B", SESSION)])
    found = training.check(inst, idle)
    assert [v.message for v in found] == [
        "B is enrolled in S1 (c1) but has no later deployment that needs it"
    ]
