"""The Lagrangian lower bound never exceeds what the whole model proves optimal."""

from __future__ import annotations

import importlib.util
import sys
import threading
import time
from dataclasses import replace
from datetime import timedelta
from functools import partial
from itertools import combinations, pairwise, product
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import rotation.solve.beside as beside_module
import rotation.solve.bound as bound_module
import rotation.solve.neighbourhoods as lns_module
import rotation.solve.orchestrator as orchestrator_module
import rotation.solve.relaxation as relaxation_module
from rotation.domain import CourseDef, Instance, Session, requirements
from rotation.io import load_case
from rotation.plan import SolveStatus
from rotation.solve import solve
from rotation.solve.bound import OFFERS, Bound, lower_bound, proven
from rotation.solve.combine import combine, master_prices
from rotation.solve.first_plan import first_plan
from rotation.solve.model import Candidates
from rotation.solve.neighbourhoods import improve
from rotation.solve.relaxation import Columns, Prices, Relaxation, Schedules
from rotation.validate import validate
from tests.builders import (
    away,
    course,
    course_def,
    demand,
    first_day,
    instance,
    officer,
    past,
    posting,
    rules,
    session,
)
from tests.test_properties import instances, solving

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "cambodia-2025"


def _aim(optimum: int) -> int:
    """The steps aim above the optimum: the search stops once the bound reaches its aim, which
    would hide a bound that overshoots."""
    return 2 * optimum + 100


def _at_most_two(inst: Instance) -> Instance:
    """The bound covers cases where an officer fits at most two deployments."""
    cap = inst.rules.max_deployments
    if cap is not None and cap <= 2:
        return inst
    return replace(inst, rules=replace(inst.rules, max_deployments=2))


def _check(inst: Instance, at_most_two: bool = True) -> None:
    inst = _at_most_two(inst) if at_most_two else inst
    result = solve(inst)
    if result.status != SolveStatus.OPTIMAL:
        return  # nothing proven to compare against (infeasible, or stopped by the limit)
    assert result.objective is not None
    priced = partial(master_prices, inst)
    met = partial(master_prices, inst, mix_met=True)
    held = partial(master_prices, inst, seats_held=True)
    for master, mix_met, seats_held in ((None, None, None), (priced, None, None),
                                        (priced, met, held)):
        with pytest.MonkeyPatch.context() as patch:
            if seats_held is not None:  # the rounds with seats held, whatever the seats' prices
                patch.setattr(bound_module, "_seat_at_cap", lambda *_: True)
            found = lower_bound(inst, Candidates(inst), _aim(result.objective),
                                time.perf_counter() + 60, master=master, met=mix_met,
                                seats_held=seats_held)
        assert found.value is not None
        assert found.value <= result.objective, (found, result.objective, result.cost_by_rule)


@solving(120)
@given(instances())
def test_bound_is_at_most_the_optimum(inst: Instance) -> None:
    _check(inst)


@solving(120)
@given(instances(sessions=(1, 4), training=True))
def test_bound_is_at_most_the_optimum_with_training(inst: Instance) -> None:
    _check(inst)


@solving(80)
@given(instances(sessions=(1, 4), training=True))
def test_bound_is_at_most_the_optimum_with_three_or_more_tours(inst: Instance) -> None:
    # Where more than two deployments fit, the steps alone bound the optimum, each officer's
    # problem solved over start months (``Relaxation._many``).
    _check(inst, at_most_two=False)


@solving(120)
@given(instances(), st.sampled_from((1, 3, 20, 1000)))
def test_bound_with_the_mix_met_is_at_most_the_optimum(inst: Instance, weight: int) -> None:
    # The rounds with the mix met split the plans into those short of a supervisor or
    # specialist and those that are not: sound where a shortfall is cheap too, so that the
    # optimum may leave one short.
    weights = replace(inst.rules.weights, skill_mix=weight)
    _check(replace(inst, rules=replace(inst.rules, weights=weights)))


def _benchmark_case(size: str, seed: int) -> Instance:
    """A case of benchmarks/generate.py, loaded from its file (benchmarks/ is not a package)."""
    path = Path(__file__).resolve().parent.parent / "benchmarks" / "generate.py"
    spec = importlib.util.spec_from_file_location("benchmark_generate", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    inst: Instance = module.generate(size, seed)
    return inst


def test_the_rounds_with_the_mix_met_lift_a_bound_the_soft_mix_left_short() -> None:
    # The benchmark's 50-officer case of seed 7: the rounds, the mix priced at most at its
    # weight, value it at 458; a plan that leaves a specialist short costs at least the weight
    # on top of the rest, and the rounds with the mix met prove more. Either way the bound
    # stays at or below a plan the validator prices.
    inst = _benchmark_case("S", 7)
    candidates = Candidates(inst)
    soft = lower_bound(inst, candidates, 10**6, time.perf_counter() + 120,
                       master=partial(master_prices, inst))
    split = lower_bound(inst, candidates, 10**6, time.perf_counter() + 120,
                        master=partial(master_prices, inst),
                        met=partial(master_prices, inst, mix_met=True))
    assert soft.value is not None and split.value is not None
    assert split.value > soft.value
    result = solve(inst, replace(inst.solver, time_limit=30.0))
    assert result.plan is not None
    verdict = validate(inst, result.plan)
    assert verdict.ok and split.value <= verdict.objective, (split.value, verdict.objective)


def test_the_rounds_hold_scarce_seats_hard_and_the_pool_after_them_makes_a_plan_near_it() -> None:
    # The benchmark's certificate bottleneck (50 officers, seed 1): two seats a Khmer session,
    # so a seat is worth up to two whole tours. With a seat over priced at an officer-month
    # unmet, the rounds capped each seat's price at 1,000 and levelled off at 21,145 (as they
    # still do without ``seats_held``), and the choice bought seats the staffing could not give
    # (plans at 75,536). The bound stays at or below the plan the validator prices, and the
    # pool after the rounds combines to within a quarter of it (the optimum lies between).
    inst = _benchmark_case("bottleneck/S", 1)
    _bound_above_and_combined_near(inst, 50_000)


def _bound_above_and_combined_near(inst: Instance, floor: int) -> None:
    """The bound with its rounds (seats held where one priced a seat at its cap) is above
    ``floor``, and the pool after the rounds combines to a plan the validator prices at least
    at the bound and at most a quarter above it."""
    candidates = Candidates(inst)
    pools: list[Columns] = []
    found = lower_bound(inst, candidates, 10**7, time.perf_counter() + 120,
                        schedules=lambda _, columns: pools.append(columns),
                        master=partial(master_prices, inst),
                        seats_held=partial(master_prices, inst, seats_held=True))
    assert found.value is not None and found.rounds > 0 and pools
    assert found.value > floor
    plan = combine(inst, candidates, pools[-1].copy(), [first_plan(inst, candidates)],
                   time.perf_counter() + 120)
    assert plan is not None
    verdict = validate(inst, plan)
    assert verdict.ok and found.value <= verdict.objective <= 1.25 * found.value, (
        found.value, verdict.objective)


def test_where_three_or_more_tours_fit_the_rounds_price_scarce_seats_too() -> None:
    # The certificate bottleneck with a three-month rest (50 officers, seed 2), where an officer
    # fits three tours. The rounds' prices carry each seat's price, but the officers' programme
    # over start months priced training by its weeks alone, so a seat cost nothing: the bound
    # stayed at 826 against plans of 27,695. With the seat's price on top of its session's
    # weeks, the bound stays at or below the plan the validator prices, and the pool after the
    # rounds combines to within a quarter of it.
    inst = _benchmark_case("bottleneck3/S", 2)
    assert Relaxation(inst, Candidates(inst), time.perf_counter() + 60).most > 2
    _bound_above_and_combined_near(inst, 20_000)


def _relaxed_earnings(relax: Relaxation, lam: Any, mu: Any) -> Any:
    """What each officer earns for each start, month by month: [officer, posting, start]."""
    n_o, n_p, n_s, n_m = relax.shape
    earn = np.zeros((n_o, n_p, n_s))
    for o, p, s in product(range(n_o), range(n_p), range(n_s)):
        for t in range(s, min(s + relax.length, n_m)):
            earn[o, p, s] += lam[p, t] + sum(
                mu[j, t] for j, p_j in enumerate(relax.mix_posting)
                if p_j == p and relax.mix_members[j][o])
    return earn


def _relaxed_price(relax: Relaxation, earn: Any, o: int,
                   schedule: tuple[tuple[int, int], ...]) -> float:
    """One schedule's relaxed cost, as docs/rules.md prices it: preferences less earnings,
    the dearest training class of its deployments, and the fairness excess."""
    rules = relax.inst.rules
    load = float(relax.past[o]) + sum(
        min(rules.deployment_months, rules.months - s) * relax.inst.postings[p].hardship
        for p, s in schedule)
    training = max((relax.cost_values[relax.cost_class[o, p, s]] for p, s in schedule),
                   default=0.0)
    return (sum(relax.miss[o, p] - earn[o, p, s] for p, s in schedule) + training
            + rules.weights.fairness * max(0.0, load - rules.fairness_target))


def _cheapest_schedules(relax: Relaxation, earn: Any) -> list[float]:
    """Each officer's least relaxed cost, by trying every schedule the relaxation allows them
    one by one: nothing, one start, or two starts spaced by a deployment and the rest."""
    n_o, n_p, n_s, _ = relax.shape
    out = []
    for o in range(n_o):
        # In start order, so each combination lists its deployments as they come.
        starts = [(p, s) for s in range(n_s) for p in range(n_p) if relax.eligible[o, p, s]]
        out.append(min(
            _relaxed_price(relax, earn, o, schedule)
            for k in range(relax.most + 1) for schedule in combinations(starts, k)
            if all(b[1] >= a[1] + relax.spacing for a, b in pairwise(schedule))))
    return out


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(instances(postings=(1, 4), sessions=(1, 4), training=True), st.integers(0, 2**32 - 1),
       st.sampled_from((1, 20, 1000)))
def test_each_officer_takes_the_cheapest_of_all_their_relaxed_schedules(
        inst: Instance, seed: int, scale: int) -> None:
    # The relaxation finds each officer's cheapest schedule by array passes (cheapest start per
    # hardship and training class, pairs priced by their dearer class); here every schedule is
    # priced on its own. Whole multipliers make ties likely, so both kinds are drawn.
    _cheapest_relaxed(_at_most_two(inst), seed, scale)


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(instances(postings=(1, 3), sessions=(1, 4), training=True),
       st.integers(0, 2**32 - 1), st.sampled_from((1, 20, 1000)))
def test_each_officer_takes_the_cheapest_of_any_number_of_relaxed_deployments(
        inst: Instance, seed: int, scale: int) -> None:
    # Three, four or more deployments: the programme over start months against every schedule.
    _cheapest_relaxed(inst, seed, scale)


def _cheapest_relaxed(inst: Instance, seed: int, scale: int) -> None:
    relax = Relaxation(inst, Candidates(inst), time.perf_counter() + 60)
    rng = np.random.default_rng(seed)
    lam = np.minimum(rng.uniform(0, scale, relax.need.shape), relax.cap_unmet)
    mu = rng.uniform(0, scale, relax.mix_need.shape)
    if seed % 2:
        lam, mu = np.round(lam), np.round(mu)
    value, g_lam, g_mu = relax.evaluate(lam, mu)
    earn = _relaxed_earnings(relax, lam, mu)
    cheapest = _cheapest_schedules(relax, earn)
    constant = float(np.sum(lam * relax.need) + np.sum(mu * relax.mix_need))
    assert value == pytest.approx(sum(cheapest) + constant, abs=1e-6)
    # ...and the schedules it reports are ones of that price, whose months make the
    # subgradients: each minimum less the officers (and the mix row's members) present.
    chosen: dict[int, list[tuple[int, int]]] = {o: [] for o in range(relax.shape[0])}
    present = np.zeros(relax.need.shape)
    mix_present = np.zeros(relax.mix_need.shape)
    length = inst.rules.deployment_months
    for rows, where, when in relax.picks:
        for o, p, s in zip(rows.tolist(), where.tolist(), when.tolist(), strict=True):
            assert relax.eligible[o, p, s]
            chosen[o].append((p, s))
            present[p, s:s + length] += 1
            for j, p_j in enumerate(relax.mix_posting):
                if p_j == p and relax.mix_members[j][o]:
                    mix_present[j, s:s + length] += 1
    assert np.array_equal(g_lam, relax.need - present)
    assert np.array_equal(g_mu, np.where(relax.mix_open, relax.mix_need - mix_present, 0.0))
    for o, schedule in chosen.items():
        ordered = tuple(sorted(schedule, key=lambda start: start[1]))
        assert all(b[1] >= a[1] + relax.spacing for a, b in pairwise(ordered))
        assert _relaxed_price(relax, earn, o, ordered) == pytest.approx(cheapest[o], abs=1e-6)


@solving(80)
@given(instances(sessions=(1, 4), training=True), st.integers(0, 2**32 - 1))
def test_pricing_every_pair_exactly_stays_below_the_optimum_at_any_prices(
        inst: Instance, seed: int) -> None:
    # Any multipliers, and any prices of at least 0 on maxima and seats, give a lower bound, by
    # either pricing; and pricing each pair by what its training can cost is never below the
    # steps' pricing of it (the dearer deployment's). Multipliers up to 200 make deploying worth
    # its training.
    inst = _at_most_two(inst)
    result = solve(inst)
    if result.status != SolveStatus.OPTIMAL:
        return
    assert result.objective is not None
    relax = Relaxation(inst, Candidates(inst), time.perf_counter() + 60)
    rng = np.random.default_rng(seed)
    lam = np.minimum(rng.uniform(0, 200, relax.need.shape), relax.cap_unmet)
    mu = rng.uniform(0, 200, relax.mix_need.shape)
    plain, _, _ = relax.evaluate(lam, mu)
    no_room = np.zeros(relax.room.shape)
    assert relax.evaluate_exactly(Prices(lam, mu, no_room, {})) >= plain - 1e-6
    # Seats are hard, so their prices have no cap: some as dear as whole tours.
    top = 30 if rng.random() < 0.5 else 20_000
    seats = {q.id: float(rng.uniform(0, top)) for q in inst.sessions if rng.random() < 0.6}
    room = rng.uniform(0, 200, relax.room.shape) * (rng.random(relax.room.shape) < 0.5)
    assert relax.evaluate_exactly(Prices(lam, mu, room, seats)) <= result.objective + 1e-6
    with pytest.MonkeyPatch.context() as patch:  # too many pairs: priced as a step prices
        patch.setattr(relaxation_module, "EXACT_PAIRS", -1)
        assert relax.evaluate_priced(Prices(lam, mu, room, seats)) <= result.objective + 1e-6
    for rows, where, when in relax.picks:  # the schedules it reports are open to them
        assert all(relax.eligible[o, p, t] for o, p, t in zip(rows, where, when, strict=True))


@solving(80)
@given(instances(sessions=(1, 4), training=True, months=(6, 10), deployment=(1, 2)),
       st.integers(0, 2**32 - 1), st.sampled_from((None, 3, 4)))
def test_where_three_or_more_tours_fit_any_prices_with_seats_stay_below_the_optimum(
        inst: Instance, seed: int, cap: int | None) -> None:
    # As above where more than two deployments fit, priced as a step prices with each seat's
    # price on top of its session's weeks: at any multipliers, maxima and seats (some seats as
    # dear as whole tours) the value stays at or below the optimum. With no cap, or one that
    # binds before the horizon does.
    inst = replace(inst, rules=replace(inst.rules, max_deployments=cap))
    relax = Relaxation(inst, Candidates(inst), time.perf_counter() + 60)
    assume(relax.most > 2)
    result = solve(inst)
    if result.status != SolveStatus.OPTIMAL:
        return
    assert result.objective is not None
    rng = np.random.default_rng(seed)
    lam = np.minimum(rng.uniform(0, 200, relax.need.shape), relax.cap_unmet)
    mu = rng.uniform(0, 200, relax.mix_need.shape)
    top = 30 if rng.random() < 0.5 else 20_000
    seats = {q.id: float(rng.uniform(0, top)) for q in inst.sessions if rng.random() < 0.6}
    room = rng.uniform(0, 200, relax.room.shape) * (rng.random(relax.room.shape) < 0.5)
    assert relax.evaluate_priced(Prices(lam, mu, room, seats)) <= result.objective + 1e-6
    for rows, where, when in relax.picks:  # the schedules it reports are open to them
        assert all(relax.eligible[o, p, t] for o, p, t in zip(rows, where, when, strict=True))


def test_a_maximum_priced_gives_back_its_room_by_either_pricing() -> None:
    # A's one deployment covers month 0, which needs one officer, and month 1, which needs none
    # but has room for one: the best plan costs 0. At 1,000 on month 0's minimum and 100 on
    # month 1's maximum, A earns 900 by going, and the value must give back month 1's room at
    # its price; priced as a step prices (too many pairs), the maximum's price is a rebate on
    # the minimum's and the same room must be given back.
    inst = instance([officer("A")], [posting("P")],
                    [demand("P", 0, 0, 1, 1), demand("P", 1, 1, 0, 1)],
                    rules(2, deployment=2, fairness=0, preference=0))
    relax = Relaxation(inst, Candidates(inst), time.perf_counter() + 60)
    prices = Prices(np.array([[1000.0, 0.0]]), np.zeros(relax.mix_need.shape),
                    np.array([[0.0, 100.0]]), {})
    assert relax.evaluate_exactly(prices) == pytest.approx(0.0)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(relaxation_module, "EXACT_PAIRS", -1)
        assert relax.evaluate_priced(prices) == pytest.approx(0.0)


def test_the_rounds_price_the_seat_of_the_one_session_that_serves_two_deployments() -> None:
    # As in the choice's own case (tests/test_combine.py): s1 alone can prepare a pair (2, 6)
    # and has one seat, so A and B cannot both take pairs on one session each (4); the best
    # plan costs 5. The steps, pricing a pair at its dearer deployment without seats, cannot
    # prove more than 4; the rounds price s1's seat and every pair's training as it can be met,
    # and the maxima too, on which the relaxation puts prices where they equal the minima.
    inst = _at_most_two(_one_joint_seat())
    result = solve(inst)
    assert result.status == SolveStatus.OPTIMAL and result.objective == 5
    candidates = Candidates(inst)
    steps = lower_bound(inst, candidates, _aim(5), time.perf_counter() + 60)
    rounds = lower_bound(inst, candidates, _aim(5), time.perf_counter() + 60,
                         master=partial(master_prices, inst))
    assert steps.value is not None and steps.value <= 4
    assert rounds.value == 5
    # Too many pairs to price one by one: the rounds price as the steps do, seats left out.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(relaxation_module, "EXACT_PAIRS", 0)
        plain = lower_bound(inst, candidates, _aim(5), time.perf_counter() + 60,
                            master=partial(master_prices, inst))
    assert plain.value is not None and plain.value <= 4 and plain.rounds >= 1


def test_a_pair_lacking_two_requirements_one_course_grants_is_priced_at_one_session() -> None:
    # P asks for the course b, Q for Khmer at level 1, which b grants too: one session of b
    # in month 1 prepares A for both (2). Pricing every pair exactly must still see that one
    # session serves both, though they lack different requirements of the one course group.
    inst = instance(
        [officer("A")],
        [posting("P", courses=["b"]), posting("Q", khmer=1)],
        [demand("P", 2, 3, 1, 1), demand("Q", 6, 7, 1, 1)],
        rules(8, deployment=2, rest=1, fairness=0, preference=0, lead=0),
        courses=[course_def("b", language="khmer", level=1)],
        sessions=[session("s1", "b", first_day(1), first_day(1) + timedelta(days=4))],
    )
    result = solve(inst)
    assert result.status == SolveStatus.OPTIMAL and result.objective == 2
    relax = Relaxation(inst, Candidates(inst), time.perf_counter() + 60)
    lam = np.full(relax.need.shape, relax.cap_unmet)
    mu = np.zeros(relax.mix_need.shape)
    assert relax.evaluate_exactly(Prices(lam, mu, np.zeros(relax.room.shape), {})) == (
        pytest.approx(2.0))


def _one_joint_seat() -> Instance:
    """P needs exactly two officers in months 2-3 and 6-7, and the course b. A and B lack b; b
    granted in month 0 lapses before month 7 ends, in month 1 it lasts, so only s1 (one seat)
    serves both of a pair (2, 6); s0 and s5 have a seat each. C holds b but is away until month
    4 and would rather be elsewhere (1)."""
    return instance(
        [officer("A"), officer("B"),
         officer("C", courses=[course("b", first_day(0))], preferences=["Q"],
                 unavailability=[away(first_day(0), first_day(4) - timedelta(days=1))])],
        [posting("P", courses=["b"]), posting("Q")],
        [demand("P", 2, 3, 2, 2), demand("P", 6, 7, 2, 2)],
        rules(12, deployment=2, rest=1, fairness=0, preference=1, lead=0),
        courses=[course_def("b", validity=7)],
        sessions=[session(f"s{t}", "b", first_day(t), first_day(t) + timedelta(days=4))
                  for t in (0, 1, 5)],
    )


def _bound_and_optimum(inst: Instance) -> tuple[int | None, int | None]:
    result = solve(inst)
    assert result.status == SolveStatus.OPTIMAL
    assert result.objective is not None
    found = lower_bound(inst, Candidates(inst), _aim(result.objective), time.perf_counter() + 60)
    return found.value, result.objective


# Small cases where the relaxation is exact, so a bound that drops a rule it must keep falls
# short of the optimum and one that adds a cost it must not overshoots it.


@solving(60)
@given(instances(sessions=(1, 4), training=True))
def test_the_least_training_is_the_shortest_session_the_officer_could_attend(inst: Instance
                                                                            ) -> None:
    # The bound's training price asks only for the shortest session; checked against every
    # qualifying session with a seat that is over before the first day.
    for where in inst.postings:
        for need in requirements(where):
            for start in inst.rules.start_months:
                first, last = inst.rules.deployment_span(start)
                for o in inst.officers:
                    weeks = [q.weeks for q in inst.qualifying_sessions(o, need, first, last)
                             if q.seats > 0 and q.end < first]
                    assert inst.least_weeks(o, need, first, last) == min(weeks, default=None)
                # ...and asked for the whole pool at once, the same (those with none left out).
                everyone = [o.id for o in inst.officers]
                assert inst.least_weeks_among(everyone, need, first, last) == {
                    o.id: weeks for o in inst.officers
                    if (weeks := inst.least_weeks(o, need, first, last)) is not None}


def test_the_pools_linear_relaxation_lifts_steps_cut_short() -> None:
    # Cut short at 100 steps, the steps prove little; the rounds priced by the pool's linear
    # relaxation still reach what the steps reach when they run their course, and the pool
    # grows.
    inst = load_case(EXAMPLE)
    candidates = Candidates(inst)
    full = lower_bound(inst, candidates, 600, time.perf_counter() + 60)
    short = lower_bound(inst, candidates, 600, time.perf_counter() + 60, iterations=100)
    sizes: list[int] = []

    def master(columns: Columns, deadline: float) -> Any:
        sizes.append(len(columns))
        return master_prices(inst, columns, deadline)

    lifted = lower_bound(inst, candidates, 600, time.perf_counter() + 60, iterations=100,
                         master=master)
    assert full.value is not None and short.value is not None and lifted.value is not None
    assert short.value < full.value <= lifted.value
    # The first round prices at the steps' own best multipliers (the example prices exactly).
    assert lifted.iterations == short.iterations and lifted.rounds == len(sizes) + 1
    assert sizes[-1] > sizes[0]  # each round's schedules joined the pool
    # A round gave the best value, so its prices come back for the proof, and value them.
    assert lifted.prices is not None and lifted.relaxation is not None
    assert proven(lifted.relaxation.margins(lifted.prices).value) == lifted.value


def test_the_rounds_end_after_three_that_do_not_raise_the_value() -> None:
    # Prices that move the relaxed schedules (the pool grows every round) but are worth less
    # than the steps' best: the rounds stop after MASTER_STALL (the first at the steps' own
    # multipliers, then the pool's), not at MASTER_ROUNDS, and keep only the first's prices,
    # the only ones that prove as much as the best value.
    inst = load_case(EXAMPLE)
    rng = np.random.default_rng(0)
    sizes: list[int] = []

    def master(columns: Columns, deadline: float) -> Prices:
        sizes.append(len(columns))
        rows = columns.rows
        return Prices(rng.uniform(0, 30, rows.need.shape), np.zeros(rows.mix_need.shape),
                      np.zeros(rows.room.shape), {})

    found = lower_bound(inst, Candidates(inst), 600, time.perf_counter() + 60, iterations=200,
                        master=master)
    assert found.rounds == bound_module.MASTER_STALL < bound_module.MASTER_ROUNDS
    assert len(sizes) == found.rounds - 1
    assert sizes == sorted(set(sizes))  # each round added schedules, so only the stall ended them
    assert found.prices is not None and found.relaxation is not None
    assert not found.prices.seats and not found.prices.room.any()  # the steps' own
    assert proven(found.relaxation.evaluate_priced(found.prices)) == found.value


def test_margins_leave_the_steps_choices_alone() -> None:
    # The proof may price margins on its own thread while the steps run: the choices an
    # evaluation leaves in ``picks`` (the steps' pool and best schedules) must stay its own.
    inst = load_case(EXAMPLE)
    relax = Relaxation(inst, Candidates(inst), time.perf_counter() + 60)
    relax.evaluate(np.full(relax.need.shape, 50.0), np.zeros(relax.mix_need.shape))
    picks = relax.picks
    relax.margins(Prices(np.zeros(relax.need.shape), np.zeros(relax.mix_need.shape),
                         np.zeros(relax.room.shape), {}), within=1.0)
    assert relax.picks is picks


@pytest.mark.parametrize(("pooled_above", "kept"), [(0.7, "own"), (1.3, "pooled")])
def test_the_proofs_prices_are_the_first_round_that_proves_the_most(
        monkeypatch: pytest.MonkeyPatch, pooled_above: float, kept: str) -> None:
    # The round at the steps' own prices values 10,000.2; the pool's round after it a little
    # more. Both prove 10,001: the steps' own prices are kept for the proof (the pool's lie at
    # a vertex and leave many starts at a margin of 0). Proving 10,002, the pool's are.
    inst = load_case(EXAMPLE)
    values = iter([10_000.2, 10_000.2 + pooled_above])
    monkeypatch.setattr(Relaxation, "evaluate_priced", lambda self, prices: next(values))
    pool = Prices(np.zeros(1), np.zeros(1), np.zeros(1), {})
    found = lower_bound(inst, Candidates(inst), 10**6, time.perf_counter() + 60, iterations=5,
                        master=lambda columns, deadline: pool)
    assert found.rounds == 2  # the pool's round adds no schedule: the rounds end there
    assert found.value == proven(10_000.2 + pooled_above)
    assert found.prices is not None
    assert (found.prices is pool) == (kept == "pooled")


@pytest.mark.parametrize("settle_at", [None, 60])
def test_a_probe_hears_the_centre_after_every_step_and_may_end_the_steps(
        settle_at: int | None) -> None:
    # ``probe`` hears each step's count with the centre's multipliers as prices and the
    # centre's value, which those prices give exactly; when it settles the case the steps
    # end there, and neither the rounds nor another offer follow.
    inst = load_case(EXAMPLE)
    heard: list[tuple[int, float, float]] = []
    pooled: list[int] = []
    offered: list[int] = []
    counted: list[int] = []

    def probe(relax: Relaxation, prices: Prices, value: float, steps: int) -> bool:
        assert not prices.seats and not prices.room.any()
        heard.append((steps, value, relax.evaluate_exactly(prices)))
        return steps == settle_at

    def master(columns: Columns, deadline: float) -> Prices | None:
        pooled.append(len(columns))
        return master_prices(inst, columns, deadline)

    found = lower_bound(inst, Candidates(inst), 600, time.perf_counter() + 60, iterations=150,
                        master=master, probe=probe, stepped=counted.append,
                        schedules=lambda relaxed, columns: offered.append(counted[-1]))
    assert [steps for steps, _, _ in heard] == counted
    assert all(value == pytest.approx(exact, abs=1e-6) for _, value, exact in heard)
    values = [value for _, value, _ in heard]
    assert values == sorted(values)  # the centre moves only to a better point
    if settle_at is not None:
        assert found.iterations == settle_at and not found.rounds and not pooled
        assert found.value == proven(max(values))
        assert offered == [50]  # none at settling: the case was settled otherwise
    else:  # the rounds follow, and may prove more
        assert found.iterations == 150 and found.rounds >= 1 and offered[0] == 50
        assert found.value is not None and found.value >= proven(max(values))


@pytest.mark.parametrize("settled", [True, False])
def test_a_case_settled_at_the_steps_own_prices_ends_the_rounds(settled: bool) -> None:
    # ``settle`` hears the first round, at the steps' own multipliers, with its exact value;
    # when it settles the case no round from the pool follows, otherwise they go on.
    inst = load_case(EXAMPLE)
    heard: list[tuple[Relaxation, Prices, float]] = []
    pooled: list[int] = []

    def settle(relax: Relaxation, prices: Prices, value: float) -> bool:
        heard.append((relax, prices, value))
        return settled

    def master(columns: Columns, deadline: float) -> Prices | None:
        pooled.append(len(columns))
        return master_prices(inst, columns, deadline)

    found = lower_bound(inst, Candidates(inst), 600, time.perf_counter() + 60, iterations=200,
                        master=master, settle=settle)
    assert len(heard) == 1
    relax, prices, value = heard[0]
    assert not prices.seats and not prices.room.any()  # the steps' own
    assert relax.evaluate_exactly(prices) == value
    if settled:  # proving as much as the steps did, which is all the bound has then
        assert proven(value) >= found.value and (found.rounds, len(pooled)) == (1, 0)
    else:
        assert found.rounds > 1 and len(pooled) == found.rounds - 1


def test_bound_is_exact_when_rest_allows_one_of_two_periods() -> None:
    # Two three-month periods back to back, one officer, three months' rest: one period goes
    # unmet, 3 x 1000.
    inst = instance(
        [officer("A")],
        [posting("P")],
        [demand("P", 0, 2, 1, 1), demand("P", 3, 5, 1, 1)],
        rules(6, deployment=3, rest=3, fairness=0, preference=0),
    )
    assert _bound_and_optimum(inst) == (3000, 3000)


def test_bound_counts_officers_continuing_from_history() -> None:
    # H is still at P for the first two months; A, who asked for Q, only costs a preference if
    # sent. The optimum sends nobody.
    inst = instance(
        [officer("H", history=[past("P", -4, 1)]), officer("A", preferences=["Q"])],
        [posting("P"), posting("Q")],
        [demand("P", 0, 1, 1, 1)],
        rules(2, deployment=2, rest=0),
    )
    assert _bound_and_optimum(inst) == (0, 0)


def test_bound_lets_one_session_prepare_two_deployments() -> None:
    # A lacks course C for both of P's periods; one one-week session in month 0 serves both.
    s = session("s1", "c", first_day(0), first_day(0) + timedelta(days=4))
    inst = instance(
        [officer("A")],
        [posting("P", courses=["c"])],
        [demand("P", 0, 0, 0, 0), demand("P", 1, 2, 1, 1), demand("P", 3, 4, 0, 0),
         demand("P", 5, 6, 1, 1)],
        rules(7, deployment=2, rest=2, fairness=0, preference=0, lead=0),
        courses=[course_def("c")],
        sessions=[s],
    )
    assert _bound_and_optimum(inst) == (2, 2)


def _one_period_too_many() -> Instance:
    # Two back-to-back periods, A the only officer who can go (B is away all along), three
    # months' rest: one period is unmet whatever happens, 3 x 1000.
    return instance(
        [officer("A"), officer("B", unavailability=[away(first_day(0), first_day(6))])],
        [posting("P")],
        [demand("P", 0, 2, 1, 1), demand("P", 3, 5, 1, 1)],
        rules(6, deployment=3, rest=3, fairness=0, preference=0),
    )


def test_neighbourhood_search_stops_when_the_plan_meets_the_bound() -> None:
    inst = _one_period_too_many()
    candidates = Candidates(inst)
    start = first_plan(inst, candidates)
    assert validate(inst, start).objective == 3000
    outcome = improve(inst, start, inst.solver, candidates, time.perf_counter() + 60,
                      floor=lambda: 3000)
    assert (outcome.stopped, outcome.steps, outcome.plan) == ("bound reached", 0, start)


def test_neighbourhood_path_reports_the_bound_and_proves_optimality(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(orchestrator_module, "NEIGHBOURHOODS_ABOVE", 0)
    result = orchestrator_module.solve(_one_period_too_many())
    assert "neighbourhoods" in result.stats
    assert (result.status, result.objective, result.bound) == (SolveStatus.OPTIMAL, 3000, 3000)
    # Whichever proves it first: the bound beside the search, or a step that re-plans everyone.
    assert result.stopped in ("bound reached", "search complete")


def test_bound_leaves_out_starts_that_run_into_a_closed_month() -> None:
    # P is open for three months of a six-month horizon; a six-month deployment cannot fit.
    inst = instance(
        [officer("A")],
        [posting("P")],
        [demand("P", 0, 2, 1, 1)],
        rules(6, deployment=6, rest=0, fairness=0, preference=0),
    )
    assert _bound_and_optimum(inst) == (3000, 3000)


def _khmer_case(*runs: Session) -> Instance:
    return instance(
        [officer("A")],
        [posting("P", khmer=2)],
        [demand("P", 1, 2, 1, 1)],
        rules(3, deployment=2, rest=0, fairness=0, preference=0, lead=0),
        courses=[course_def("k", language="khmer", level=2)],
        sessions=runs,
    )


def test_bound_counts_no_session_without_a_seat() -> None:
    day = first_day(1)
    inst = _khmer_case(session("z", "k", day - timedelta(days=6), day - timedelta(days=1), 0))
    assert _bound_and_optimum(inst) == (2000, 2000)


def test_bound_counts_no_session_ending_on_the_first_day() -> None:
    # With no lead time a session may end the day before; one ending on the first day would
    # overlap the deployment, so the three-week session is the one to pay for.
    day = first_day(1)
    inst = _khmer_case(
        session("on", "k", day - timedelta(days=6), day),
        session("ok", "k", day - timedelta(days=21), day - timedelta(days=1)),
    )
    assert _bound_and_optimum(inst) == (6, 6)


def _course_and_khmer_case(courses: list[CourseDef], *runs: Session) -> Instance:
    """One officer with no records; P asks for course c and Khmer level 2."""
    return instance(
        [officer("A")],
        [posting("P", khmer=2, courses=["c"])],
        [demand("P", 1, 2, 1, 1)],
        rules(3, deployment=2, rest=0, fairness=0, preference=0, lead=0),
        courses=courses,
        sessions=runs,
    )


def test_bound_pays_each_course_a_deployment_needs() -> None:
    # The week of c and the three weeks of Khmer are both needed: 2 + 6 (paying only the
    # dearer gave 6).
    day = first_day(1)
    inst = _course_and_khmer_case(
        [course_def("c"), course_def("k", language="khmer", level=2)],
        session("c1", "c", day - timedelta(days=30), day - timedelta(days=26)),
        session("k1", "k", day - timedelta(days=21), day - timedelta(days=1)),
    )
    assert _bound_and_optimum(inst) == (8, 8)


def test_bound_pays_once_for_a_course_that_grants_two_requirements_of_one_deployment() -> None:
    # Here c grants Khmer level 2 too: one week of c meets both, so the two requirements are
    # one group (as separate groups they would cost 4).
    day = first_day(1)
    inst = _course_and_khmer_case(
        [course_def("c", language="khmer", level=2)],
        session("c1", "c", day - timedelta(days=10), day - timedelta(days=6)),
    )
    assert _bound_and_optimum(inst) == (2, 2)


def test_bound_charges_one_session_that_serves_two_deployments_once() -> None:
    # P asks for Khmer level 1, Q for level 2; one session of the level-2 course serves both
    # deployments, so a pair pays it once.
    inst = instance(
        [officer("A")],
        [posting("P", khmer=1), posting("Q", khmer=2)],
        [demand("P", 1, 2, 1, 1), demand("Q", 4, 5, 1, 1)],
        rules(6, deployment=2, rest=1, fairness=0, preference=0, lead=0),
        courses=[course_def("k", language="khmer", level=2)],
        sessions=[session("k1", "k", first_day(0), first_day(0) + timedelta(days=4))],
    )
    assert _bound_and_optimum(inst) == (2, 2)


def _two_tours(courses: list[CourseDef], needs: tuple[str, str], *runs: Session,
               training: int = 2) -> Relaxation:
    """Officer A, who holds no course, and postings P and Q needing ``needs``; deployments of
    two months from month 2 and from month 6, the rest between free for a session."""
    inst = instance(
        [officer("A")],
        [posting("P", courses=[needs[0]]), posting("Q", courses=[needs[1]])],
        [demand("P", 0, 11, 0, 1), demand("Q", 0, 11, 0, 1)],
        rules(12, deployment=2, rest=1, fairness=0, preference=0, lead=0, training=training),
        courses=courses,
        sessions=runs,
    )
    return Relaxation(inst, Candidates(inst), time.perf_counter() + 60)


WEEK_BEFORE_2 = (first_day(1), first_day(1) + timedelta(days=4))  # one week, in month 1
WEEK_BEFORE_6 = (first_day(5), first_day(5) + timedelta(days=4))  # one week, in month 5


@pytest.mark.parametrize(("validity", "needs", "expected"), [
    (None, ("b", "b"), 2),  # the session before the first still counts for the second
    (3, ("b", "b"), 4),  # it lapses in month 4: the second needs a session of its own
    (None, ("b", "v"), 4),  # two courses, two sessions
])
def test_the_combination_prices_a_pairs_training_once_where_one_session_serves_both(
        validity: int | None, needs: tuple[str, str], expected: int) -> None:
    relax = _two_tours(
        [course_def("b", validity=validity), course_def("v")], needs,
        session("b1", "b", *WEEK_BEFORE_2), session("b2", "b", *WEEK_BEFORE_6),
        session("v2", "v", *WEEK_BEFORE_6))
    q = 0 if needs == ("b", "b") else 1
    assert relax.training(0, ((0, 2),)) == relax.training(0, ((q, 6),)) == 2  # a week at 2
    assert relax.training(0, ((0, 2), (q, 6))) == expected
    # The pool prices the pair so (fairness and preferences weigh nothing here).
    assert Columns(relax).price(0, ((0, 2), (q, 6))) == expected


def test_a_seat_reaches_its_cap_at_the_base_unmet_weight_whatever_the_postings_priority(
) -> None:
    # The first rounds price a seat over at one officer-month unmet at the base weight; the
    # rounds with seats held follow once a seat is priced there, even where every posting
    # weighs its shortfall double.
    inst = instance([officer("A")], [replace(posting("P", courses=["b"]), priority=2)],
                    [demand("P", 0, 5, 1, 1)], rules(6), courses=[course_def("b")],
                    sessions=[session("b1", "b", first_day(0), first_day(0))])
    relax = Relaxation(inst, Candidates(inst), time.perf_counter() + 60)
    assert relax.cap_seat == inst.rules.weights.unmet_demand < float(relax.cap_unmet.min())
    zero = np.zeros(relax.need.shape)
    at_cap = Prices(zero, np.zeros(relax.mix_need.shape), zero, {"b1": relax.cap_seat})
    assert bound_module._seat_at_cap(relax, at_cap)
    assert not bound_module._seat_at_cap(relax, replace(at_cap, seats={"b1": 999.0}))


def test_a_pair_one_session_serves_takes_one_seat_when_training_weighs_nothing() -> None:
    # With training at 0 a week, one session for both and a session each cost the pair the
    # same; the choice, which holds seats, must count the one seat that serves.
    relax = _two_tours([course_def("b")], ("b", "b"), session("b1", "b", *WEEK_BEFORE_2),
                       session("b2", "b", *WEEK_BEFORE_6), training=0)
    pair = ((0, 2), (0, 6))
    assert relax.options(0, pair) == (0,)
    assert len(relax.seats_taken(0, pair, 0)) == 1


def test_at_a_tie_a_pair_takes_one_seat_only_where_one_session_meets_its_whole_group() -> None:
    # Course a grants the course a and Khmer at level 1, course k Khmer at level 2, and Z asks
    # for Khmer 1: one course group (a, Khmer 1, Khmer 2), though no course grants both a and
    # Khmer 2. P asks for a, Q for Khmer 2. With training weighed at 0, one session for both
    # and a session each cost the same; but no session meets a and Khmer 2 both, so the pair
    # takes a seat of each. As one seat, which no session can fill, the choice would have had
    # to leave the pair out.
    inst = instance(
        [officer("A")],
        [posting("P", courses=["a"]), posting("Q", khmer=2), posting("Z", khmer=1)],
        [demand("P", 2, 3, 1, 1), demand("Q", 6, 7, 1, 1)],
        rules(8, deployment=2, rest=1, fairness=0, preference=0, lead=0, training=0),
        courses=[course_def("a", language="khmer", level=1),
                 course_def("k", language="khmer", level=2)],
        sessions=[session(q, q[1], first_day(1), first_day(1) + timedelta(days=4))
                  for q in ("sa", "sk")],
    )
    rows = Relaxation(inst, Candidates(inst), time.perf_counter() + 60)
    assert len(set(rows.groups.values())) == 1
    schedule = ((0, 2), (1, 6))
    assert rows.options(0, schedule) == (0,)
    seats = rows.seats_taken(0, schedule, 0)
    assert [[q.id for q in rows.sessions_of(seat)] for seat in seats] in (
        [["sa"], ["sk"]], [["sk"], ["sa"]])


def test_a_pair_whose_second_has_no_session_is_not_priced() -> None:
    # b lapses before the second deployment and no session runs between the two.
    relax = _two_tours([course_def("b", validity=3)], ("b", "b"),
                       session("b1", "b", *WEEK_BEFORE_2))
    assert relax.training(0, ((0, 2),)) == 2
    assert relax.training(0, ((0, 2), (0, 6))) is None
    assert Columns(relax).price(0, ((0, 2), (0, 6))) is None


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(instances(postings=(1, 4), sessions=(1, 4), training=True))
def test_a_pairs_training_costs_between_its_dearer_and_both_its_deployments(
        inst: Instance) -> None:
    # A single deployment is priced as the bound prices it; a pair never below what the bound
    # charges it (the dearer of the two) nor above both paid in full.
    inst = _at_most_two(inst)
    relax = Relaxation(inst, Candidates(inst), time.perf_counter() + 60)
    n_o, n_p, n_s, _ = relax.shape
    for o in range(n_o):
        starts = [(p, s) for s in range(n_s) for p in range(n_p) if relax.eligible[o, p, s]]
        alone = {start: relax.cost_values[relax.cost_class[o, start[0], start[1]]]
                 for start in starts}
        for start in starts:
            assert relax.training(o, (start,)) == alone[start]
        for a, b in combinations(starts, 2):
            if b[1] < a[1] + relax.spacing:
                continue
            both = relax.training(o, (a, b))
            if both is not None:
                assert max(alone[a], alone[b]) <= both <= alone[a] + alone[b]


def test_relaxed_schedules_are_offered_at_the_step_counts_and_once_settled() -> None:
    inst = load_case(EXAMPLE)
    candidates = Candidates(inst)
    runs: list[list[Schedules]] = [[], []]
    upper = validate(inst, first_plan(inst, candidates)).objective
    for offered in runs:
        # 150 steps settle nothing on this case (the step shrinks only after 20 without a
        # rise) and stay below the plan's cost: offers after the 50th and 100th (in OFFERS)
        # and after the last.
        lower_bound(inst, candidates, upper, time.perf_counter() + 120, iterations=150,
                    schedules=lambda relaxed, _, kept=offered: kept.append(relaxed))
    assert OFFERS[:2] == (50, 100) and OFFERS[2] > 150
    assert len(runs[0]) == 3 and runs[0] == runs[1]
    spacing = inst.rules.deployment_months + inst.rules.min_rest_months
    for schedules in runs[0]:
        assert schedules
        starts: dict[str, list[int]] = {}
        for officer_id, posting_id, start in schedules:
            assert officer_id in candidates(posting_id, start)
            starts.setdefault(officer_id, []).append(start)
        for mine in starts.values():
            assert len(mine) <= 2 and all(b - a >= spacing for a, b in pairwise(mine))


def test_a_bound_that_arrives_after_the_search_still_proves_the_plan_optimal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The search stops at its work limit after one one-officer step; the bound, held back, comes
    # in afterwards, within the time limit, and meets the plan's cost.
    monkeypatch.setattr(orchestrator_module, "NEIGHBOURHOODS_ABOVE", 0)
    monkeypatch.setattr(lns_module, "FIRST_SIZE", 1)
    real = lower_bound

    def late(*args: Any, **kwargs: Any) -> Bound:
        time.sleep(0.5)
        return real(*args, **kwargs)

    monkeypatch.setattr(beside_module, "lower_bound", late)
    inst = _one_period_too_many()
    result = orchestrator_module.solve(inst, replace(inst.solver, time_limit=30, work_limit=0.01))
    assert (result.status, result.objective, result.bound) == (SolveStatus.OPTIMAL, 3000, 3000)
    assert result.stopped == "bound reached"


def test_a_bound_still_in_a_round_at_the_end_reports_the_steps_and_rounds_it_took(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Two steps and a round proven, then a second round that outlasts the time limit and the
    # grace after it: the result keeps what was proven and how many steps and rounds it took.
    monkeypatch.setattr(orchestrator_module, "NEIGHBOURHOODS_ABOVE", 0)
    monkeypatch.setattr(beside_module, "STOP_GRACE", 0.1)
    release = threading.Event()

    def slow(*_: Any, better: Any, stepped: Any, rounded: Any, **__: Any) -> Bound:
        for done, value in ((1, 100), (2, 150)):
            better(value)
            stepped(done)
        better(200)
        rounded(1)
        release.wait(30)  # the second round
        return Bound(300, 2, 0.0, 2)

    monkeypatch.setattr(beside_module, "lower_bound", slow)
    inst = _one_period_too_many()
    try:
        result = orchestrator_module.solve(inst, replace(inst.solver, time_limit=2))
    finally:
        release.set()
    assert result.bound == 200 and result.stats["bound_steps"] == 2
    assert result.stats["bound_rounds"] == 1


def test_a_failing_led_plan_leaves_the_bound_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(orchestrator_module, "NEIGHBOURHOODS_ABOVE", 0)
    plain = beside_module.first_plan

    def broken(inst: Instance, candidates: Any, lead: Any = ()) -> Any:
        if lead:
            raise RuntimeError("led greedy broke")
        return plain(inst, candidates)

    monkeypatch.setattr(beside_module, "first_plan", broken)
    inst = load_case(EXAMPLE)
    result = orchestrator_module.solve(inst, replace(inst.solver, time_limit=600, work_limit=2))
    assert "bound_failed" not in result.stats
    assert result.stats["led_plans"] == 0 and result.stats["led_plans_failed"] >= 1
    assert result.bound is not None and result.bound > 400


def test_a_failing_bound_leaves_the_plan_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(orchestrator_module, "NEIGHBOURHOODS_ABOVE", 0)
    monkeypatch.setattr(lns_module, "FIRST_SIZE", 1)

    def broken(*args: Any, **kwargs: Any) -> Bound:
        raise RuntimeError("broken bound")

    monkeypatch.setattr(beside_module, "lower_bound", broken)
    monkeypatch.setattr(threading, "excepthook", lambda args: None)
    inst = _one_period_too_many()
    result = orchestrator_module.solve(inst, replace(inst.solver, time_limit=30, work_limit=0.01))
    assert result.status == SolveStatus.FEASIBLE and result.bound is None
    assert result.stats["bound_failed"] == 1
    assert result.plan is not None and validate(inst, result.plan).ok


def _choice_lagrangian(costs: Any, cover: Any, need: Any, cap: float
                       ) -> tuple[Any, Any]:
    """A small choice problem (each officer one of a few columns, ``cover[o, k]`` the rows a
    column covers, rows short of ``need`` at ``cap`` each), as the volume algorithm sees it:
    its Lagrangian (value and subgradient at any prices), and the optimum of its linear
    relaxation by GLOP, which the best prices reach."""
    from ortools.math_opt.python import mathopt

    def at(prices: Any) -> tuple[float, Any]:
        reduced = costs - cover @ prices  # [officer, column]
        picks = np.argmin(reduced, axis=1)
        rows = np.arange(len(costs))
        covered = cover[rows, picks].sum(axis=0)
        return float(reduced[rows, picks].sum() + prices @ need), need - covered

    model = mathopt.Model()
    take = [[model.add_variable(lb=0, ub=1) for _ in range(costs.shape[1])]
            for _ in range(costs.shape[0])]
    short = [model.add_variable(lb=0) for _ in range(len(need))]
    for mine in take:
        model.add_linear_constraint(sum(mine) == 1)
    for r in range(len(need)):
        model.add_linear_constraint(
            sum(cover[o, k, r] * take[o][k] for o in range(costs.shape[0])
                for k in range(costs.shape[1]) if cover[o, k, r]) + short[r] >= need[r])
    model.minimize(sum(float(costs[o, k]) * take[o][k] for o in range(costs.shape[0])
                       for k in range(costs.shape[1])) + cap * sum(short))
    solved = mathopt.solve(model, mathopt.SolverType.GLOP)
    assert solved.termination.reason == mathopt.TerminationReason.OPTIMAL
    return at, solved.objective_value()


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_the_volume_steps_reach_the_linear_relaxations_optimum(seed: int) -> None:
    # The Lagrangian over officers is at best the linear relaxation of their choice, and the
    # volume algorithm's steps come within 0.5 % of it on random choices (30 officers, four
    # columns each and idleness, 12 rows, the first eight priced as ``lam``, the rest as
    # ``mu``), from zero prices aimed at twice the optimum, every value a bound and every
    # price within its range. (Plain subgradient steps reach it too on choices this small;
    # where they level off below it, on the benchmark cases, is in benchmarks/README.md.)
    # Fails when a direction that points only out of range is taken as optimality.
    rng = np.random.default_rng(seed)
    n_o, n_k, n_r, cap = 30, 5, 12, 50.0
    cover = rng.random((n_o, n_k, n_r)) < 0.3
    cover[:, 0, :] = False  # the idle column
    costs = rng.integers(0, 40, (n_o, n_k)).astype(float)
    costs[:, 0] = 0.0
    need = rng.integers(0, 8, n_r).astype(float)
    at, optimum = _choice_lagrangian(costs, cover, need, cap)

    volume = bound_module._Volume(np.zeros(8), np.zeros(n_r - 8), cap, cap, 2 * optimum + 10)
    lam, mu = np.zeros(8), np.zeros(n_r - 8)
    best = -np.inf
    for _ in range(bound_module.ITERATIONS):
        value, grad = at(np.concatenate([lam, mu]))
        assert value <= optimum + 1e-6  # every value is a bound
        best = max(best, value)
        volume.heard(lam, mu, value, grad[:8], grad[8:])
        step = volume.next()
        if step is None or volume.factor < bound_module.VOLUME_END:
            break
        lam, mu = step
        assert np.all((lam >= 0) & (lam <= cap)) and np.all((mu >= 0) & (mu <= cap))
    assert best >= optimum - 0.005 * abs(optimum) - 1e-6, (best, optimum)
