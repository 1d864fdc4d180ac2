"""Property tests: the solver's plans always pass the independent validator.

Random small instances (officers with random ranks, specialties, certificates, courses, leave,
history and preferences; a few postings with random requirements and demand) are solved with a
short time limit. Whatever the solver answers must be either INFEASIBLE or a plan with no hard
violation; a proven optimum must cost exactly what the validator recomputes. A second property
compares the solver with brute-force enumeration on instances small enough to enumerate.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from constraints import availability, eligibility, one_at_a_time, rest
from rotation.domain import (
    RANKS,
    CourseCompletion,
    CourseDef,
    Demand,
    Instance,
    InvalidObject,
    LanguageCertificate,
    Officer,
    PastDeployment,
    Posting,
    Rules,
    SolverSettings,
    Unavailability,
    Weights,
)
from rotation.errors import InputError
from rotation.plan import Deployment, Plan, SolveStatus
from rotation.solver import solve
from rotation.validate import validate
from tests.builders import START, first_day, last_day

SETTINGS = SolverSettings(time_limit=5.0, seed=0, workers=2)
POSTING_IDS = ("P", "Q", "R")
COURSES = ("c1", "c2")
SPECIALTIES = ("cyber", "fin")


def _day(draw: st.DrawFn, lo: int, hi: int) -> date:
    return START + timedelta(days=draw(st.integers(lo, hi)))


def _officer(draw: st.DrawFn, oid: str, months: int, postings: tuple[str, ...]) -> Officer:
    horizon_days = 31 * months
    certificates = []
    for _ in range(draw(st.integers(0, 2))):
        valid_from = _day(draw, -400, draw(st.sampled_from((0, horizon_days))))
        until = draw(st.none() | st.integers(0, 800))
        certificates.append(
            LanguageCertificate(
                draw(st.sampled_from(("khmer", "khmer", "english"))),
                draw(st.integers(1, 5)),
                valid_from,
                None if until is None else valid_from + timedelta(days=until),
            )
        )
    courses = []
    for _ in range(draw(st.integers(0, 2))):
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
        first = _day(draw, -30, horizon_days)
        leave.append(Unavailability(first, first + timedelta(days=draw(st.integers(0, 60)))))
    history = []
    month = draw(st.integers(-16, 1))
    for _ in range(draw(st.integers(0, 2))):
        last = month + draw(st.integers(0, 4))
        if draw(st.integers(0, 3)):  # mostly history that ended before the horizon
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


def _posting(draw: st.DrawFn, pid: str, held: frozenset[str]) -> Posting:
    specialists: tuple[tuple[str, int], ...] = ()
    if held and draw(st.integers(0, 3)) == 0:
        chosen = sorted(draw(st.sets(st.sampled_from(sorted(held)), min_size=1)))
        specialists = tuple((s, draw(st.integers(0, 1))) for s in chosen)
    courses: frozenset[str] = frozenset()
    if draw(st.integers(0, 2)) == 0:
        courses = frozenset({draw(st.sampled_from(COURSES))})
    return Posting(
        id=pid,
        name=f"Post {pid}",
        timezone="Asia/Phnom_Penh",
        hardship=draw(st.integers(0, 5)),
        min_khmer_level=draw(st.sampled_from((0, 0, 0, 1, 2, 3))),
        required_courses=courses,
        min_supervisors=draw(st.sampled_from((0, 0, 0, 1))),
        min_specialists=specialists,
    )


def _demands(draw: st.DrawFn, pid: str, months: int) -> list[Demand]:
    """Non-overlapping rows; the first may start before the horizon, the last end after it."""
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


@st.composite
def instances(
    draw: st.DrawFn,
    officers: tuple[int, int] = (2, 6),
    postings: tuple[int, int] = (1, 3),
    months: tuple[int, int] = (4, 9),
    deployment: tuple[int, int] = (1, 3),
) -> Instance:
    n_months = draw(st.integers(*months))
    length = draw(st.integers(deployment[0], min(deployment[1], n_months)))
    pids = POSTING_IDS[: draw(st.integers(*postings))]
    try:
        people = [
            _officer(draw, f"O{i}", n_months, pids) for i in range(draw(st.integers(*officers)))
        ]
        held = frozenset().union(*(o.specialties for o in people))
        places = [_posting(draw, pid, held) for pid in pids]
        rows = [row for pid in pids for row in _demands(draw, pid, n_months)]
        rule_set = Rules(
            start=START,
            months=n_months,
            deployment_months=length,
            min_rest_months=draw(st.integers(0, 2)),
            max_deployments=draw(st.none() | st.integers(0, 3)),
            fairness_target=draw(st.integers(0, 12)),
            fairness_lookback_months=draw(st.integers(0, 12)),
            weights=Weights(
                unmet_demand=draw(st.sampled_from((1000, 50, 1, 0))),
                fairness=draw(st.integers(0, 3)),
                preference=draw(st.integers(0, 5)),
            ),
        )
        return Instance(
            name="random",
            rules=rule_set,
            officers=tuple(people),
            postings=tuple(places),
            demands=tuple(rows),
            courses=tuple(CourseDef(c, c.upper()) for c in COURSES),
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


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(instances())
def test_every_plan_passes_the_validator_and_costs_what_it_recomputes(inst: Instance) -> None:
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


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(instances(officers=(1, 3), postings=(1, 2), months=(2, 5), deployment=(1, 2)))
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
