"""Fairness: hardship load per officer (planned months + history within the lookback), excess
over the target costs ``weights.fairness`` per unit."""

from __future__ import annotations

from datetime import date

from constraints import fairness
from rotation.domain import PastDeployment
from tests.builders import (
    demand,
    dep,
    instance,
    officer,
    past,
    plan,
    posting,
    rules,
    solve_sound,
)


def _inst(*officers_, months: int = 4, deployment: int = 2, hardship: int = 3, **kw):
    return instance(
        officers_ or [officer("A"), officer("B")],
        [posting("P", hardship=hardship), posting("Z", hardship=0)],
        [demand("P", 0, months - 1, 0, 2), demand("Z", 0, months - 1, 0, 2)],
        rules(months, deployment, **kw),
    )


# -- cost on hand-built plans ----------------------------------------------------------------


def test_cost_is_weight_times_units_above_target() -> None:
    inst = _inst(target=8, fairness=2)
    two = plan(dep("A", "P", 0), dep("A", "P", 2))  # 2 deployments x 2 months x hardship 3
    assert fairness.load(inst, two) == {"A": 12}
    assert fairness.cost(inst, two) == 2 * (12 - 8)


def test_load_at_or_below_target_costs_nothing() -> None:
    inst = _inst(target=6)
    assert fairness.cost(inst, plan(dep("A", "P", 0))) == 0
    assert fairness.cost(inst, plan(dep("A", "P", 0), dep("B", "P", 2))) == 0
    assert fairness.cost(inst, plan()) == 0


def test_cost_adds_up_officer_by_officer() -> None:
    inst = _inst(target=5)
    both = plan(dep("A", "P", 0), dep("B", "P", 2))
    assert fairness.load(inst, both) == {"A": 6, "B": 6}
    assert fairness.cost(inst, both) == 1 + 1


def test_hardship_zero_postings_add_no_load() -> None:
    inst = _inst(target=0)
    assert fairness.load(inst, plan(dep("A", "Z", 0), dep("A", "Z", 2))) == {"A": 0}
    assert fairness.cost(inst, plan(dep("A", "Z", 0))) == 0


def test_weight_zero_costs_nothing() -> None:
    inst = _inst(target=0, fairness=0)
    assert fairness.cost(inst, plan(dep("A", "P", 0))) == 0


def test_docstring_example_two_at_18_cost_less_than_one_at_36() -> None:
    inst = _inst(months=12, deployment=6, target=18)
    piled = plan(dep("A", "P", 0, 6), dep("A", "P", 6, 6))
    shared = plan(dep("A", "P", 0, 6), dep("B", "P", 6, 6))
    assert fairness.load(inst, piled) == {"A": 36}
    assert fairness.load(inst, shared) == {"A": 18, "B": 18}
    assert fairness.cost(inst, piled) == 18
    assert fairness.cost(inst, shared) == 0


def test_history_within_the_lookback_counts_month_by_month() -> None:
    # Lookback 3: months -3, -2, -1 count; month -4 and earlier do not.
    inst = _inst(officer("A", history=[past("P", -5, -1)]), lookback=3, target=0)
    assert fairness.load(inst, plan()) == {"A": 3 * 3}
    assert fairness.cost(inst, plan()) == 9


def test_history_beyond_the_lookback_does_not_count() -> None:
    inst = _inst(officer("A", history=[past("P", -8, -5)]), lookback=5, target=0)
    assert fairness.load(inst, plan()) == {"A": 3}  # only month -5
    inst = _inst(officer("A", history=[past("P", -8, -5)]), lookback=4, target=0)
    assert fairness.load(inst, plan()) == {"A": 0}


def test_history_continuing_into_the_horizon_counts_its_months_inside_too() -> None:
    inst = _inst(officer("A", history=[past("P", -1, 1)]), lookback=0, target=0)
    assert fairness.load(inst, plan(dep("A", "P", 2))) == {"A": 2 * 3 + 2 * 3}


def test_history_and_plan_add_up() -> None:
    inst = _inst(officer("A", history=[past("P", -2, -1)]), target=10, fairness=3)
    assert fairness.load(inst, plan(dep("A", "P", 0))) == {"A": 12}
    assert fairness.cost(inst, plan(dep("A", "P", 0))) == 3 * 2


# -- solver ---------------------------------------------------------------------------------


def test_solver_spreads_hardship_below_target_rather_than_piling_it_up() -> None:
    # Target 6: one officer for all four months would carry 12 (cost 6); two carry 6 each.
    inst = instance(
        [officer("A"), officer("B")],
        [posting("P", hardship=3)],
        [demand("P", 0, 3, 1, 1)],
        rules(4, 2, target=6),
    )
    result, verdict = solve_sound(inst)
    assert result.objective == 0
    assert result.cost_by_rule["fairness"] == 0
    assert result.plan is not None
    assert len(result.plan.for_officer("A")) == 1
    assert len(result.plan.for_officer("B")) == 1
    assert verdict.unmet == ()


def test_solver_sends_the_officer_with_less_past_hardship() -> None:
    inst = instance(
        [officer("A", history=[past("P", -2, -1)]), officer("B")],
        [posting("P", hardship=3)],
        [demand("P", 0, 1, 1, 1)],
        rules(2, 2, target=6),
    )
    result, _ = solve_sound(inst)
    assert result.objective == 0
    assert result.plan is not None
    assert result.plan.deployments == (dep("B", "P", 0),)


def test_unavoidable_excess_is_costed_the_same_by_solver_and_validator() -> None:
    inst = instance(
        [officer("A")],
        [posting("P", hardship=2)],
        [demand("P", 0, 3, 1, 1)],
        rules(4, 2, target=5, fairness=3),
    )
    result, verdict = solve_sound(inst)
    assert result.cost_by_rule["fairness"] == 3 * (8 - 5)
    assert verdict.cost_by_rule["fairness"] == 9
    assert result.objective == 9


def test_past_load_above_target_is_a_fixed_cost() -> None:
    inst = instance(
        [officer("A", history=[past("P", -4, -1)])],
        [posting("P", hardship=2)],
        [demand("P", 0, 1, 0, 1)],
        rules(2, 2, target=5),
    )
    result, _ = solve_sound(inst)
    assert result.plan is not None
    assert result.plan.deployments == ()
    assert result.objective == 8 - 5


def test_a_month_with_two_history_rows_at_one_posting_counts_once() -> None:
    split = [
        PastDeployment("P", date(2025, 12, 1), date(2025, 12, 10)),
        PastDeployment("P", date(2025, 12, 20), date(2025, 12, 31)),
    ]
    inst = _inst(officer("A", history=split), target=0)
    assert fairness.load(inst, plan()) == {"A": 3}
