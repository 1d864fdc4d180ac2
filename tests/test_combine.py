"""Plans combined from the bound's schedules keep every hard rule and take the cheaper schedules."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import replace
from datetime import timedelta
from itertools import pairwise
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import rotation.solve.beside as beside_module
import rotation.solve.combine as combine_module
import rotation.solve.neighbourhoods as lns_module
import rotation.solve.orchestrator as orchestrator_module
from constraints.fairness import past_load
from rotation.domain import Instance
from rotation.io import load_case
from rotation.plan import Deployment, Plan
from rotation.solve.bound import Bound
from rotation.solve.combine import _choose, _choose_in_blocks, combine
from rotation.solve.first_plan import first_plan
from rotation.solve.model import Candidates, Stop
from rotation.solve.relaxation import Columns, Relaxation
from rotation.validate import validate
from tests.builders import (
    demand,
    dep,
    enrol,
    first_day,
    instance,
    khmer,
    officer,
    plan,
    posting,
    rules,
    session,
)
from tests.test_bound import _at_most_two, _one_joint_seat
from tests.test_properties import instances, solving

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "cambodia-2025"


def _columns(inst: Instance, prices: list[tuple[float, float]]) -> Columns:
    """The pool after one evaluation per (headcount price, mix price), each the same in every
    posting and month."""
    relax = Relaxation(inst, Candidates(inst), time.perf_counter() + 60)
    columns = Columns(relax)
    for lam, mu in prices:
        relax.evaluate(np.full(relax.need.shape, lam), np.full(relax.mix_need.shape, mu))
        columns.add(relax.picks)
    return columns


def _in_blocks(patch: pytest.MonkeyPatch, block: int) -> None:
    """Choose block by block, ``block`` officers at a time, as when the relaxation finds no
    solution in time."""
    patch.setattr(combine_module, "BLOCK", block)
    patch.setattr(combine_module, "_choose_relaxed", lambda *args, **kwargs: None)


@solving(60)
@given(instances(sessions=(0, 4), training=True), st.randoms(use_true_random=False))
def test_a_combined_plan_breaks_no_hard_rule(inst: Instance, rng: random.Random) -> None:
    inst = _at_most_two(inst)
    candidates = Candidates(inst)
    prices = [(rng.uniform(0, 1500), rng.uniform(0, 300)) for _ in range(rng.randint(1, 6))]
    columns = _columns(inst, prices)
    plan = combine(inst, candidates, columns, [first_plan(inst, candidates)],
                   time.perf_counter() + 60)
    if plan is None:
        return  # the chosen schedules could not meet a mix minimum: nothing is offered
    verdict = validate(inst, plan)
    assert verdict.ok, verdict.violations


@solving(60)
@given(instances(sessions=(0, 4), training=True))
def test_a_valid_first_plan_alone_always_combines_to_a_valid_plan(inst: Instance) -> None:
    # Its schedules meet every hard rule together, so the choice has a solution, and any part of
    # them can be staffed with the first plan's own sessions: "no plan" would be a fault here.
    inst = _at_most_two(inst)
    candidates = Candidates(inst)
    first = first_plan(inst, candidates)
    assert validate(inst, first).ok
    # By the relaxation, then in blocks: one choice for all, and two officers at a time.
    for block in (None, combine_module.BLOCK, 2):
        with pytest.MonkeyPatch.context() as patch:
            if block is not None:
                _in_blocks(patch, block)
            plan = combine(inst, candidates, _columns(inst, []), [first],
                           time.perf_counter() + 60)
        assert plan is not None
        assert set(plan.deployments) <= set(first.deployments)
        verdict = validate(inst, plan)
        assert verdict.ok, verdict.violations
        weights = inst.rules.weights
        if min(weights.unmet_demand, weights.skill_mix) >= 1000:
            # Above anything a schedule costs: the shortfalls (headcount and mix, which may be
            # traded for each other) cost no more than the first plan's.
            def short(p: Plan) -> int:
                costs = validate(inst, p).cost_by_rule
                return costs["coverage"] + costs["skill-mix"]

            assert short(plan) <= short(first)


@pytest.mark.parametrize("exact_up_to", [combine_module.EXACT_UP_TO, 0])
@solving(60)
@given(instances(sessions=(0, 4), training=True), st.randoms(use_true_random=False))
def test_the_choice_by_the_relaxation_is_a_choice_and_costs_no_less_than_the_best(
        exact_up_to: int, inst: Instance, rng: random.Random) -> None:
    # Officers the relaxation gives one schedule whole keep it, the rest are chosen with those
    # held: together one schedule each from their own, within every maximum, and never cheaper
    # than the exact choice among the whole pool (shortfalls of headcount and mix priced as the
    # rules price them). With ``exact_up_to`` 0 every split officer goes through the rounds of
    # fixing first (at 5,000 officers, those beyond ``EXACT_UP_TO``).
    # Every session has a seat for everyone: the cost below leaves seats out, and a seat more
    # than a session has costs as much as an officer-month unmet, so one choice may pay for
    # seats too many where another leaves months unmet (a drawn case: a session of
    # one seat that every deployment needed, one-month deployments; the exact choice left six
    # officer-months unmet, the relaxed one four, so it trained at least two officers and
    # paid for a seat the session lacks). Seat limits have their own tests.
    inst = _at_most_two(inst)
    inst = replace(inst, sessions=tuple(replace(q, seats=max(q.seats, 2 * len(inst.officers)))
                                        for q in inst.sessions))
    prices = [(rng.uniform(0, 1500), rng.uniform(0, 300)) for _ in range(rng.randint(1, 6))]
    columns = _columns(inst, prices)
    rows, length = columns.rows, inst.rules.deployment_months
    pool = columns.priced()
    exact = _choose(inst, rows, pool, time.perf_counter() + 60, Stop())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(combine_module, "EXACT_UP_TO", exact_up_to)
        relaxed = combine_module._choose_relaxed(inst, rows, pool, time.perf_counter() + 60,
                                                 Stop())
    assert exact is not None and relaxed is not None  # every shortfall has a price: a choice
    chosen, _, staffed = relaxed
    assert not staffed  # the exact choice: nobody left to the staffing
    # A schedule may come twice at different prices (where the choice counts seats, a pair's
    # training by one session for both or by a session each), and a choice names only the
    # schedule: each side is costed at the prices it could have paid.
    least: dict[tuple[int, Any], int] = {}
    dearest: dict[tuple[int, Any], int] = {}
    for o, schedule, price in pool:
        least[o, schedule] = min(price, least.get((o, schedule), price))
        dearest[o, schedule] = max(price, dearest.get((o, schedule), price))
    assert set(chosen) == {o for o, _, _ in pool}
    present = np.zeros(rows.need.shape)
    for o, schedule in chosen.items():
        assert (o, schedule) in least
        for p, s in schedule:
            present[p, s:s + length] += 1
    assert np.all(present <= np.maximum(rows.room, 0) + 1e-9)

    def cost(choice: dict[int, Any], price: dict[tuple[int, Any], int]) -> float:
        present = np.zeros(rows.need.shape)
        mix = np.zeros(rows.mix_need.shape)
        for o, schedule in choice.items():
            for p, s in schedule:
                present[p, s:s + length] += 1
                for j, p_j in enumerate(rows.mix_posting):
                    if p_j == p and rows.mix_members[j][o]:
                        mix[j, s:s + length] += 1
        short = np.maximum(rows.need - present, 0).sum()
        missing = np.where(rows.mix_open, np.maximum(rows.mix_need - mix, 0), 0).sum()
        return sum(price[o, s] for o, s in choice.items()) + (
            inst.rules.weights.unmet_demand * float(short)
            + inst.rules.weights.skill_mix * float(missing))

    assert cost(chosen, dearest) >= cost(exact, least) - 1e-6


def _odd_cycle() -> tuple[Instance, Relaxation, list[tuple[int, Any, int]]]:
    """P needs one officer in each of three months, Q one in the first; A, B and E (officers
    0-2) can each serve two of P's months, and E Q at 5; D (3) alone serves Q, at 0."""
    inst = instance(
        [officer("A"), officer("B"), officer("E"), officer("D")],
        [posting("P"), posting("Q")],
        [demand("P", 0, 2, 1, 1), demand("Q", 0, 0, 1, 1)],
        rules(3, deployment=1, rest=0),
    )
    rows = Relaxation(inst, Candidates(inst), time.perf_counter() + 60)
    p, q = 0, 1
    pool = [(0, (), 0), (0, ((p, 0), (p, 1)), 0),
            (1, (), 0), (1, ((p, 1), (p, 2)), 0),
            (2, (), 0), (2, ((p, 0), (p, 2)), 0), (2, ((q, 0),), 5),
            (3, (), 0), (3, ((q, 0),), 0)]
    return inst, rows, pool


def test_officers_the_relaxation_splits_are_chosen_for_with_the_others_held() -> None:
    # P needs one officer in each of three months, Q one in the first. A, B and E can each
    # serve two of P's months: the relaxation takes half of each pair and covers P in full,
    # while a choice can take only one pair (any two share a month). D alone serves Q and is
    # whole in the relaxation; E could serve Q too, at 5. So A, B and E are chosen for with D
    # held: one pair, a month short, and E not sent to Q, where D already is.
    inst, rows, pool = _odd_cycle()
    q = 1
    relaxed = combine_module._choose_relaxed(inst, rows, pool, time.perf_counter() + 60, Stop())
    assert relaxed is not None
    chosen, fractional, _ = relaxed
    assert fractional == 3
    assert chosen[3] == ((q, 0),) and chosen[2] != ((q, 0),)
    assert sum(1 for o in (0, 1, 2) if chosen[o]) == 1


def _relaxed_by_hand(patch: pytest.MonkeyPatch, share: dict[tuple[int, Any], float],
                     held_by_round: list[dict[int, Any]] | None = None) -> None:
    """The choice's relaxation gives each (officer, schedule) of ``share`` that share, every
    other column 0 (HiGHS gives such shares on large pools only); ``held_by_round`` hears what
    each relaxation held."""

    class Solved:
        def __init__(self, entries: list[tuple[int, Any, int]]) -> None:
            self.values = [share.get((o, schedule), 0.0) for o, schedule, _ in entries]

        def has_primal_feasible_solution(self) -> bool:
            return True

        def variable_values(self, take: list[int]) -> list[float]:
            return self.values

    def relaxation(inst: Instance, rows: Relaxation, entries: list[tuple[int, Any, int]],
                   deadline: float, algorithm: Any, held: list[tuple[int, Any, int]]) -> Any:
        if held_by_round is not None:
            held_by_round.append({o: schedule for o, schedule, _ in held})
        return SimpleNamespace(take=list(range(len(entries)))), Solved(entries)

    patch.setattr(combine_module, "_relaxation", relaxation)


def test_while_too_many_are_split_officers_mostly_on_one_schedule_keep_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The case above, with its relaxation's values set by hand (HiGHS gives such shares on
    # large pools only): A takes its pair at 0.8 and D goes to Q whole, while B and E stay
    # split. With more split than EXACT_UP_TO, A keeps its pair as D keeps Q; the relaxation
    # is solved again for B and E with both held, and the exact choice counts them too: B's
    # and E's pairs each share a month of P with A's, and Q has room for D alone.
    inst, rows, pool = _odd_cycle()
    p, q = 0, 1
    share = {(0, ()): 0.2, (0, ((p, 0), (p, 1))): 0.8, (1, ()): 0.5, (1, ((p, 1), (p, 2))): 0.5,
             (2, ()): 0.5, (2, ((p, 0), (p, 2))): 0.5, (3, ((q, 0),)): 1.0}
    held_by_round: list[dict[int, Any]] = []
    _relaxed_by_hand(monkeypatch, share, held_by_round)
    monkeypatch.setattr(combine_module, "EXACT_UP_TO", 0)
    tally: dict[str, int] = {}
    relaxed = combine_module._choose_relaxed(inst, rows, pool, time.perf_counter() + 60, Stop(),
                                             tally)
    assert relaxed is not None
    chosen, fractional, _ = relaxed
    assert fractional == 3  # split by the first relaxation: A, B and E
    assert held_by_round == [{}, {0: ((p, 0), (p, 1)), 3: ((q, 0),)}]
    assert tally["combine_relaxations"] == 2
    assert chosen == {0: ((p, 0), (p, 1)), 1: (), 2: (), 3: ((q, 0),)}


def test_the_pool_keeps_allowed_spaced_schedules_priced_as_the_validator_prices_them() -> None:
    # With training weighed at 0 (the one term the pool only estimates), a schedule's price is
    # what the validator charges for fairness and preferences when the officer serves it and
    # nobody else is planned, less what everyone else's past costs anyway.
    inst = load_case(EXAMPLE)
    rules_ = inst.rules
    inst = replace(inst, rules=replace(rules_, weights=replace(rules_.weights, training=0)))
    candidates = Candidates(inst)
    columns = _columns(inst, [(lam, lam / 5) for lam in (100.0, 400.0, 800.0)])
    spacing = rules_.deployment_months + rules_.min_rest_months
    priced = columns.priced()
    assert {officer for officer, _, _ in priced} == set(range(len(inst.officers)))
    assert any(len(schedule) == 2 for _, schedule, _ in priced)
    nobody = validate(inst, Plan(())).cost_by_rule["fairness"]
    for row, schedule, price in priced[::5]:
        o = inst.officers[row]
        starts = [s for _, s in schedule]
        assert starts == sorted(starts) and all(b - a >= spacing for a, b in pairwise(starts))
        deployments = []
        for p, s in schedule:
            assert o.id in candidates(inst.postings[p].id, s)
            deployments.append(Deployment(o.id, inst.postings[p].id,
                                          *rules_.deployment_span(s)))
        alone = validate(inst, Plan(tuple(deployments))).cost_by_rule
        own_past = rules_.weights.fairness * max(0, past_load(inst, o.id) - rules_.fairness_target)
        assert price == alone["fairness"] - nobody + own_past + alone["preferences"]


def test_the_choice_counts_the_seats_of_the_one_session_that_serves_two_deployments() -> None:
    # P needs the course b and two officers in months 2-3 and 6-7. A and B lack b; only s1,
    # with one seat, can prepare both of a pair (2, 6). C holds b but is away until month 4 and
    # would rather be elsewhere (1). Priced one session each, A's and B's pairs look cheapest
    # (4); but one of them would need two sessions (6), so the choice sends A on the pair, B to
    # months 2-3 and C to 6-7 (5).
    inst = _one_joint_seat()
    pairs = plan(dep("A", "P", 2), dep("A", "P", 6), dep("B", "P", 2), dep("B", "P", 6))
    other = plan(dep("A", "P", 2), dep("A", "P", 6), dep("B", "P", 2), dep("C", "P", 6))
    candidates = Candidates(inst)
    columns = Columns(Relaxation(inst, candidates, time.perf_counter() + 60))
    combined = combine(inst, candidates, columns, [Plan(()), pairs, other],
                       time.perf_counter() + 60)
    assert combined is not None
    verdict = validate(inst, combined)
    assert verdict.ok and not verdict.unmet, verdict.violations
    assert verdict.objective == 5
    assert {(d.officer, inst.rules.month_of(d.start)) for d in combined.deployments} == {
        ("A", 2), ("A", 6), ("B", 2), ("C", 6)}


def test_the_choice_keeps_within_the_maximum() -> None:
    # Three officers priced into P, where only two fit; staffing would drop the third on its own,
    # so the choice itself is checked.
    inst = instance(
        [officer("A"), officer("B"), officer("C")],
        [posting("P")],
        [demand("P", 0, 1, 1, 2)],
        rules(2, deployment=2, rest=0),
    )
    columns = _columns(inst, [(100.0, 0.0)])
    pool = columns.priced()
    assert sum(1 for _, schedule, _ in pool if schedule) == 3
    chosen = _choose(inst, columns.rows, pool, time.perf_counter() + 60, Stop())
    assert chosen is not None
    assert sum(1 for schedule in chosen.values() if schedule) <= 2


def test_a_block_counts_what_the_blocks_before_it_chose(monkeypatch: pytest.MonkeyPatch
                                                       ) -> None:
    # One place in P; priced at 100 a month both officers would take it. Chosen one at a time,
    # the second must see the first's choice: staffing would drop a second officer on its own,
    # so the choice itself is checked.
    monkeypatch.setattr(combine_module, "BLOCK", 1)
    inst = instance(
        [officer("A"), officer("B")],
        [posting("P")],
        [demand("P", 0, 1, 1, 1)],
        rules(2, deployment=2, rest=0),
    )
    columns = _columns(inst, [(100.0, 0.0)])
    chosen, blocks, done = _choose_in_blocks(inst, columns.rows, columns.priced(), {},
                                             time.perf_counter() + 60, Stop())
    assert blocks == done == len(chosen) == 2
    assert sorted(len(schedule) for schedule in chosen.values()) == [0, 1]


def test_a_block_counts_the_mix_the_others_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    # P needs two officers, one of them a supervisor. S, the supervisor, holds P; X's block
    # can only add X, who is no supervisor, so it fills P only if S's place in the mix counts.
    monkeypatch.setattr(combine_module, "BLOCK", 1)
    inst = instance(
        [officer("S", "inspector"), officer("X")],
        [posting("P", supervisors=1)],
        [demand("P", 0, 1, 2, 2)],
        rules(2, deployment=2, rest=0),
    )
    columns = _columns(inst, [(100.0, 0.0)])
    chosen, blocks, done = _choose_in_blocks(inst, columns.rows, columns.priced(), {0: ((0, 0),)},
                                             time.perf_counter() + 60, Stop())
    assert blocks == done == 2
    assert chosen == {0: ((0, 0),), 1: ((0, 0),)}


def test_blocks_start_from_the_held_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    # A holds P, which B listed and A did not. Chosen together, B takes P over. One at a time,
    # each block counts what the other holds: B's finds P full (A holds it) and A's keeps P, as
    # nobody else is there, so the held plan comes back as it was. Were the held plan ignored,
    # B's block would take P.
    inst = instance(
        [officer("B", preferences=["P"]), officer("A", preferences=["Q"])],
        [posting("P"), posting("Q")],
        [demand("P", 0, 1, 1, 1)],
        rules(2, deployment=2, rest=0),
    )
    candidates = Candidates(inst)
    held = Plan((Deployment("A", "P", *inst.rules.deployment_span(0)),))
    assert validate(inst, held).ok
    found = {}
    for block in (2, 1):
        _in_blocks(monkeypatch, block)
        plan = combine(inst, candidates, _columns(inst, [(100.0, 0.0)]), [held],
                       time.perf_counter() + 60)
        assert plan is not None
        found[block] = [(d.officer, d.posting) for d in plan.deployments]
    assert found == {2: [("B", "P")], 1: [("A", "P")]}


def test_officers_who_could_trade_places_share_a_block(monkeypatch: pytest.MonkeyPatch) -> None:
    # A holds P but listed Q; C holds Q but listed P; B and D hold nothing and listed P and Q.
    # Two officers at a time: if A shares a block with B (or C), B takes P over (or A and C swap)
    # and likewise for Q, so nobody serves a posting they did not list. Blocks made by what each
    # holds, with those holding none spread over them, would pair A with D and C with B, who
    # can only keep things as they are (each posting is full): 10 instead of 0.
    _in_blocks(monkeypatch, 2)
    inst = instance(
        [officer("A", preferences=["Q"]), officer("D", preferences=["Q"]),
         officer("C", preferences=["P"]), officer("B", preferences=["P"])],
        [posting("P"), posting("Q")],
        [demand("P", 0, 1, 1, 1), demand("Q", 0, 1, 1, 1)],
        rules(2, deployment=2, rest=0),
    )
    start, end = inst.rules.deployment_span(0)
    held = Plan((Deployment("A", "P", start, end), Deployment("C", "Q", start, end)))
    assert validate(inst, held).cost_by_rule["preferences"] == 10
    plan = combine(inst, Candidates(inst), _columns(inst, [(100.0, 0.0)]), [held],
                   time.perf_counter() + 60)
    assert plan is not None
    assert validate(inst, plan).objective == 0


def test_an_officer_who_keeps_a_deployment_may_give_up_a_seat_another_needs() -> None:
    # P (months 2-3) and Q (months 4-5) each need one officer with course c. The early session
    # is the only one that prepares for P; the later one prepares for Q only. U holds Q and
    # the early seat; M, who listed P, is chosen for P, U keeps Q. With U's seat held, M could
    # not be trained and P would go unstaffed (2,000); U takes the later session instead.
    early = session("early", "c", first_day(0), first_day(0) + timedelta(days=4))
    later = session("later", "c", first_day(2), first_day(2) + timedelta(days=4))
    inst = instance(
        [officer("U", preferences=["Q"]), officer("M", preferences=["P"])],
        [posting("P", courses=["c"]), posting("Q", courses=["c"])],
        [demand("P", 2, 3, 1, 1), demand("Q", 4, 5, 1, 1)],
        rules(6, deployment=2, rest=0, max_deployments=1),
        ["c"],
        sessions=[early, later],
    )
    held = plan(dep("U", "Q", 4), enrolments=[enrol("U", early)])
    assert validate(inst, held).ok
    combined = combine(inst, Candidates(inst), _columns(inst, [(500.0, 0.0)]), [held],
                       time.perf_counter() + 60)
    assert combined is not None
    verdict = validate(inst, combined)
    assert verdict.ok, verdict.violations
    assert sorted((d.officer, d.posting) for d in combined.deployments) == [("M", "P"),
                                                                            ("U", "Q")]
    assert sorted((e.officer, e.session) for e in combined.enrolments) == [("M", "early"),
                                                                           ("U", "later")]
    assert not verdict.unmet


def test_a_mix_minimum_is_met_whatever_the_shortfall_would_cost() -> None:
    # The only supervisor listed Q, so sending them to P costs 5 while leaving P's one month
    # short cost only 1 as headcount: the mix must still be met, as it is in the model.
    inst = instance(
        [officer("S", "inspector", preferences=["Q"])],
        [posting("P", supervisors=1), posting("Q")],
        [demand("P", 0, 1, 0, 1)],
        rules(2, deployment=2, rest=0, unmet=1),
    )
    candidates = Candidates(inst)
    columns = _columns(inst, [(0.0, 100.0)])
    plan = combine(inst, candidates, columns, [first_plan(inst, candidates)],
                   time.perf_counter() + 60)
    assert plan is not None
    assert [(d.officer, d.posting) for d in plan.deployments] == [("S", "P")]
    assert validate(inst, plan).ok


def test_the_cheaper_schedule_is_chosen_and_staffed() -> None:
    # One place for one officer over two months; A did not list P, so sending A costs 5.
    # Priced at 100 a month, both officers' best schedules go to P; only one fits.
    inst = instance(
        [officer("A", preferences=["Q"]), officer("B")],
        [posting("P"), posting("Q")],
        [demand("P", 0, 1, 1, 1)],
        rules(2, deployment=2, rest=0),
    )
    columns = _columns(inst, [(100.0, 0.0)])
    assert {officer for officer, schedule, _ in columns.priced() if schedule} == {0, 1}
    plan = combine(inst, Candidates(inst), columns, [], time.perf_counter() + 60)
    assert plan is not None
    assert [(d.officer, d.posting) for d in plan.deployments] == [("B", "P")]
    assert validate(inst, plan).objective == 0


def _greedy_beats_myopia() -> tuple[Instance, Plan, Plan]:
    """P (months 0-1) and Q (months 2-3, Khmer 1), one tour each. The plain greedy sends B to P
    (A listed only Q, so A costs 5 there), and then nobody can go to Q: 2,000. The choice
    sends A to P and B, the only Khmer speaker, to Q: 5. The case, its first plan and the
    witness."""
    inst = instance(
        [officer("A", preferences=["Q"]),
         officer("B", certificates=[khmer(1, first_day(-12))])],
        [posting("P"), posting("Q", khmer=1)],
        [demand("P", 0, 1, 1, 1), demand("Q", 2, 3, 1, 1)],
        rules(4, deployment=2, rest=0, max_deployments=1),
    )
    first = first_plan(inst, Candidates(inst))
    assert validate(inst, first).objective == 2000
    return inst, first, plan(dep("A", "P", 0), dep("B", "Q", 2))


@pytest.mark.parametrize("staffing", ["dearer", "none"])
def test_the_greedy_led_by_the_choice_staffs_it_when_cp_sat_does_worse_or_nothing(
        monkeypatch: pytest.MonkeyPatch, staffing: str) -> None:
    inst, first, witness = _greedy_beats_myopia()
    if staffing == "dearer":  # too many to staff at once, and CP-SAT's plan is the dearer
        monkeypatch.setattr(combine_module, "STAFF_UP_TO", 1)
        monkeypatch.setattr(combine_module, "_staff", lambda *args: first)
    else:
        monkeypatch.setattr(combine_module, "_staff", lambda *args: None)
    tally: dict[str, int] = {}
    combined = combine(inst, Candidates(inst), _columns(inst, []), [first, witness],
                       time.perf_counter() + 60, tally=tally)
    assert combined is not None
    assert tally["combine_led"] == 1
    assert sorted((d.officer, d.posting) for d in combined.deployments) == [("A", "P"),
                                                                             ("B", "Q")]
    verdict = validate(inst, combined)
    assert verdict.ok and verdict.objective == 5


def test_of_the_greedy_and_the_staffing_the_cheaper_plan_is_kept(
        monkeypatch: pytest.MonkeyPatch) -> None:
    inst, first, witness = _greedy_beats_myopia()
    monkeypatch.setattr(combine_module, "STAFF_UP_TO", 1)
    monkeypatch.setattr(combine_module, "first_plan", lambda *args: first)  # the dearer
    tally: dict[str, int] = {}
    combined = combine(inst, Candidates(inst), _columns(inst, []), [first, witness],
                       time.perf_counter() + 60, tally=tally)
    assert combined is not None and "combine_led" not in tally
    assert validate(inst, combined).objective == 5


def test_the_example_combines_to_a_valid_plan_no_dearer_than_the_greedy() -> None:
    inst = load_case(EXAMPLE)
    candidates = Candidates(inst)
    first = first_plan(inst, candidates)
    columns = _columns(inst, [(lam, lam / 5) for lam in (50.0, 100.0, 200.0, 400.0, 800.0)])
    plan = combine(inst, candidates, columns, [first], time.perf_counter() + 120)
    assert plan is not None
    verdict = validate(inst, plan)
    assert verdict.ok, verdict.violations
    assert verdict.objective <= validate(inst, first).objective


def test_the_solver_offers_combined_plans_and_counts_them(monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    monkeypatch.setattr(orchestrator_module, "NEIGHBOURHOODS_ABOVE", 0)
    inst = load_case(EXAMPLE)
    result = orchestrator_module.solve(inst, replace(inst.solver, time_limit=600, work_limit=12))
    assert result.stats["combined_plans"] == len(beside_module.COMBINE_AT) == 3
    assert result.stats["best_combined_plan_objective"] >= result.objective
    # Only the last offer combined also leads the greedy, after its combination.
    assert result.stats.get("led_plans", 0) + result.stats.get("led_plans_failed", 0) == 1


def test_a_later_combination_starts_from_the_best_combined_plan(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(orchestrator_module, "NEIGHBOURHOODS_ABOVE", 0)
    calls: list[tuple[list[Plan], Plan | None]] = []

    def recording(inst: Instance, candidates: Any, columns: Columns, plans: list[Plan],
                  *args: Any, **kwargs: Any) -> Plan | None:
        plan = combine(inst, candidates, columns, plans, *args, **kwargs)
        calls.append((list(plans), plan))
        return plan

    monkeypatch.setattr(beside_module, "combine", recording)
    inst = load_case(EXAMPLE)
    result = orchestrator_module.solve(inst, replace(inst.solver, time_limit=600, work_limit=12))
    assert len(calls) == len(beside_module.COMBINE_AT) == 3
    (first_plans, first_made), (second_plans, second_made), (third_plans, _) = calls
    assert first_made is not None
    first_cost = validate(inst, first_plans[0]).objective
    assert validate(inst, first_made).objective < first_cost  # so the second holds it
    assert second_plans[0] == first_made and first_plans[0] in second_plans
    # The third holds the cheaper of the two made before it (the first on a tie).
    held = first_made
    if second_made is not None:
        verdict = validate(inst, second_made)
        if verdict.ok and verdict.objective < validate(inst, first_made).objective:
            held = second_made
    assert third_plans[0] == held and first_plans[0] in third_plans
    assert result.stats["combined_plans"] == 3


def test_a_failing_combination_leaves_the_bound_and_says_so(monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    monkeypatch.setattr(orchestrator_module, "NEIGHBOURHOODS_ABOVE", 0)

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("combination broke")

    monkeypatch.setattr(beside_module, "combine", broken)
    inst = load_case(EXAMPLE)
    result = orchestrator_module.solve(inst, replace(inst.solver, time_limit=600, work_limit=12))
    assert "bound_failed" not in result.stats and "combined_plans" not in result.stats
    assert result.stats["combined_plans_failed"] == len(beside_module.COMBINE_AT)
    assert result.bound is not None and result.bound > 400


def _step_times(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """When each neighbourhood step of the search starts, from now on."""
    steps: list[float] = []
    real_step = lns_module._Search.step

    def step(self: Any, *args: Any, **kwargs: Any) -> Any:
        steps.append(time.perf_counter())
        return real_step(self, *args, **kwargs)

    monkeypatch.setattr(lns_module._Search, "step", step)
    return steps


def test_the_search_waits_for_no_combination_there_is_no_time_for(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # No combination starts without time for its staffing; then none later will either, so
    # the search goes on at once instead of waiting for the next offer.
    monkeypatch.setattr(orchestrator_module, "NEIGHBOURHOODS_ABOVE", 0)
    monkeypatch.setattr(beside_module, "staffing_seconds", lambda inst: 1e6)
    offered: list[float] = []
    real_bound = beside_module.lower_bound

    def slow_offers(*args: Any, schedules: Any = None, **kwargs: Any) -> Any:
        def offer(*made: Any) -> None:
            schedules(*made)
            offered.append(time.perf_counter())
            time.sleep(1.0)  # the next offer comes a second later at least
        return real_bound(*args, schedules=offer, **kwargs)

    monkeypatch.setattr(beside_module, "lower_bound", slow_offers)
    steps = _step_times(monkeypatch)
    inst = load_case(EXAMPLE)
    result = orchestrator_module.solve(inst, replace(inst.solver, time_limit=600, work_limit=12))
    assert "combined_plans" not in result.stats and "combined_plans_failed" not in result.stats
    assert len(offered) >= 2 and steps
    assert offered[0] < min(steps) < offered[1]


def test_the_search_waits_for_the_combination(monkeypatch: pytest.MonkeyPatch) -> None:
    # The bound and the combination get the search's core: no neighbourhood step starts before
    # the combined plan is made. Meanwhile the bound's rises are still shown.
    monkeypatch.setattr(orchestrator_module, "NEIGHBOURHOODS_ABOVE", 0)
    windows: list[tuple[float, float]] = []
    real_combine = combine

    def slow_combine(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        time.sleep(1.0)
        plan = real_combine(*args, **kwargs)
        windows.append((began, time.perf_counter()))
        return plan

    monkeypatch.setattr(beside_module, "combine", slow_combine)
    steps = _step_times(monkeypatch)
    inst = load_case(EXAMPLE)
    shown: list[tuple[float, int | None]] = []
    result = orchestrator_module.solve(inst, replace(inst.solver, time_limit=600, work_limit=12),
                                 lambda p: shown.append((time.perf_counter(), p.bound)))
    assert result.stats["combined_plans"] == len(windows) == len(beside_module.COMBINE_AT)
    began, ended = windows[0]
    assert steps and min(steps) > max(end for _, end in windows)
    bounds = [bound for t, bound in shown if began < t < ended]
    assert len(set(bounds)) >= 2


@pytest.mark.parametrize(("holding", "priced_up_to", "rounds", "waits"),
                         [(11, 600, 0, True), (12, 600, 0, False), (10, 600, 0, False),
                          (11, 0, 0, False), (11, 600, 1, False)])
def test_the_search_waits_for_the_bound_while_its_plan_is_one_above(
        monkeypatch: pytest.MonkeyPatch, holding: int, priced_up_to: int, rounds: int,
        waits: bool) -> None:
    # Bound 10 and the search's plan 11: the search can only end by a plan of 10, which a proof
    # after the bound's steps finds too, so it waits for them; at 12 it may find 11 itself, at
    # 10 it is done, where no rounds and proof follow (PRICED_UP_TO) it has nothing to wait
    # for, and once the rounds from the pool have begun it goes on beside them.
    release = threading.Event()

    def steps(inst: Instance, candidates: Any, upper: int, deadline: float, **kwargs: Any
              ) -> Bound:
        kwargs["better"](10)
        for done in range(1, rounds + 1):
            kwargs["rounded"](done)
        release.wait(10)  # the steps (or rounds) go on until the test lets them end
        return Bound(10, 1, 0.0, rounds)

    monkeypatch.setattr(beside_module, "lower_bound", steps)
    monkeypatch.setattr(beside_module, "PRICED_UP_TO", priced_up_to)
    inst = load_case(EXAMPLE)
    beside = beside_module.BoundBeside(inst, Candidates(inst), Plan(()), 100,
                                        time.perf_counter() + 60, None, 0)
    beside._combination_ahead = False  # no combination offered here, none to wait for
    beside.start()
    while beside.value is None:
        time.sleep(0.01)
    began = time.perf_counter()
    threading.Timer(1.0, release.set).start()
    beside.offers(0, lambda: False, holding)
    waited = time.perf_counter() - began
    release.set()
    beside.finish(None)
    assert (waited >= 1.0) == waits


@pytest.mark.parametrize(("offered", "waits"), [(11, True), (12, False), (None, False)])
def test_the_search_waits_for_the_bound_when_a_plan_handed_on_is_one_above(
        monkeypatch: pytest.MonkeyPatch, offered: int | None, waits: bool) -> None:
    # The search holds 12 against a bound of 10, so it would go on; a combined plan of 11
    # handed on now puts it one above, where it waits for the steps and a proof as with its
    # own plan. One of 12 changes nothing, nor does no plan at all.
    release = threading.Event()

    def steps(inst: Instance, candidates: Any, upper: int, deadline: float, **kwargs: Any
              ) -> Bound:
        kwargs["better"](10)
        release.wait(10)
        return Bound(10, 1, 0.0)

    monkeypatch.setattr(beside_module, "lower_bound", steps)
    inst = load_case(EXAMPLE)
    beside = beside_module.BoundBeside(inst, Candidates(inst), Plan(()), 100,
                                        time.perf_counter() + 60, None, 0)
    beside._combination_ahead = False
    if offered is not None:
        slot = beside_module._Slot()
        slot.made = (Plan(()), SimpleNamespace(ok=True, objective=offered))
        slot.ready.set()
        beside._slots.append(slot)
    beside.start()
    while beside.value is None:
        time.sleep(0.01)
    began = time.perf_counter()
    threading.Timer(1.0, release.set).start()
    handed = beside.offers(0, lambda: False, 12)
    waited = time.perf_counter() - began
    release.set()
    beside.finish(None)
    assert len(handed) == (offered is not None)
    assert (waited >= 1.0) == waits


def test_a_stop_shared_by_two_searches_stops_both() -> None:
    # A combination and a proof may run side by side under one Stop: setting it stops every
    # search under way, not only the last one registered, and none starts afterwards.
    class Search:
        stopped = False

        def stop_search(self) -> None:
            self.stopped = True

    stop = Stop()
    first, second, ended = Search(), Search(), Search()
    assert stop.running(first) and stop.running(second) and stop.running(ended)
    stop.over(ended)
    stop.set()
    assert (first.stopped, second.stopped, ended.stopped) == (True, True, False)
    late = Search()
    assert not stop.running(late)
    stop.set()
    assert not late.stopped


@pytest.mark.parametrize("replay_every", [None, 1])
def test_a_proof_that_raises_the_bound_cuts_the_searchs_step_short_without_a_work_limit(
        replay_every: int | None) -> None:
    # Without a work limit the search's step under way is stopped when a proof raises the
    # bound, so that it sees the bound at once; not when the bound stays, and never under a
    # work limit, where the plan must not depend on when the proof ended.
    inst = load_case(EXAMPLE)
    beside = beside_module.BoundBeside(inst, Candidates(inst), Plan(()), 100,
                                        time.perf_counter() + 60, replay_every, 0)
    cuts: list[int] = []
    beside.listen(lambda: cuts.append(1))
    beside._raise(5)
    beside._raise(4)
    beside._raise(5)
    assert beside.value == 5
    assert len(cuts) == (1 if replay_every is None else 0)
    # Once the search has said its plan costs 12, a bound of 10 changes nothing for it; 11
    # (one below: it waits) and an optimum found do.
    beside._holding = 12
    beside._raise(10)
    assert len(cuts) == (1 if replay_every is None else 0)
    beside._raise(11)
    beside._news(found=True)
    assert len(cuts) == (3 if replay_every is None else 0)


def test_cutting_the_search_short_stops_its_step_but_not_the_search() -> None:
    # improve() hands over the function that stops the step under way; unlike Ctrl-C it
    # leaves the search going.
    inst = load_case(EXAMPLE)
    handed: list[Any] = []
    lns_module.improve(inst, first_plan(inst, Candidates(inst)), replace(
        inst.solver, time_limit=60, work_limit=0.01), Candidates(inst),
        time.perf_counter() + 60, cut=handed.append)
    assert len(handed) == 1
    search = handed[0].__self__

    class Running:
        stopped = False

        def stop_search(self) -> None:
            self.stopped = True

    running = Running()
    search.running = running
    handed[0]()
    assert running.stopped and not search.interrupted


def test_the_pool_keeps_schedules_of_three_or_more_deployments() -> None:
    # Deployments of 2 months, no rest, 6 months: three fit, and the posting needs one
    # officer every month, which only three deployments of the one officer give.
    inst = instance([officer("a")], [posting("P")], [demand("P", 0, 5, 1, 1)],
                    rules(months=6, deployment=2, rest=0))
    columns = _columns(inst, [(1000.0, 0.0)])
    assert columns.rows.most == 3
    schedules = {schedule for _, schedule, _ in columns.priced()}
    assert ((0, 0), (0, 2), (0, 4)) in schedules
    plan = combine(inst, Candidates(inst), columns, [], time.perf_counter() + 60)
    assert plan is not None
    verdict = validate(inst, plan)
    assert verdict.ok and verdict.objective == 0 and len(plan.deployments) == 3


def test_where_three_or_more_tours_fit_the_staffing_chooses_among_every_start_of_a_split_officer(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # P needs one officer in each of three months; one-month deployments and no rest, so an
    # officer fits three. A, B and E each have one pair of P's months in the pool (any two pairs
    # share a month): the relaxation takes half of each and covers P in full, while a choice of
    # one pool schedule each leaves a month short. Where three or more tours fit, no exact
    # choice is made: each split officer may take any start of their shared schedules, and the
    # staffing covers every month.
    inst = instance([officer("A"), officer("B"), officer("E")], [posting("P")],
                    [demand("P", 0, 2, 1, 1)], rules(3, deployment=1, rest=0))
    columns = Columns(Relaxation(inst, Candidates(inst), time.perf_counter() + 60))
    assert columns.rows.most == 3
    pairs = {0: ((0, 0), (0, 1)), 1: ((0, 1), (0, 2)), 2: ((0, 0), (0, 2))}
    columns._long.update(pairs.items())
    relaxed = combine_module._choose_relaxed(inst, columns.rows, columns.priced(),
                                             time.perf_counter() + 60, Stop(), exact=False)
    assert relaxed == (pairs, 3, frozenset(pairs))

    def exact_choice(*_: Any) -> None:
        raise AssertionError("the exact choice was asked for")

    monkeypatch.setattr(combine_module, "_choose", exact_choice)
    plan = combine(inst, Candidates(inst), columns, [], time.perf_counter() + 60)
    assert plan is not None
    verdict = validate(inst, plan)
    assert verdict.ok and verdict.cost_by_rule["coverage"] == 0, verdict.cost_by_rule
    assert {(d.officer, inst.rules.month_of(d.start)) for d in plan.deployments} <= {
        (inst.officers[o].id, s) for o, pair in pairs.items() for _, s in pair}


def test_a_split_officer_left_to_the_staffing_has_every_start_of_any_share_and_is_staffed_anew(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The relaxation's values set by hand (as above). A holds the pair at 0 and 1 in the plan
    # the combination starts from and is split between it and nothing, so the starts left to
    # them are the very pair they hold; B is split between that pair and a tour at 2, so may
    # take all three starts; E holds the tour at 2 and takes it whole. A is staffed anew all
    # the same (the staffing may give them less than they hold); E keeps what they hold.
    inst = instance([officer("A"), officer("B"), officer("E")], [posting("P")],
                    [demand("P", 0, 2, 1, 1)], rules(3, deployment=1, rest=0))
    rows = Relaxation(inst, Candidates(inst), time.perf_counter() + 60)
    assert rows.most == 3
    pair, last = ((0, 0), (0, 1)), ((0, 2),)
    share = {(0, pair): 0.5, (0, ()): 0.5, (1, pair): 0.5, (1, last): 0.5, (2, last): 1.0}
    pool = [(0, (), 0), (0, pair, 0), (1, (), 0), (1, pair, 0), (1, last, 0), (2, (), 0),
            (2, last, 0)]
    _relaxed_by_hand(monkeypatch, share)
    relaxed = combine_module._choose_relaxed(inst, rows, pool, time.perf_counter() + 60, Stop(),
                                             exact=False)
    assert relaxed == ({0: pair, 1: ((0, 0), (0, 1), (0, 2)), 2: last}, 2, frozenset({0, 1}))
    # The whole combination with that choice.
    start = Plan(tuple(Deployment(o, "P", *inst.rules.deployment_span(t))
                       for o, t in (("A", 0), ("A", 1), ("E", 2))))
    assert validate(inst, start).ok
    monkeypatch.setattr(combine_module, "_choose_relaxed", lambda *_, **__: relaxed)
    moved: list[frozenset[str]] = []
    staff = combine_module._staff

    def watched(*args: Any) -> Any:
        moved.append(args[3])
        return staff(*args)

    monkeypatch.setattr(combine_module, "_staff", watched)
    plan = combine(inst, Candidates(inst), Columns(rows), [start], time.perf_counter() + 60)
    assert plan is not None and validate(inst, plan).ok
    assert moved and "A" in moved[0] and "E" not in moved[0]


@solving(60)
@given(instances(sessions=(0, 4), training=True), st.randoms(use_true_random=False))
def test_a_combined_plan_of_any_number_of_tours_breaks_no_hard_rule(
        inst: Instance, rng: random.Random) -> None:
    candidates = Candidates(inst)
    prices = [(rng.uniform(0, 1500), rng.uniform(0, 300)) for _ in range(rng.randint(1, 6))]
    columns = _columns(inst, prices)
    first = first_plan(inst, candidates)
    # A plan's schedules of any length the relaxation allows join the pool whole.
    held = columns.schedules_of(first)
    assert all(len(s) <= max(columns.rows.most, 2) for s in held.values())
    plan = combine(inst, candidates, columns, [first], time.perf_counter() + 60)
    if plan is None:
        return
    verdict = validate(inst, plan)
    assert verdict.ok, verdict.violations
