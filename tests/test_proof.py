"""A proof from the bound's prices never rules out the optimum, and the solver reports it."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import rotation.solve.beside as beside_module
import rotation.solve.orchestrator as orchestrator_module
import rotation.solve.proof as proof_module
from constraints import training
from constraints.eligibility import meeting
from rotation.domain import Instance, SolverSettings, requirements
from rotation.io import load_case
from rotation.plan import Plan, SolveStatus
from rotation.solve import solve
from rotation.solve.beside import PROBE_WORK
from rotation.solve.bound import Bound
from rotation.solve.first_plan import first_plan
from rotation.solve.model import Candidates
from rotation.solve.neighbourhoods import Offers, Outcome
from rotation.solve.proof import Proof, prove
from rotation.solve.relaxation import Floats, Prices, Relaxation
from rotation.validate import Verdict, validate
from tests.builders import demand, instance, officer, posting, rules
from tests.test_bound import _at_most_two, _one_joint_seat
from tests.test_properties import instances, solving

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "cambodia-2025"


def _random_prices(relax: Relaxation, inst: Instance, seed: int, scale: float = 200) -> Prices:
    """Prices anywhere in the relaxation's ranges: the proof must hold at any of them. Up to
    200 deploying is worth its cost, so officers' least are mostly below 0; up to 20 mostly
    not, so margins ruled out by mistake would show either way. Whole numbers, so that margins
    fall exactly on the slack now and then."""
    rng = np.random.default_rng(seed)

    def draw(top: float, shape: tuple[int, ...]) -> Floats:
        return rng.integers(0, int(top) + 1, shape).astype(float)

    lam = np.minimum(draw(scale, relax.need.shape), relax.cap_unmet)
    mu = draw(scale, relax.mix_need.shape)
    room = draw(scale, relax.room.shape) * (rng.random(relax.room.shape) < 0.5)
    seats = {q.id: float(draw(scale / 7, ())) for q in inst.sessions if rng.random() < 0.6}
    return Prices(lam, mu, room, seats)


def _zero_prices(relax: Relaxation) -> Prices:
    """Every price at 0: each officer's least is their own cheapest schedule, alone."""
    return Prices(np.zeros(relax.need.shape), np.zeros(relax.mix_need.shape),
                  np.zeros(relax.room.shape), {})


@solving(120)
@given(instances(sessions=(0, 4), training=True), st.integers(0, 2**32 - 1),
       st.sampled_from((200, 20, 0)), st.booleans())
def test_a_proof_at_any_prices_finds_the_optimum_and_proves_it(inst: Instance, seed: int,
                                                               scale: float, hinted: bool
                                                               ) -> None:
    # Asked about a plan one above the optimum, the restricted model must still hold the
    # optimum (a start ruled out that the optimum needs would "prove" a bound above it); asked
    # about the optimum, it must show nothing cheaper. Small cases always fit PROOF_STARTS.
    inst = _at_most_two(inst)
    result = solve(inst)
    if result.status != SolveStatus.OPTIMAL:
        return
    assert result.objective is not None
    optimum = result.objective
    candidates = Candidates(inst)
    relax = Relaxation(inst, candidates, time.perf_counter() + 60)
    bound = Bound(None, 0, 0.0, 1, relax, _random_prices(relax, inst, seed, scale))
    _proves_the_optimum(inst, candidates, bound, optimum, result.plan if hinted else None)


def _proves_the_optimum(inst: Instance, candidates: Candidates, bound: Bound, optimum: int,
                        held: Plan | None = None) -> None:
    """Asked about a plan one above the optimum, the proof finds the optimum (validated); asked
    about the optimum, it shows nothing cheaper. Where the value is two or more below, the
    bound is first raised by one: never past the optimum. ``held``, a plan to start the
    searches from (the optimum itself, say), changes none of it."""
    raised: list[int] = []
    above = prove(bound, candidates, optimum + 1, time.perf_counter() + 60, raised=raised.append,
                  held=held)
    assert above is not None and above.settled
    assert above.bound == optimum
    assert above.plan is not None
    verdict = validate(inst, above.plan)
    assert verdict.ok and verdict.objective == optimum
    at = prove(bound, candidates, optimum, time.perf_counter() + 60, raised=raised.append,
               held=held)
    assert at is not None and at.settled
    assert (at.bound, at.plan) == (optimum, None)
    assert all(value <= optimum for value in raised)


@solving(120)
@given(instances(sessions=(0, 4), training=True, months=(6, 10), deployment=(1, 2)),
       st.integers(0, 2**32 - 1), st.sampled_from((200, 20, 0)), st.sampled_from((None, 3, 4)),
       st.booleans())
def test_a_proof_finds_the_optimum_and_proves_it_where_three_or_more_tours_fit(
        inst: Instance, seed: int, scale: float, cap: int | None, hinted: bool) -> None:
    # As above, with no cap of two (none, or one that binds before the horizon does): the whole
    # model, which proves its own optimum, is the reference; the margins are those of the
    # officers' problems solved forward and backward.
    inst = replace(inst, rules=replace(inst.rules, max_deployments=cap))
    candidates = Candidates(inst)
    relax = Relaxation(inst, candidates, time.perf_counter() + 60)
    assume(relax.most > 2)
    result = solve(inst)
    if result.status != SolveStatus.OPTIMAL:
        return
    assert result.objective is not None
    optimum = result.objective
    bound = Bound(None, 0, 0.0, 1, relax, _random_prices(relax, inst, seed, scale))
    _proves_the_optimum(inst, candidates, bound, optimum, result.plan if hinted else None)


def _schedules_of(relax: Relaxation, o: int) -> list[tuple[tuple[int, int], ...]]:
    """Every schedule open to officer ``o`` in the relaxation, one by one: starts spaced by the
    rest, at most ``most`` of them."""
    open_ = sorted(((int(p), int(s)) for p, s in zip(*np.nonzero(relax.eligible[o]),
                                                    strict=True)), key=lambda x: x[1])
    out: list[tuple[tuple[int, int], ...]] = [()]
    frontier: list[tuple[tuple[int, int], ...]] = [()]
    while frontier:
        grown = [(*sched, start) for sched in frontier for start in open_
                 if len(sched) < relax.most
                 and (not sched or start[1] >= sched[-1][1] + relax.spacing)]
        out += grown
        frontier = grown
    return out


def _training_at(relax: Relaxation, inst: Instance, seats: dict[str, float]) -> Floats:
    """What a deployment's training costs each officer at the least, [officer, posting, start],
    found one start at a time: per course group, the dearest requirement they lack, met by the
    least session they could attend, its weeks at the training weight plus its seat's price."""
    weight = float(training.price(inst, 1))
    out = np.full(relax.eligible.shape, math.inf)
    for o, p, s in zip(*np.nonzero(relax.eligible), strict=True):
        officer_id = inst.officers[o].id
        first, last = inst.rules.deployment_span(int(s))
        by_group: dict[int, float] = {}
        for need in requirements(inst.postings[p]):
            if officer_id in meeting(inst, need, int(s)):
                continue
            least = min((weight * q.weeks + seats.get(q.id, 0.0)
                         for q in inst.sessions_for(need, first, last)
                         if officer_id not in inst.unable_to_attend(q)), default=math.inf)
            group = relax.groups[need]
            by_group[group] = max(by_group.get(group, 0.0), least)
        out[o, p, s] = sum(by_group.values())
    return out


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(instances(sessions=(0, 4), training=True, months=(6, 10), deployment=(1, 2)),
       st.integers(0, 2**32 - 1), st.sampled_from((200, 20, 0)), st.sampled_from((None, 3, 4)))
def test_where_three_or_more_tours_fit_margins_and_schedules_within_are_those_listed_one_by_one(
        inst: Instance, seed: int, scale: float, cap: int | None) -> None:
    # Every schedule priced one by one as the relaxation prices it (its starts' costs, fairness
    # on its whole load, training at its dearest start's, each seat's price on top of its
    # session's weeks): each start's margin is the least schedule through it less the officer's
    # least, and the value is what the bound's rounds report at the same prices, seats given
    # back. With no cap, or one that binds.
    inst = replace(inst, rules=replace(inst.rules, max_deployments=cap))
    relax = Relaxation(inst, Candidates(inst), time.perf_counter() + 60)
    assume(relax.most > 2)
    prices = _random_prices(relax, inst, seed, scale)
    seatless = _training_at(relax, inst, {})
    assert np.array_equal(seatless[relax.eligible],
                          relax.cost_values[relax.cost_class][relax.eligible])
    trained = _training_at(relax, inst, prices.seats)
    margins = relax.margins(prices)
    reduced = relax._reduced(prices.headcount - prices.room, prices.mix)
    finite = margins.starts[np.isfinite(margins.starts)]
    within = float(np.median(finite)) + 0.5 if len(finite) else 1.0
    listed = relax.schedules_within(prices, margins, within)
    assert listed is not None
    for o in range(len(inst.officers)):
        through = np.full(relax.eligible[o].shape, math.inf)
        least = math.inf
        priced: dict[tuple[tuple[int, int], ...], float] = {}
        for sched in _schedules_of(relax, o):
            load = relax.past[o] + sum(relax.hard_values[relax.hard_class[p, s]]
                                       for p, s in sched)
            cost = (sum(reduced[o, p, s] for p, s in sched)
                    + float(relax.fair(np.array([load]))[0])
                    + max((trained[o, p, s] for p, s in sched), default=0.0))
            least = min(least, cost)
            priced[sched] = cost
            for p, s in sched:
                through[p, s] = min(through[p, s], cost)
        assert margins.idle[o] == pytest.approx(float(relax.fair(relax.past[o:o + 1])[0]) - least,
                                                abs=1e-6)
        assert np.allclose(margins.starts[o], through - least, atol=1e-6, equal_nan=False)
        # The schedules the proof may hold the officer to: every one within the margin asked,
        # with its margin, and no other (those on the edge either way, floats being floats).
        mine = dict(listed[o])
        for sched, cost in priced.items():
            if abs(cost - least - within) > 1e-6:
                assert (sched in mine) == (cost - least <= within), (sched, cost - least)
            if sched in mine:
                assert mine[sched] == pytest.approx(cost - least, abs=1e-6)
        assert set(mine) <= set(priced)
    assert margins.value == pytest.approx(relax.evaluate_priced(prices), abs=1e-6)
    given_back = sum(price * inst.session_by_id[q].seats for q, price in prices.seats.items())
    assert margins.value == pytest.approx(
        relax.fair(relax.past).sum() - margins.idle.sum() - given_back
        + np.sum(prices.headcount * relax.need) + np.sum(prices.mix * relax.mix_need)
        - np.sum(prices.room * np.maximum(relax.room, 0.0)), abs=1e-6)


@pytest.mark.parametrize("scale", [200, 20, 0])
def test_the_margins_sum_to_no_more_than_a_plan_costs_above_the_value(scale: float) -> None:
    # Every officer's least has margin 0; the optimum's own schedules: each officer's margin
    # at a start they use is at least 0, and the sum over officers at most what the plan costs
    # above the value.
    inst = _one_joint_seat()
    result = solve(inst)
    assert result.status == SolveStatus.OPTIMAL and result.plan is not None
    assert result.objective is not None
    relax = Relaxation(inst, Candidates(inst), time.perf_counter() + 60)
    margins = relax.margins(_random_prices(relax, inst, 7, scale))
    least = np.minimum(margins.starts.min(axis=(1, 2)), margins.idle)
    assert least == pytest.approx(np.zeros(len(inst.officers)), abs=1e-9)
    index = {o.id: i for i, o in enumerate(inst.officers)}
    where = {p.id: i for i, p in enumerate(inst.postings)}
    used: dict[int, float] = {}
    for d in result.plan.deployments:
        o = index[d.officer]
        at = margins.starts[o, where[d.posting], inst.rules.month_of(d.start)]
        used[o] = max(used.get(o, 0.0), float(at))
    for o in range(len(inst.officers)):
        used.setdefault(o, float(margins.idle[o]))
    assert min(used.values()) >= -1e-6
    assert sum(used.values()) <= result.objective - margins.value + 1e-6


@pytest.mark.parametrize("scale", [200, 20, 0])
def test_each_schedule_of_the_optimum_costs_its_own_margin_and_all_no_more_than_the_plan(
        scale: float) -> None:
    # The margins of whole schedules, one deployment or a pair (the case's A and B serve two
    # each), are each at least the least margin of every start in them, and their sum over
    # officers, with the idle margin of those who stay home, is at most what the optimum costs
    # above the value. Asked within a margin, only pairs of starts both within it are listed.
    # Pairs are listed where at most two deployments fit.
    inst = _at_most_two(_one_joint_seat())
    result = solve(inst)
    assert result.status == SolveStatus.OPTIMAL and result.plan is not None
    assert result.objective is not None
    relax = Relaxation(inst, Candidates(inst), time.perf_counter() + 60)
    prices = _random_prices(relax, inst, 11, scale)
    margins = relax.margins(prices, within=math.inf)
    pairs = {tuple(row): float(m) for row, m in zip(margins.pairs.tolist(),
                                                     margins.pair_margins.tolist(), strict=True)}
    index = {o.id: i for i, o in enumerate(inst.officers)}
    where = {p.id: i for i, p in enumerate(inst.postings)}
    starts: dict[int, list[tuple[int, int]]] = {}
    for d in sorted(result.plan.deployments, key=lambda d: d.start):
        starts.setdefault(index[d.officer], []).append(
            (where[d.posting], inst.rules.month_of(d.start)))
    assert max(len(s) for s in starts.values()) == 2
    total = 0.0
    for o in range(len(inst.officers)):
        taken = starts.get(o, [])
        if not taken:
            own = float(margins.idle[o])
        elif len(taken) == 1:
            own = float(margins.alone[o, taken[0][0], taken[0][1]])
        else:
            own = pairs[(o, *taken[0], *taken[1])]
        assert all(own >= margins.starts[o, p, s] - 1e-9 for p, s in taken)
        total += own
    assert total <= result.objective - margins.value + 1e-6
    narrow = float(np.median(margins.starts[np.isfinite(margins.starts)]))
    within = relax.margins(prices, within=narrow)
    assert within.value == margins.value
    for o, p1, s1, p2, s2 in within.pairs.tolist():
        assert margins.starts[o, p1, s1] <= narrow and margins.starts[o, p2, s2] <= narrow
    assert len(within.pairs) == sum(
        margins.starts[o, p1, s1] <= narrow and margins.starts[o, p2, s2] <= narrow
        for o, p1, s1, p2, s2 in margins.pairs.tolist())


def test_the_solver_reports_a_plan_proved_optimal_from_the_bounds_prices(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A bound that proves nothing by itself (value 0) but keeps prices: the proof alone must
    # make the plan optimal, and from a first plan dearer than the optimum (nobody deployed)
    # it finds the optimum and hands it to the search. No combination, so the first plan is
    # what it is asked about.
    inst = _one_joint_seat()
    whole = solve(inst)
    assert whole.status == SolveStatus.OPTIMAL

    def weak(inst: Instance, candidates: object, *args: object, **kwargs: object) -> Bound:
        relax = Relaxation(inst, Candidates(inst), time.perf_counter() + 60)
        zero = np.zeros(relax.need.shape)
        prices = Prices(zero, np.zeros(relax.mix_need.shape), np.zeros(relax.room.shape), {})
        return Bound(0, 1, 0.0, 1, relax, prices)

    monkeypatch.setattr(orchestrator_module, "NEIGHBOURHOODS_ABOVE", 0)
    monkeypatch.setattr(beside_module, "lower_bound", weak)
    monkeypatch.setattr(beside_module, "COMBINE_AT", ())
    monkeypatch.setattr(orchestrator_module, "improve", _no_search)
    monkeypatch.setattr(orchestrator_module, "first_plan", lambda inst, candidates: Plan(()))
    result = solve(inst, replace(inst.solver, time_limit=60, work_limit=None))
    assert result.status == SolveStatus.OPTIMAL
    assert result.objective == result.bound == whole.objective
    assert result.stats["proof_starts"] > 0
    assert result.stats["first_plan_objective"] > result.objective
    assert result.stats["proof_plans"] == 1


def _no_search(inst: Instance, plan: Plan, settings: SolverSettings, candidates: object,
               deadline: float, report: object, verdict: Verdict,
               floor: Callable[[], int | None], offers: Offers, cut: object = None) -> Outcome:
    """The search takes no steps of its own: it waits for the bound and takes what it offers,
    so that only the proof can make the plan optimal."""
    while time.perf_counter() < deadline:
        for offered, judged in offers(0, lambda: False, verdict.objective):
            if judged.ok and judged.objective < verdict.objective:
                plan, verdict = offered, judged
        proven = floor()
        if proven is not None and verdict.objective <= proven:
            return Outcome(plan, verdict, 0, 0, 0.0, "bound reached")
        time.sleep(0.05)
    return Outcome(plan, verdict, 0, 0, 0.0, "time limit")


def test_a_start_whose_margin_is_the_whole_slack_stays_open() -> None:
    # One officer who would rather serve at Q must serve P's two months: the optimum is the
    # preference miss, 1, and at zero prices the relaxation's value is 0 (staying home), so
    # asked about a plan of 2 the slack is 1, exactly the start's margin: ruling it out would
    # "prove" a bound of 2 above the optimum.
    inst = instance([officer("A", preferences=["Q"])], [posting("P"), posting("Q")],
                    [demand("P", 0, 1, 1, 1)],
                    rules(2, deployment=2, fairness=0, preference=1))
    candidates = Candidates(inst)
    relax = Relaxation(inst, candidates, time.perf_counter() + 60)
    zero = _zero_prices(relax)
    assert relax.margins(zero).value == 0
    found = prove(Bound(None, 0, 0.0, 1, relax, zero), candidates, 2, time.perf_counter() + 60)
    assert found is not None and found.bound == 1 and found.plan is not None
    assert validate(inst, found.plan).objective == 1


@pytest.mark.parametrize("work_limit", [None, 0.5])
def test_a_proof_before_the_pools_rounds_is_tried_only_without_a_work_limit(
        monkeypatch: pytest.MonkeyPatch, work_limit: float | None) -> None:
    # At the steps' own prices, a value within one of the first plan's cost, with no plan
    # offered still being made: without a work limit the proof is tried at once; under one the
    # rounds come first, so that what is proven does not depend on how soon plans were made.
    inst = load_case(EXAMPLE)
    asked: list[int] = []

    def steps(inst: Instance, candidates: Any, upper: int, deadline: float, **kwargs: Any
              ) -> Bound:
        relax = Relaxation(inst, candidates, deadline)
        zero = _zero_prices(relax)
        assert not kwargs["settle"](relax, zero, upper - 0.5)
        return Bound(None, 0, 0.0)

    def proof(bound: Bound, candidates: Any, upper: int, *args: Any) -> None:
        asked.append(upper)

    monkeypatch.setattr(beside_module, "lower_bound", steps)
    monkeypatch.setattr(beside_module, "prove", proof)
    solve(inst, replace(inst.solver, time_limit=60 if work_limit else 1, work_limit=work_limit))
    assert len(asked) == (0 if work_limit else 1)


@pytest.mark.parametrize("work_limit", [None, 0.5])
def test_proofs_during_the_steps_start_within_the_probe_slack_and_again_once_it_halves(
        monkeypatch: pytest.MonkeyPatch, work_limit: float | None) -> None:
    # The steps' centre, one below the first plan's cost less these slacks: a proof is tried
    # first below PROBE_SLACK, within PROBE_WORK, then only where the slack has halved since
    # the last try; under a work limit never. Once one proves the case, the probe says so.
    inst = load_case(EXAMPLE)
    slacks = [0.5, 0.19, 0.12, 0.09, 0.05, 0.04, 0.01]
    asked: list[tuple[int, int, float]] = []  # the plan's cost, the step and the work
    answers: list[bool] = []

    def steps(inst: Instance, candidates: Any, upper: int, deadline: float, **kwargs: Any
              ) -> Bound:
        relax = Relaxation(inst, candidates, deadline)
        zero = _zero_prices(relax)
        for done, slack in enumerate([*slacks, slacks[-1]], start=1):
            answers.append(kwargs["probe"](relax, zero, upper - 1 - slack, done))
            for thread in threading.enumerate():
                if thread.name == "rotation-proof":
                    thread.join()
        return Bound(None, 0, 0.0)

    def proof(bound: Bound, candidates: Any, upper: int, deadline: float, seed: int,
              stop: Any, work: float, raised: Any, held: Plan) -> Proof | None:
        # The searches start from the plan asked about: the one that costs ``upper``.
        assert validate(inst, held).objective == upper
        asked.append((upper, bound.iterations, work))
        return Proof(upper, None, 1) if len(asked) == 3 else None

    monkeypatch.setattr(beside_module, "lower_bound", steps)
    monkeypatch.setattr(beside_module, "prove", proof)
    solve(inst, replace(inst.solver, time_limit=60 if work_limit else 1, work_limit=work_limit))
    if work_limit:
        assert not asked and not any(answers)
        return
    first = validate(inst, first_plan(inst, Candidates(inst))).objective
    assert asked == [(first, 2, PROBE_WORK), (first, 4, PROBE_WORK), (first, 6, PROBE_WORK)]
    assert answers == [False] * 6 + [True, True]  # from the step after the proof on


def test_every_question_starts_its_search_from_the_plan_asked_about(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The plan of cost ``upper`` is handed to CP-SAT as the hint of each restricted model
    # (four questions here, as in the test below); without it, none.
    inst = _one_joint_seat()
    candidates = Candidates(inst)
    relax = Relaxation(inst, candidates, time.perf_counter() + 60)
    bound = Bound(0, 0, 0.0, 1, relax, _zero_prices(relax))
    held = first_plan(inst, candidates)
    hinted: list[Plan] = []
    real = proof_module.hint

    def spy(inst: Instance, model: Any, plan: Plan) -> None:
        hinted.append(plan)
        real(inst, model, plan)

    monkeypatch.setattr(proof_module, "hint", spy)
    found = prove(bound, candidates, 8, time.perf_counter() + 60, held=held)
    assert found is not None and found.settled
    assert len(hinted) == 4 and all(plan is held for plan in hinted)
    hinted.clear()
    prove(bound, candidates, 8, time.perf_counter() + 60)
    assert hinted == []


def test_a_plan_well_above_the_value_is_asked_about_one_cost_at_a_time(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # At zero prices the value is 0 and the optimum 5: asked about a plan of 8, the proof asks
    # whether a plan costs exactly 0, 1, 2 (the slack below SCHEDULES_BELOW), each "no" heard
    # at once as a bound one higher, then the costs left from 3 together, which finds the
    # optimum. When only the first question is answered, the raised bound comes back unsettled.
    inst = _one_joint_seat()
    optimum = solve(inst).objective
    assert optimum == 5 and proof_module.SCHEDULES_BELOW == 3
    candidates = Candidates(inst)
    relax = Relaxation(inst, candidates, time.perf_counter() + 60)
    zero = _zero_prices(relax)
    assert relax.margins(zero).value == 0
    bound = Bound(0, 0, 0.0, 1, relax, zero)
    asked: list[tuple[int, int]] = []
    restricted = proof_module._restricted

    def spy(relax: Relaxation, margins: Any, paired: Any, candidates: Any, upper: int,
            floor: int, *args: Any) -> tuple[Proof | None, float]:
        asked.append((upper, floor))
        return restricted(relax, margins, paired, candidates, upper, floor, *args)

    monkeypatch.setattr(proof_module, "_restricted", spy)
    raised: list[int] = []
    found = prove(bound, candidates, 8, time.perf_counter() + 60, raised=raised.append)
    assert asked == [(1, 0), (2, 1), (3, 2), (8, 3)] and raised == [1, 2, 3]
    assert found is not None and found.settled and found.bound == optimum
    assert found.plan is not None and validate(inst, found.plan).objective == optimum
    # Asked about 4 (no plan costs that, but the question stands): 0, 1 and 2 one at a time,
    # then 3, the last cost below 4, by the closing question; no plan anywhere: 4 is proven.
    asked.clear()
    below = prove(bound, candidates, 4, time.perf_counter() + 60)
    assert asked == [(1, 0), (2, 1), (3, 2), (4, 3)]
    assert below is not None and below.settled and (below.bound, below.plan) == (4, None)

    def first_only(relax: Relaxation, margins: Any, paired: Any, candidates: Any,
                   upper: int, floor: int, *args: Any) -> tuple[Proof | None, float]:
        if upper > 1:
            return None, 0.0  # undecided within its work
        return restricted(relax, margins, paired, candidates, upper, floor, *args)

    monkeypatch.setattr(proof_module, "_restricted", first_only)
    partial = prove(bound, candidates, 8, time.perf_counter() + 60)
    assert partial is not None and (partial.bound, partial.plan) == (1, None)
    assert not partial.settled


def test_a_bound_raised_by_an_unsettled_proof_stays_in_the_result(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The proof at the steps' own prices raises the bound by one (no plan at that cost) but
    # leaves the cheaper plans undecided, and the steps keep those prices: the bound the proof
    # raised is proven, and the result must report it rather than the steps' own.
    inst = load_case(EXAMPLE)

    def steps(inst: Instance, candidates: Any, upper: int, deadline: float, **kwargs: Any
              ) -> Bound:
        relax = Relaxation(inst, candidates, deadline)
        zero = _zero_prices(relax)
        kwargs["better"](upper - 3)
        assert not kwargs["settle"](relax, zero, upper - 1.5)
        return Bound(upper - 3, 10, 0.0, 1, relax, zero)

    def proof(bound: Bound, candidates: Any, upper: int, deadline: float, seed: int,
              stop: Any, work: float, raised: Callable[[int], None], held: Any) -> Proof:
        raised(upper - 2)
        return Proof(upper - 2, None, 1, settled=False)

    monkeypatch.setattr(orchestrator_module, "NEIGHBOURHOODS_ABOVE", 0)
    monkeypatch.setattr(beside_module, "lower_bound", steps)
    monkeypatch.setattr(beside_module, "prove", proof)
    monkeypatch.setattr(beside_module, "COMBINE_AT", ())
    monkeypatch.setattr(orchestrator_module, "improve", _no_search)
    result = solve(inst, replace(inst.solver, time_limit=3, work_limit=None))
    assert result.objective is not None and result.status == SolveStatus.FEASIBLE
    assert result.bound == result.objective - 2
