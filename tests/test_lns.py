"""Neighbourhood search: plans stay valid, only get cheaper, replay with a work limit, stop on
Ctrl-C; and the sub-models it solves hold the rest of the plan fixed."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given

from rotation.domain import Instance, SolverSettings
from rotation.io import load_case
from rotation.plan import Plan, SolveStatus
from rotation.solve import beside as beside_module
from rotation.solve import neighbourhoods as lns_module
from rotation.solve import orchestrator as orchestrator_module
from rotation.solve.bound import lower_bound
from rotation.solve.first_plan import first_plan
from rotation.solve.model import Candidates
from rotation.solve.neighbourhoods import Offers, Outcome, _Search, improve
from rotation.validate import Verdict, validate
from tests.builders import demand, dep, instance, officer, plan, posting, rules
from tests.test_properties import instances, solving

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "cambodia-2025"


def _candidates(inst: Instance) -> Candidates:
    return Candidates(inst)


@solving(40)
@given(instances(sessions=(0, 3)))
def test_improving_keeps_every_hard_rule_and_never_costs_more(inst: Instance) -> None:
    candidates = Candidates(inst)
    start = first_plan(inst, candidates)
    before = validate(inst, start)
    limits = SolverSettings(time_limit=60, seed=0, workers=1, work_limit=0.5)
    outcome = improve(inst, start, limits, candidates, time.perf_counter() + 60)
    after = validate(inst, outcome.plan)
    assert after == outcome.verdict
    assert len(after.violations) <= len(before.violations)
    if before.ok:
        assert after.ok, after.violations
        assert after.objective <= before.objective


@pytest.fixture(scope="module")
def example() -> Instance:
    return load_case(EXAMPLE)


def test_a_work_limit_replays_the_same_search(example: Instance) -> None:
    candidates = _candidates(example)
    start = first_plan(example, candidates)
    limits = SolverSettings(time_limit=600, seed=3, workers=1, work_limit=4)
    a = improve(example, start, limits, candidates, time.perf_counter() + 600)
    b = improve(example, start, limits, candidates, time.perf_counter() + 600)
    assert a.stopped == b.stopped == "work limit"
    assert (a.plan, a.steps, a.improvements) == (b.plan, b.steps, b.improvements)
    assert a.verdict.ok and a.verdict.objective < validate(example, start).objective


def test_the_search_goes_on_from_an_offered_plan_only_when_it_is_better(
    example: Instance,
) -> None:
    candidates = _candidates(example)
    start = first_plan(example, candidates)
    limits = SolverSettings(time_limit=600, seed=3, workers=1, work_limit=4)
    better = improve(example, start, limits, candidates, time.perf_counter() + 600)
    assert better.verdict.objective < validate(example, start).objective
    asked: list[int] = []

    def offer(plan: Plan, verdict: Verdict) -> Offers:
        def offers(steps: int, interrupted: Callable[[], bool], holding: int | None
                   ) -> list[tuple[Plan, Verdict]]:
            asked.append(steps)
            return [(plan, verdict)] if steps == 1 else []
        return offers

    # Offered after the first step: the search continues from it and ends no worse.
    took = improve(example, start, replace(limits, work_limit=2), candidates,
                   time.perf_counter() + 600, offers=offer(better.plan, better.verdict))
    assert took.verdict.ok and took.verdict.objective <= better.verdict.objective
    assert asked[:2] == [0, 1]
    # The first plan offered back to a search that is past it: ignored.
    kept = improve(example, better.plan, replace(limits, work_limit=2), candidates,
                   time.perf_counter() + 600, verdict=better.verdict,
                   offers=offer(start, validate(example, start)))
    assert kept.verdict.objective <= better.verdict.objective


def test_ctrl_c_stops_the_search_and_keeps_the_best_plan(example: Instance) -> None:
    candidates = _candidates(example)
    start = first_plan(example, candidates)
    limits = SolverSettings(time_limit=600, seed=0, workers=1)
    # Whatever handled Ctrl-C before (Python's own, or nothing for a process started in the
    # background) handles it again after.
    before = signal.getsignal(signal.SIGINT)

    def press_ctrl_c(objective: int) -> None:
        signal.raise_signal(signal.SIGINT)

    outcome = improve(example, start, limits, candidates, time.perf_counter() + 600, press_ctrl_c)
    assert outcome.stopped == "interrupted"
    assert outcome.improvements == 1
    assert outcome.verdict.ok and outcome.verdict == validate(example, outcome.plan)
    assert signal.getsignal(signal.SIGINT) is before


def test_a_neighbourhood_model_holds_everyone_else_fixed(example: Instance) -> None:
    start = first_plan(example, _candidates(example))
    free = frozenset(sorted({d.officer for d in start.deployments})[:5])
    model = Candidates(example).build(start, free)
    officers = {key[0] for key, _ in model.variables.items()}
    assert officers <= free
    for d in start.deployments:
        month = example.rules.month_of(d.start)
        if d.officer not in free:
            assert d.officer in model.variables.held(d.posting, month)
    for e in start.enrolments:
        if e.officer not in free:
            session = example.session_by_id[e.session]
            assert model.variables.seats_left(session) < session.seats


@pytest.mark.parametrize("priced", [True, False])
def test_large_cases_are_solved_by_neighbourhoods(
    example: Instance, monkeypatch: pytest.MonkeyPatch, priced: bool
) -> None:
    monkeypatch.setattr(orchestrator_module, "NEIGHBOURHOODS_ABOVE", 0)
    if not priced:  # the bound's subgradient steps alone
        monkeypatch.setattr(beside_module, "PRICED_UP_TO", 0)
    limits = replace(example.solver, time_limit=600, work_limit=3)
    seen: list[int] = []
    result = orchestrator_module.solve(example, limits, lambda p: seen.append(p.objective))
    # The Lagrangian bound (rotation/bound.py) stands in for the one the search cannot prove.
    # Here its steps alone reach the optimum (476), with or without the rounds priced by its
    # pool's relaxation to follow them (the search, holding the combined optimum by then,
    # usually stops before any round): either way the plan is proven optimal.
    assert result.bound is not None and result.objective is not None
    assert result.status == SolveStatus.OPTIMAL and result.bound == result.objective
    if priced:
        assert result.stopped == "bound reached"
    else:
        assert result.stats["bound_rounds"] == 0
    assert result.plan is not None
    verdict = validate(example, result.plan)
    assert verdict.ok, verdict.violations
    assert result.objective == verdict.objective == seen[-1]
    assert result.cost_by_rule == verdict.cost_by_rule
    assert result.objective < result.stats["first_plan_objective"] == seen[0]
    # Improvements count the plans taken from the bound's offers too, which need no step of
    # the search: holding a plan one above the bound it waits for the steps instead.
    assert result.stats["improvements"] >= 1


def test_a_work_limit_replays_the_plans_the_bound_leads_to(
    example: Instance, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The bound's schedules lead a greedy to whole plans, made on the bound's thread; with a
    # work limit the search considers them at fixed steps, so two runs give the same plan.
    monkeypatch.setattr(orchestrator_module, "NEIGHBOURHOODS_ABOVE", 0)
    # Without the bound's rounds priced by its pool, and with its steps cut short, since both
    # reach the plan here: a search that stops because the bound met it stops when the bound
    # gets there, which depends on timing.
    monkeypatch.setattr(beside_module, "PRICED_UP_TO", 0)
    monkeypatch.setattr(beside_module, "lower_bound", partial(lower_bound, iterations=300))
    limits = replace(example.solver, time_limit=600, work_limit=8)
    a, b = (orchestrator_module.solve(example, limits) for _ in range(2))
    assert a.stopped == b.stopped == "work limit"
    assert a.stats["led_plans"] >= 1
    timed = {"bound_ms", "combine_choice_ms"}
    assert a.plan == b.plan
    assert {k: v for k, v in a.stats.items() if k not in timed} == {
        k: v for k, v in b.stats.items() if k not in timed}


def test_small_cases_are_solved_whole() -> None:
    small = instance([officer(f"O{i}") for i in range(4)], [posting("P"), posting("Q")],
                     [demand("P", 0, 5, 1, 2), demand("Q", 2, 5, 1, 1)], rules(6))
    assert orchestrator_module.candidate_starts(small) <= orchestrator_module.NEIGHBOURHOODS_ABOVE
    result = orchestrator_module.solve(small)
    assert result.status == SolveStatus.OPTIMAL
    assert "variables" in result.stats and "neighbourhoods" not in result.stats


def test_the_example_is_solved_by_neighbourhoods_and_proved_optimal(example: Instance) -> None:
    # 9,120 candidate starts: the whole model took 85.6 s to prove 476 optimal, this path about 3 s.
    assert orchestrator_module.candidate_starts(example) > orchestrator_module.NEIGHBOURHOODS_ABOVE
    result = orchestrator_module.solve(example, replace(example.solver, time_limit=120))
    assert "neighbourhoods" in result.stats
    assert result.status == SolveStatus.OPTIMAL and result.objective == result.bound
    assert result.plan is not None and validate(example, result.plan).objective == result.objective


def test_a_mix_the_pool_cannot_meet_is_left_short_on_the_neighbourhood_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(orchestrator_module, "NEIGHBOURHOODS_ABOVE", 0)
    inst = Instance(
        name="no supervisors",
        rules=rules(6, deployment=3, rest=0),
        officers=(officer("A"), officer("B")),
        postings=(posting("P", supervisors=1),),
        demands=(demand("P", 0, 5, 1, 1),),
    )
    result = orchestrator_module.solve(inst, SolverSettings(time_limit=20, seed=0, workers=1))
    assert "neighbourhoods" in result.stats
    assert result.status == SolveStatus.OPTIMAL and result.plan is not None
    assert result.unmet == () and sum(g.missing for g in result.unmet_mix) == 6
    assert validate(inst, result.plan).objective == result.objective


def test_a_first_plan_the_search_cannot_mend_goes_back_to_the_whole_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(orchestrator_module, "NEIGHBOURHOODS_ABOVE", 0)
    inst = Instance(
        name="two at once",
        rules=rules(6, deployment=3, rest=0),
        officers=(officer("A"), officer("B")),
        postings=(posting("P"), posting("Q")),
        demands=(demand("P", 0, 5, 1, 1), demand("Q", 0, 5, 1, 1)),
    )
    # A first plan breaking one-at-a-time, which the search gives back unmended.
    broken = plan(dep("A", "P", 0, 3), dep("A", "Q", 0, 3))
    monkeypatch.setattr(orchestrator_module, "first_plan", lambda inst, candidates: broken)

    def unmended(inst: Instance, first: Plan, *args: Any, **kwargs: Any) -> Outcome:
        return Outcome(first, validate(inst, first), 3, 0, 0.3, "hard rule not mended")

    monkeypatch.setattr(orchestrator_module, "improve", unmended)
    result = orchestrator_module.solve(inst, SolverSettings(time_limit=20, seed=0, workers=1))
    assert "neighbourhoods" not in result.stats
    assert result.status == SolveStatus.OPTIMAL and result.plan is not None
    assert validate(inst, result.plan).ok


def test_fairness_neighbourhood_pairs_an_officer_over_the_target_with_one_below_it() -> None:
    # A has two hardship-3 tours at P (load 18, target 9); B has none, so one tour there would
    # leave B at 9; C's tour at Q already puts C at 9, so another would take C over.
    inst = Instance(
        name="fairness neighbourhood",
        rules=rules(12, deployment=3, rest=0, target=9),
        officers=(officer("A"), officer("B"), officer("C")),
        postings=(posting("P", hardship=3), posting("Q", hardship=3)),
        demands=(demand("P", 0, 11, 0, 2), demand("Q", 0, 11, 0, 2)),
    )
    current = plan(dep("A", "P", 0, 3), dep("A", "P", 6, 3), dep("C", "Q", 0, 3))
    search = _Search(inst, inst.solver, Candidates(inst))
    chosen = search._around_excess(current)
    assert chosen[0] == "A"
    assert "B" in chosen and "C" not in chosen


@pytest.mark.parametrize("cut", [True, False])
def test_steps_cut_short_from_elsewhere_count_as_no_failed_repair(example: Instance,
                                                                   cut: bool) -> None:
    # A plan that breaks a hard rule, and steps that return nothing: three such steps end the
    # search ("hard rule not mended"), and each shrinks the neighbourhood; but steps cut short
    # because a proof landed say nothing of the repair, so they count for neither.
    class Search:
        def __init__(self) -> None:
            self.ids = [o.id for o in example.officers]
            self.size = 30
            self.interrupted = False
            self.was_cut = cut

        def neighbourhood(self, plan: Plan, verdict: Any) -> frozenset[str]:
            return frozenset(self.ids[:3])

        def step(self, plan: Plan, free: frozenset[str], seconds: float
                 ) -> tuple[Plan | None, float, bool]:
            time.sleep(0.01)
            return None, 0.1, False

    broken = SimpleNamespace(ok=False, violations=("two postings at once",), objective=10,
                             unmet=(), unmet_mix=())
    search = Search()
    outcome = lns_module._run(search, example, Plan(()), broken,
                              replace(example.solver, work_limit=None),
                              time.perf_counter() + 0.5, None)
    if cut:
        assert outcome.stopped == "time limit" and search.size == 30 and outcome.steps > 3
    else:
        # (the third ends the search before its own shrink)
        assert outcome.stopped == "hard rule not mended" and outcome.steps == 3
        assert search.size == 20
