"""HiGHS on the whole model: the same optimum as CP-SAT's, a bound below it, plans that keep
every hard rule."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given

import rotation.solve.beside as beside_module
import rotation.solve.orchestrator as orchestrator_module
from rotation.domain import Instance
from rotation.plan import SolveStatus
from rotation.solve.bound import Bound
from rotation.solve.mip import solve_mip
from rotation.solve.model import Candidates
from rotation.solve.whole_model import solve_whole
from rotation.validate import validate
from tests.builders import demand, instance, officer, posting, rules
from tests.test_proof import _no_search
from tests.test_properties import instances, solving


@solving(40)
@given(instances(sessions=(0, 3), training=True))
def test_highs_proves_the_whole_models_optimum(inst: Instance) -> None:
    candidates = Candidates(inst)
    whole = solve_whole(inst, inst.solver, None, {}, candidates.rules)
    answer = solve_mip(candidates, 60)
    if whole.status != SolveStatus.OPTIMAL:
        return  # nothing proven to compare against
    assert whole.objective is not None
    assert answer.bound is not None and answer.bound <= whole.objective
    assert answer.plan is not None
    verdict = validate(inst, answer.plan)
    assert verdict.ok, verdict.violations
    assert verdict.objective >= whole.objective
    if answer.optimal:
        assert verdict.objective == whole.objective == answer.bound


def test_a_shortfall_is_a_cost_in_the_mip_as_in_the_model() -> None:
    # One officer, two months of demand for two: one officer-month short each month.
    inst = instance([officer("a")], [posting("P")], [demand("P", 0, 1, 2, 2)],
                    rules(months=2, deployment=2))
    answer = solve_mip(Candidates(inst), 30)
    assert answer.optimal and answer.plan is not None
    verdict = validate(inst, answer.plan)
    assert verdict.ok and verdict.objective == answer.bound == 2 * 1000


def _three_tours() -> Instance:
    # Deployments of 2 months, no rest, 6 months: three fit; the posting needs two officers
    # every month and there is one, so each month is one officer short whatever the plan.
    return instance([officer("a")], [posting("P")], [demand("P", 0, 5, 2, 2)],
                    rules(months=6, deployment=2, rest=0))


def test_highs_beside_the_search_proves_what_the_bound_left_open(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A bound that proves nothing: once it is over, HiGHS solves the whole model beside the
    # search, and its bound meets the plan's cost. The search takes no step of its own (one
    # step over the only officer would prove the plan first, on a loaded machine sometimes).
    monkeypatch.setattr(orchestrator_module, "NEIGHBOURHOODS_ABOVE", 0)
    monkeypatch.setattr(beside_module, "lower_bound",
                        lambda *_, **__: Bound(0, 1, 0.0))
    monkeypatch.setattr(orchestrator_module, "improve", _no_search)
    inst = _three_tours()
    result = orchestrator_module.solve(inst, replace(inst.solver, time_limit=30))
    assert (result.status, result.objective, result.bound) == (SolveStatus.OPTIMAL, 6000, 6000)
    assert result.stats["mip_bound"] == 6000


def test_no_highs_beside_the_search_under_a_work_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    # When HiGHS ends depends on the machine: a run that must replay does without it.
    monkeypatch.setattr(orchestrator_module, "NEIGHBOURHOODS_ABOVE", 0)
    monkeypatch.setattr(beside_module, "lower_bound",
                        lambda *_, **__: Bound(0, 1, 0.0))
    inst = _three_tours()
    result = orchestrator_module.solve(inst, replace(inst.solver, time_limit=30, work_limit=1))
    assert "mip_ms" not in result.stats and "mip_bound" not in result.stats
