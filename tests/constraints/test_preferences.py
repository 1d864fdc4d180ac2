"""Preferences: each deployment at a posting the officer did not list costs the weight."""

from __future__ import annotations

from constraints import preferences
from tests.builders import (
    demand,
    dep,
    instance,
    officer,
    plan,
    posting,
    rules,
    solve_sound,
)


def _inst(*officers_, weight: int = 5, lo: int = 0):
    return instance(
        officers_,
        [posting("P"), posting("Q")],
        [demand("P", 0, 3, lo, 2), demand("Q", 0, 3, 0, 2)],
        rules(4, 2, preference=weight),
    )


def test_cost_per_deployment_outside_the_list() -> None:
    inst = _inst(officer("A", preferences=["Q"]), officer("B"))
    assert preferences.cost(inst, plan(dep("A", "P", 0), dep("A", "P", 2))) == 10
    assert preferences.cost(inst, plan(dep("A", "P", 0), dep("A", "Q", 2))) == 5
    assert preferences.cost(inst, plan(dep("A", "Q", 0), dep("A", "Q", 2))) == 0


def test_officer_without_preferences_costs_nothing() -> None:
    inst = _inst(officer("A", preferences=["Q"]), officer("B"))
    assert preferences.cost(inst, plan(dep("B", "P", 0), dep("B", "Q", 2))) == 0


def test_cost_uses_the_weight() -> None:
    inst = _inst(officer("A", preferences=["P"]), weight=3)
    assert preferences.cost(inst, plan(dep("A", "Q", 0), dep("A", "Q", 2))) == 6
    inst = _inst(officer("A", preferences=["P"]), weight=0)
    assert preferences.cost(inst, plan(dep("A", "Q", 0))) == 0


def test_any_listed_posting_is_preferred() -> None:
    inst = _inst(officer("A", preferences=["Q", "P"]))
    assert preferences.cost(inst, plan(dep("A", "P", 0), dep("A", "Q", 2))) == 0


def test_solver_uses_the_preferred_posting() -> None:
    inst = instance(
        [officer("A", preferences=["Q"]), officer("B")],
        [posting("P"), posting("Q")],
        [demand("P", 0, 1, 1, 1), demand("Q", 0, 1, 1, 1)],
        rules(2, 2),
    )
    result, _ = solve_sound(inst)
    assert result.objective == 0
    assert result.plan is not None
    assert result.plan.deployments == (dep("A", "Q", 0), dep("B", "P", 0))


def test_solver_sends_the_officer_who_asked_for_the_posting() -> None:
    inst = instance(
        [officer("A", preferences=["Q"]), officer("B", preferences=["P"])],
        [posting("P"), posting("Q")],
        [demand("P", 0, 1, 1, 1)],
        rules(2, 2),
    )
    result, _ = solve_sound(inst)
    assert result.objective == 0
    assert result.plan is not None
    assert result.plan.deployments == (dep("B", "P", 0),)


def test_coverage_outweighs_a_preference() -> None:
    inst = instance(
        [officer("A", preferences=["Q"])],
        [posting("P"), posting("Q")],
        [demand("P", 0, 1, 1, 1)],
        rules(2, 2),
    )
    result, verdict = solve_sound(inst)
    assert result.plan is not None
    assert result.plan.deployments == (dep("A", "P", 0),)
    assert result.cost_by_rule["preferences"] == 5
    assert verdict.cost_by_rule["preferences"] == 5
    assert result.objective == 5
