"""Skill and rank mix: supervisors and specialists in every open month, history included.

The mix is soft: what the rules leave short is reported (``skill_mix.unmet``, worded by
``describe``) and costs ``weights.skill_mix`` per role and month, and a case the pool cannot staff
still gets a plan.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from constraints import skill_mix
from rotation.domain import RANKS, Instance, PastDeployment, Weights
from rotation.plan import Plan, SolveStatus
from rotation.solve import solve
from rotation.validate import validate
from tests.builders import (
    FAST,
    assert_blocked,
    demand,
    dep,
    first_day,
    instance,
    officer,
    past,
    plan,
    posting,
    rules,
    solve_sound,
)


def _short(inst: Instance, p: Plan) -> list[str]:
    """What the mix leaves short in ``p``, in the rule's own words."""
    return [skill_mix.describe(inst, gap) for gap in skill_mix.unmet(inst, p)]


def _one_officer(rank: str, months: int = 2, open_months: tuple[int, int] = (0, 1), **kw):
    return instance(
        [officer("A", rank, **kw)],
        [posting("P", supervisors=1)],
        [demand("P", *open_months, 0, 1)],
        rules(months, 2),
    )


def test_smallest_feasible_case_one_inspector() -> None:
    result, _ = solve_sound(_one_officer("inspector"))
    assert result.plan is not None
    assert result.plan.deployments == (dep("A", "P", 0),)
    assert result.objective == 0


def test_smallest_infeasible_case_only_a_sergeant() -> None:
    assert_blocked(_one_officer("sergeant"))


@pytest.mark.parametrize("rank", RANKS)
def test_supervisors_are_inspector_and_above(rank: str) -> None:
    inst = _one_officer(rank)
    if RANKS.index(rank) >= RANKS.index("inspector"):
        result, _ = solve_sound(inst)
        assert result.plan is not None
        assert len(result.plan.deployments) == 1
    else:
        assert_blocked(inst)
    assert _short(inst, plan()) != []


def test_only_open_months_need_the_mix() -> None:
    # Open in months 0..1 only; one two-month deployment satisfies it for the whole horizon.
    inst = _one_officer("inspector", months=4, open_months=(0, 1))
    result, _ = solve_sound(inst)
    assert result.plan is not None
    assert result.plan.deployments == (dep("A", "P", 0),)
    assert _short(inst, plan(dep("A", "P", 0))) == []


def test_open_month_with_minimum_zero_still_needs_the_mix() -> None:
    inst = _one_officer("inspector", months=4, open_months=(0, 3))
    assert _short(inst, plan(dep("A", "P", 0))) == [
        "Post P has no supervisors in 2026-03; it needs 1",
        "Post P has no supervisors in 2026-04; it needs 1",
    ]
    result, _ = solve_sound(inst)
    assert result.plan is not None
    assert len(result.plan.deployments) == 2


def test_mix_needing_more_supervisors_than_the_maximum_allows_is_left_short() -> None:
    inst = instance(
        [officer("A", "inspector"), officer("B", "superintendent")],
        [posting("P", supervisors=2)],
        [demand("P", 0, 1, 0, 1)],
        rules(2, 2),
    )
    assert_blocked(inst)


def test_history_continuing_into_the_horizon_counts_for_the_mix() -> None:
    inst = instance(
        [officer("A", "inspector", history=[past("P", -2, 1)]), officer("B")],
        [posting("P", supervisors=1)],
        [demand("P", 0, 1, 0, 2)],
        rules(2, 1),
    )
    result, _ = solve_sound(inst)
    assert _short(inst, plan()) == []
    assert result.plan is not None


def test_history_that_ended_before_the_horizon_does_not_count() -> None:
    inst = instance(
        [officer("A", "inspector", history=[past("P", -2, -1)])],
        [posting("P", supervisors=1)],
        [demand("P", 0, 0, 0, 1)],
        rules(1, 1),
    )
    assert len(_short(inst, plan())) == 1


def test_specialists_are_required_and_counted() -> None:
    inst = instance(
        [officer("A", specialties=["cyber"]), officer("B")],
        [posting("P", specialists=[("cyber", 1)])],
        [demand("P", 0, 1, 0, 2)],
        rules(2, 2),
    )
    result, _ = solve_sound(inst)
    assert result.plan is not None
    assert dep("A", "P", 0) in result.plan.deployments
    assert _short(inst, plan(dep("B", "P", 0))) == [
        "Post P has no 'cyber' specialists in 2026-01; it needs 1",
        "Post P has no 'cyber' specialists in 2026-02; it needs 1",
    ]


def test_specialist_unable_to_go_leaves_the_specialty_short() -> None:
    inst = instance(
        [officer("A", specialties=["cyber"], history=[past("Q", -1, 0)]), officer("B")],
        [posting("P", specialists=[("cyber", 1)]), posting("Q")],
        [demand("P", 0, 1, 0, 2), demand("Q", 0, 0, 0, 1)],
        rules(2, 2),
    )
    assert_blocked(inst)


def test_an_officer_with_several_specialties_counts_once_for_each() -> None:
    inst = instance(
        [officer("A", "inspector", specialties=["cyber", "financial"])],
        [posting("P", supervisors=1, specialists=[("cyber", 1), ("financial", 1)])],
        [demand("P", 0, 1, 0, 1)],
        rules(2, 2),
    )
    result, _ = solve_sound(inst)
    assert result.plan is not None
    assert result.plan.deployments == (dep("A", "P", 0),)
    assert _short(inst, plan(dep("A", "P", 0))) == []


def test_zero_count_specialty_is_no_requirement() -> None:
    inst = instance(
        [officer("A")],
        [posting("P", specialists=[("cyber", 0)])],
        [demand("P", 0, 1, 0, 1)],
        rules(2, 2),
    )
    assert _short(inst, plan()) == []


def test_checker_accepts_a_mixed_team() -> None:
    inst = instance(
        [officer("A", "inspector"), officer("B", specialties=["cyber"]), officer("C")],
        [posting("P", supervisors=1, specialists=[("cyber", 1)])],
        [demand("P", 0, 1, 0, 3)],
        rules(2, 2),
    )
    team = plan(dep("A", "P", 0), dep("B", "P", 0), dep("C", "P", 0))
    assert _short(inst, team) == []
    assert validate(inst, team).ok
    partial = plan(dep("B", "P", 0), dep("C", "P", 0))
    assert _short(inst, partial) == [
        "Post P has no supervisors in 2026-01; it needs 1",
        "Post P has no supervisors in 2026-02; it needs 1",
    ]
    verdict = validate(inst, partial)
    assert verdict.ok  # soft: a cost, not a broken rule
    assert verdict.cost_by_rule["skill-mix"] == 2 * inst.rules.weights.skill_mix


def test_one_supervisor_with_two_history_rows_in_a_month_counts_once() -> None:
    a = officer(
        "A",
        "inspector",
        history=[
            PastDeployment("P", first_day(-1), first_day(0).replace(day=10)),
            PastDeployment("P", first_day(0).replace(day=20), first_day(0).replace(day=31)),
        ],
    )
    inst = instance([a], [posting("P", supervisors=2)], [demand("P", 0, 0, 0, 2)], rules(1, 1))
    assert _short(inst, plan()) == ["Post P has 1 supervisors in 2026-01; it needs 2"]
    assert_blocked(inst)


def test_an_under_supplied_specialty_gives_a_plan_with_the_shortfall() -> None:
    """Two cyber specialists wanted, one in the pool: the rest is staffed, the gap reported."""
    inst = instance(
        [officer("A", specialties=["cyber"]), officer("B"), officer("C")],
        [posting("P", specialists=[("cyber", 2)])],
        [demand("P", 0, 1, 2, 3)],
        rules(2, 2),
    )
    result = solve(inst, FAST)
    assert result.status == SolveStatus.OPTIMAL and result.plan is not None
    verdict = validate(inst, result.plan)
    assert verdict.ok and verdict.objective == result.objective
    assert [(g.month, g.role, g.present, g.missing) for g in result.unmet_mix] == [
        ("2026-01", "'cyber' specialists", 1, 1), ("2026-02", "'cyber' specialists", 1, 1)]
    assert result.unmet == ()  # headcount met
    assert result.cost_by_rule["skill-mix"] == 2 * inst.rules.weights.skill_mix


def test_the_mix_weighs_what_the_rules_say() -> None:
    """A missing specialist priced below a preference missed: the plan leaves the specialist
    short rather than send A where A did not ask to go."""
    cheap = replace(rules(2, 2), weights=Weights(skill_mix=10, preference=50))
    inst = instance(
        [officer("A", specialties=["cyber"], preferences=["Q"]), officer("B")],
        [posting("P", specialists=[("cyber", 1)]), posting("Q")],
        [demand("P", 0, 1, 1, 1), demand("Q", 0, 1, 1, 1)],
        cheap,
    )
    result = solve(inst, FAST)
    assert result.plan is not None and result.status == SolveStatus.OPTIMAL
    assert result.unmet == () and len(result.unmet_mix) == 2
    assert result.cost_by_rule["skill-mix"] == 20
