"""Deployment limit: planned starts per officer capped; history does not count; unset = none."""

from __future__ import annotations

import pytest

from constraints import deployment_limit
from tests.builders import (
    assert_blocked,
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


def _twice(limit: int | None, **kw):
    """P needs its supervisor in months 0..3; A, the only inspector, must go twice."""
    return instance(
        [officer("A", "inspector", **kw)],
        [posting("P", supervisors=1)],
        [demand("P", 0, 3, 0, 1)],
        rules(4, 2, max_deployments=limit),
    )


def test_smallest_feasible_case_one_deployment_within_a_limit_of_one() -> None:
    inst = instance(
        [officer("A", "inspector")],
        [posting("P", supervisors=1)],
        [demand("P", 0, 1, 0, 1)],
        rules(4, 2, max_deployments=1),
    )
    result, _ = solve_sound(inst)
    assert result.plan is not None
    assert result.plan.deployments == (dep("A", "P", 0),)


def test_smallest_infeasible_case_two_needed_but_limit_one() -> None:
    assert_blocked(_twice(1))


@pytest.mark.parametrize("limit", [2, 3, None])
def test_limit_of_two_or_more_or_none_allows_two(limit: int | None) -> None:
    result, _ = solve_sound(_twice(limit))
    assert result.plan is not None
    assert len(result.plan.deployments) == 2


def test_limit_zero_forbids_any_deployment() -> None:
    assert_blocked(
        instance(
            [officer("A", "inspector")],
            [posting("P", supervisors=1)],
            [demand("P", 0, 0, 0, 1)],
            rules(1, 1, max_deployments=0),
        )
    )


def test_limit_binds_the_soft_minimum_too() -> None:
    inst = instance(
        [officer("A")], [posting("P")], [demand("P", 0, 3, 1, 1)], rules(4, 1, max_deployments=2)
    )
    result, _ = solve_sound(inst)
    assert result.plan is not None
    assert len(result.plan.deployments) == 2
    assert result.objective == 2000


def test_history_continuing_into_the_horizon_does_not_count() -> None:
    # History covers months 0..1; one planned deployment covers 2..3; limit 1 is respected.
    inst = _twice(1, history=[past("P", -2, 1)])
    result, _ = solve_sound(inst)
    assert result.plan is not None
    assert result.plan.deployments == (dep("A", "P", 2),)


def test_history_before_the_horizon_does_not_count() -> None:
    inst = _twice(2, history=[past("P", -12, -10), past("P", -6, -4)])
    result, _ = solve_sound(inst)
    assert result.plan is not None
    assert len(result.plan.deployments) == 2
    assert deployment_limit.check(inst, result.plan) == []


# -- checker on hand-built plans -----------------------------------------------------------


def test_check_names_the_officer_and_the_count() -> None:
    inst = _twice(1)
    found = deployment_limit.check(inst, plan(dep("A", "P", 0), dep("A", "P", 2)))
    assert [v.message for v in found] == ["A has 2 deployments; the limit is 1"]


def test_check_accepts_exactly_the_limit() -> None:
    assert deployment_limit.check(_twice(2), plan(dep("A", "P", 0), dep("A", "P", 2))) == []


def test_check_with_no_limit_never_complains() -> None:
    inst = _twice(None)
    assert deployment_limit.check(inst, plan(dep("A", "P", 0), dep("A", "P", 2))) == []


def test_check_counts_officers_separately() -> None:
    inst = instance(
        [officer("A"), officer("B")],
        [posting("P")],
        [demand("P", 0, 3, 0, 2)],
        rules(4, 2, max_deployments=1),
    )
    assert deployment_limit.check(inst, plan(dep("A", "P", 0), dep("B", "P", 2))) == []
    found = deployment_limit.check(
        inst, plan(dep("A", "P", 0), dep("A", "P", 2), dep("B", "P", 0), dep("B", "P", 2))
    )
    assert [v.message for v in found] == [
        "A has 2 deployments; the limit is 1",
        "B has 2 deployments; the limit is 1",
    ]
