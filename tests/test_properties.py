"""Property tests: the solver's plans always pass the independent validator.

Random small instances (officers with random ranks, specialties, certificates, courses, leave,
history and preferences; a few postings with random requirements and demand; courses that may
grant a language level for a limited time, and dated training sessions with a few seats) are
solved with a short time limit. Whatever the solver answers must be either INFEASIBLE or a plan
with no hard violation; a proven optimum must cost exactly what the validator recomputes, and
holds no enrolment it could drop. Two more properties compare the solver with brute-force
enumeration (of deployments, and of deployments with enrolments) on instances small enough to
enumerate.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from constraints import availability, eligibility, one_at_a_time, rest, training
from rotation.domain import (
    RANKS,
    CourseCompletion,
    CourseDef,
    Credential,
    Demand,
    Instance,
    InvalidObject,
    Officer,
    PastDeployment,
    Posting,
    Rules,
    Session,
    SolverSettings,
    Unavailability,
    Weights,
)
from rotation.errors import InputError
from rotation.plan import Deployment, Enrolment, Plan, SolveStatus
from rotation.solve import solve
from rotation.validate import validate
from tests.builders import START, first_day, last_day

SETTINGS = SolverSettings(time_limit=5.0, seed=0, workers=2)
POSTING_IDS = ("P", "Q", "R")
COURSES = ("c1", "c2")
SPECIALTIES = ("cyber", "fin")


def _day(draw: st.DrawFn, lo: int, hi: int) -> date:
    return START + timedelta(days=draw(st.integers(lo, hi)))


def _officer(
    draw: st.DrawFn,
    oid: str,
    months: int,
    postings: tuple[str, ...],
    training: bool = False,
) -> Officer:
    """With ``training``, the officer holds fewer certificates and courses of their own, leave
    may fall where sessions are (before the horizon), and all history ends before the horizon."""
    horizon_days = 31 * months
    records = 1 if training else 2
    certificates = []
    for _ in range(draw(st.integers(0, records))):
        valid_from = _day(draw, -400, draw(st.sampled_from((0, horizon_days))))
        until = draw(st.none() | st.integers(0, 800))
        certificates.append(
            Credential(
                draw(st.sampled_from(("khmer", "khmer", "english"))),
                draw(st.integers(1, 5)),
                valid_from,
                None if until is None else valid_from + timedelta(days=until),
            )
        )
    courses = []
    for _ in range(draw(st.integers(0, records))):
        done = _day(draw, -400, draw(st.sampled_from((0, horizon_days))))
        expires = draw(st.none() | st.integers(1, 800))
        courses.append(
            CourseCompletion(
                draw(st.sampled_from(COURSES)),
                done,
                None if expires is None else done + timedelta(days=expires),
            )
        )
    leave = []
    for _ in range(draw(st.integers(0, 2))):
        first = _day(draw, -75 if training else -30, horizon_days)
        leave.append(Unavailability(first, first + timedelta(days=draw(st.integers(0, 60)))))
    history = []
    month = draw(st.integers(-4, 0) if training else st.integers(-16, 1))
    for _ in range(draw(st.integers(0, 2))):
        last = month + draw(st.integers(0, 4))
        if training or draw(st.integers(0, 3)):  # mostly history that ended before the horizon
            last = min(last, -1)
        elif draw(st.integers(0, 5)) == 0:  # now and then still running after the horizon
            last = months + draw(st.integers(0, 2))
        if month > min(last, months - 1):
            break
        history.append(
            PastDeployment(
                draw(st.sampled_from(postings)),
                first_day(month) + timedelta(days=draw(st.integers(0, 10))),
                last_day(last) - timedelta(days=draw(st.integers(0, 10))),
            )
        )
        month = last + 1 + draw(st.integers(0, 3))
    return Officer(
        id=oid,
        name=f"Officer {oid}",
        rank=draw(st.sampled_from(RANKS)),
        specialties=frozenset(draw(st.sets(st.sampled_from(SPECIALTIES), max_size=2))),
        certificates=tuple(certificates),
        courses=tuple(courses),
        unavailability=tuple(leave),
        preferences=tuple(draw(st.lists(st.sampled_from(postings), unique=True, max_size=2))),
        history=tuple(history),
    )


def _posting(draw: st.DrawFn, pid: str, held: frozenset[str], training: int = 0) -> Posting:
    """With ``training`` 1 (the case has sessions) a required course is twice as likely; with 2
    (training-focused cases) a Khmer level is too."""
    specialists: tuple[tuple[str, int], ...] = ()
    if held and draw(st.integers(0, 3)) == 0:
        chosen = sorted(draw(st.sets(st.sampled_from(sorted(held)), min_size=1)))
        specialists = tuple((s, draw(st.integers(0, 1))) for s in chosen)
    courses: frozenset[str] = frozenset()
    if draw(st.integers(0, 2)) < (2 if training else 1):
        courses = frozenset({draw(st.sampled_from(COURSES))})
    return Posting(
        id=pid,
        name=f"Post {pid}",
        timezone="Asia/Phnom_Penh",
        hardship=draw(st.integers(0, 5)),
        min_khmer_level=draw(st.sampled_from((0, 1, 2) if training > 1 else (0, 0, 0, 1, 2, 3))),
        required_courses=courses,
        min_supervisors=draw(st.sampled_from((0, 0, 0, 1))),
        min_specialists=specialists,
    )


def _course_def(draw: st.DrawFn, cid: str) -> CourseDef:
    """A course that may also grant a language level, for good or for a few months."""
    language = draw(st.sampled_from(("", "khmer", "khmer", "english")))
    return CourseDef(
        cid,
        cid.upper(),
        grants_credential=language,
        grants_level=draw(st.integers(1, 4)) if language else 0,
        validity_months=draw(st.none() | st.integers(1, 8)),
    )


def _sessions(
    draw: st.DrawFn, months: int, count: int, wanted: frozenset[str], lead: int
) -> list[Session]:
    """Sessions, mostly of ``wanted`` courses, with 0 to 2 seats, each ending near the latest day
    that qualifies it for a deployment starting in some month: exactly then (0), a day too late
    (-1) or some days earlier."""
    out = []
    for i in range(count):
        month = draw(st.integers(0, months - 1))
        early = draw(st.sampled_from((0, 3, -1, 20, 60)))
        end = first_day(month) - timedelta(days=lead + early)
        out.append(
            Session(
                f"S{i}",
                draw(st.sampled_from(sorted(wanted) * 3 + list(COURSES))),
                end - timedelta(days=draw(st.sampled_from((13, 4, 0, 6, 30)))),
                end,
                seats=draw(st.sampled_from((1, 0, 1, 2))),
            )
        )
    return out


def _demands(draw: st.DrawFn, pid: str, months: int, training: bool = False) -> list[Demand]:
    """Non-overlapping rows; the first may start before the horizon, the last end after it.

    With ``training``, one row over the whole horizon asks for one or two officers, so that
    short rows closing the months after them do not rule deployments out.
    """
    if training:
        lo = draw(st.integers(1, 2))
        return [Demand(pid, first_day(0), first_day(months - 1), lo, lo + draw(st.integers(0, 1)))]
    rows = []
    month = draw(st.sampled_from((0, -1, draw(st.integers(0, months - 1)))))
    for _ in range(draw(st.sampled_from((1, 2, 1, 0)))):
        if month > months - 1:
            break
        last = draw(st.integers(max(month, 0), months))
        lo = draw(st.sampled_from((1, 2, 0)))
        hi = lo + draw(st.integers(0, 2))
        rows.append(Demand(pid, first_day(month), first_day(last), lo, hi))
        month = last + 1 + draw(st.integers(0, 2))
    return rows


def solving(examples: int) -> settings:
    """Settings for property tests that solve each drawn case: a solve takes its time (no
    deadline), and drawing and filtering valid instances is slow by nature."""
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


@st.composite
def instances(
    draw: st.DrawFn,
    officers: tuple[int, int] = (2, 6),
    postings: tuple[int, int] = (1, 3),
    months: tuple[int, int] = (4, 9),
    deployment: tuple[int, int] = (1, 3),
    sessions: tuple[int, int] = (0, 3),
    training: bool = False,
) -> Instance:
    """Random valid instances; ``training`` focuses them on training: officers hold fewer
    records of their own, postings ask for a Khmer level more often, and there are sessions."""
    n_months = draw(st.integers(*months))
    length = draw(st.integers(deployment[0], min(deployment[1], n_months)))
    pids = POSTING_IDS[: draw(st.integers(*postings))]
    try:
        people = [
            _officer(draw, f"O{i}", n_months, pids, training)
            for i in range(draw(st.integers(*officers)))
        ]
        held = frozenset().union(*(o.specialties for o in people))
        n_sessions = draw(st.integers(*sessions))
        focus = 2 if training else int(n_sessions > 0)
        places = [_posting(draw, pid, held, focus) for pid in pids]
        wanted = frozenset().union(*(p.required_courses for p in places))
        lead = draw(st.sampled_from((14, 0, 1, 30))) if n_sessions else 14
        runs = tuple(_sessions(draw, n_months, n_sessions, wanted, lead))
        rows = [row for pid in pids for row in _demands(draw, pid, n_months, training)]
        course_defs = tuple(_course_def(draw, c) for c in COURSES)
        rule_set = Rules(
            start=START,
            months=n_months,
            deployment_months=length,
            min_rest_months=draw(st.integers(0, 2)),
            max_deployments=draw(st.none() | st.integers(1 if training else 0, 3)),
            fairness_target=draw(st.integers(0, 12)),
            fairness_lookback_months=draw(st.integers(0, 12)),
            training_lead_days=lead,
            weights=Weights(
                unmet_demand=draw(st.sampled_from((1000, 50, 1, 0) + (1000,) * bool(runs))),
                fairness=draw(st.integers(0, 3)),
                preference=draw(st.integers(0, 5)),
                training=draw(st.sampled_from((2, 0, 1, 7))) if runs else 2,
            ),
        )
        return Instance(
            name="random",
            rules=rule_set,
            officers=tuple(people),
            postings=tuple(places),
            demands=tuple(rows),
            courses=course_defs if runs else tuple(CourseDef(c, c.upper()) for c in COURSES),
            sessions=runs,
            solver=SETTINGS,
        )
    except (InputError, InvalidObject):
        assume(False)
        raise AssertionError("unreachable") from None


def _assert_sound(inst: Instance, settings_: SolverSettings = SETTINGS) -> None:
    result = solve(inst, settings_)
    assert result.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE, SolveStatus.INFEASIBLE)
    if result.status == SolveStatus.INFEASIBLE:
        assert result.plan is None
        return
    assert result.plan is not None
    verdict = validate(inst, result.plan)
    assert verdict.ok, verdict.violations
    assert verdict.unmet == result.unmet
    if result.status == SolveStatus.OPTIMAL:
        assert verdict.objective == result.objective
        assert verdict.cost_by_rule == result.cost_by_rule
        if inst.rules.weights.training > 0:
            # Every enrolment costs at least a week; one the plan could do without is not optimal.
            for e in result.plan.enrolments:
                rest_of = tuple(x for x in result.plan.enrolments if x != e)
                assert not validate(inst, Plan(result.plan.deployments, rest_of)).ok, e


@solving(60)
@given(instances())
def test_every_plan_passes_the_validator_and_costs_what_it_recomputes(inst: Instance) -> None:
    _assert_sound(inst)


@solving(150)
@given(instances(sessions=(1, 4), training=True))
def test_plans_with_training_pass_the_validator(inst: Instance) -> None:
    _assert_sound(inst)


# -- brute force on tiny instances -------------------------------------------------------------

MAX_PLANS = 3000


def _candidates(inst: Instance) -> dict[str, list[Deployment]]:
    """Per officer, every deployment that on its own breaks none of the per-deployment rules."""
    out: dict[str, list[Deployment]] = {}
    for o in inst.officers:
        mine = []
        for p in inst.postings:
            for s in inst.rules.start_months:
                first, last = inst.rules.deployment_span(s)
                d = Plan((Deployment(o.id, p.id, first, last),))
                if any(r.check(inst, d) for r in (availability, eligibility, one_at_a_time, rest)):
                    continue
                mine.append(d.deployments[0])
        out[o.id] = mine
    return out


def _schedules(inst: Instance, mine: list[Deployment]) -> list[tuple[Deployment, ...]]:
    """Every set of the officer's candidate deployments that respects one-at-a-time and rest."""
    gap = inst.rules.deployment_months + inst.rules.min_rest_months
    limit = inst.rules.max_deployments
    out: list[tuple[Deployment, ...]] = [()]
    mine = sorted(mine, key=lambda d: d.start)

    month = inst.rules.month_of

    def extend(prefix: tuple[Deployment, ...], rest_: list[Deployment]) -> None:
        for i, d in enumerate(rest_):
            if prefix and month(d.start) - month(prefix[-1].start) < gap:
                continue
            if limit is not None and len(prefix) + 1 > limit:
                continue
            out.append((*prefix, d))
            extend((*prefix, d), rest_[i + 1 :])

    extend((), mine)
    return out


@solving(60)
@given(
    instances(officers=(1, 3), postings=(1, 2), months=(2, 5), deployment=(1, 2), sessions=(0, 0))
)
def test_solver_agrees_with_brute_force_on_tiny_instances(inst: Instance) -> None:
    candidates = _candidates(inst)
    per_officer = [_schedules(inst, candidates[o.id]) for o in inst.officers]
    total = 1
    for s in per_officer:
        total *= len(s)
    assume(total <= MAX_PLANS)
    best: int | None = None
    for combo in itertools.product(*per_officer):
        candidate = Plan(tuple(d for sched in combo for d in sched))
        verdict = validate(inst, candidate)
        if verdict.ok and (best is None or verdict.objective < best):
            best = verdict.objective
    result = solve(inst, SETTINGS)
    if best is None:
        assert result.status == SolveStatus.INFEASIBLE
    else:
        assert result.status == SolveStatus.OPTIMAL
        assert result.objective == best


def _overlap(a: Enrolment | Deployment, b: Enrolment | Deployment) -> bool:
    return a.start <= b.end and b.start <= a.end


def _free(inst: Instance, o: Officer) -> list[Enrolment]:
    """Enrolments in every session the officer is free for (no leave, no past deployment)."""
    return [
        Enrolment(o.id, q.course, q.id, q.start, q.end)
        for q in inst.sessions
        if inst.can_attend(o, q)
    ]


def _enrolment_sets(inst: Instance, o: Officer) -> list[tuple[Enrolment, ...]]:
    """Every set of sessions the officer is free for that do not overlap one another."""
    free = _free(inst, o)
    out: list[tuple[Enrolment, ...]] = []
    for n in range(len(free) + 1):
        for combo in itertools.combinations(free, n):
            if not any(_overlap(a, b) for a, b in itertools.combinations(combo, 2)):
                out.append(combo)
    return out


def _officer_options(inst: Instance, o: Officer) -> list[Plan]:
    """One officer's deployment schedules with enrolment sets, each valid for that officer alone.

    Pruning officer by officer is sound: eligibility, availability, rest, one-at-a-time and every
    training check but seats judge one officer's deployments and enrolments only.
    """
    free = _free(inst, o)
    mine = []
    for p in inst.postings:
        for s in inst.rules.start_months:
            first, last = inst.rules.deployment_span(s)
            d = Deployment(o.id, p.id, first, last)
            alone = Plan((d,))
            if any(r.check(inst, alone) for r in (availability, one_at_a_time, rest)):
                continue
            # With every session the officer is free for, or never (trained() only adds grants).
            widest = Plan((d,), tuple(e for e in free if e.end < first))
            if not eligibility.check(inst, widest):
                mine.append(d)
    out = []
    for schedule in _schedules(inst, mine):
        for enrolments in _enrolment_sets(inst, o):
            if any(_overlap(d, e) for d in schedule for e in enrolments):
                continue
            candidate = Plan(schedule, enrolments)
            if eligibility.check(inst, candidate) or training.check(inst, candidate):
                continue
            out.append(candidate)
    return out


@solving(150)
@given(
    instances(
        officers=(1, 3), postings=(1, 2), months=(2, 4), deployment=(1, 2), sessions=(1, 3),
        training=True,
    )
)
def test_solver_agrees_with_brute_force_on_tiny_instances_with_training(inst: Instance) -> None:
    per_officer = [_officer_options(inst, o) for o in inst.officers]
    total = 1
    for options in per_officer:
        total *= len(options)
    assume(total <= MAX_PLANS)
    best: int | None = None
    for combo in itertools.product(*per_officer):
        candidate = Plan(
            tuple(d for part in combo for d in part.deployments),
            tuple(e for part in combo for e in part.enrolments),
        )
        verdict = validate(inst, candidate)
        if verdict.ok and (best is None or verdict.objective < best):
            best = verdict.objective
    result = solve(inst, SETTINGS)
    if best is None:
        assert result.status == SolveStatus.INFEASIBLE
    else:
        assert result.status == SolveStatus.OPTIMAL
        assert result.objective == best


def _busy_instance() -> Instance:
    """Eight officers, three postings, many equally good plans: a fair test of determinism."""
    people = tuple(
        Officer(
            id=f"O{i}",
            name=f"Officer {i}",
            rank=RANKS[i % len(RANKS)],
            specialties=frozenset({SPECIALTIES[i % 2]}),
            preferences=(POSTING_IDS[i % 3],) if i % 2 else (),
            history=(PastDeployment(POSTING_IDS[i % 3], first_day(-4 - i), last_day(-2 - i)),),
        )
        for i in range(8)
    )
    places = tuple(
        Posting(id=p, name=f"Post {p}", timezone="Asia/Phnom_Penh", hardship=h,
                min_supervisors=1 if p == "P" else 0)
        for p, h in zip(POSTING_IDS, (3, 1, 0), strict=True)
    )
    rows = tuple(Demand(p, first_day(0), first_day(8), 1, 3) for p in POSTING_IDS)
    return Instance(
        name="busy",
        rules=Rules(start=START, months=9, deployment_months=3, min_rest_months=1,
                    fairness_target=6, fairness_lookback_months=12),
        officers=people,
        postings=places,
        demands=rows,
        solver=SETTINGS,
    )


@pytest.mark.parametrize("workers", [1, 2])
def test_same_seed_and_workers_give_the_same_plan(workers: int) -> None:
    inst = _busy_instance()
    tuned = replace(SETTINGS, workers=workers, seed=7)
    first = solve(inst, tuned)
    second = solve(inst, tuned)
    assert first.status == SolveStatus.OPTIMAL
    assert first.plan is not None
    assert len(first.plan.deployments) >= 3
    assert first.status == second.status
    assert first.plan == second.plan
    assert first.objective == second.objective
    assert first.cost_by_rule == second.cost_by_rule
