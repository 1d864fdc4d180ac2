"""Rest: whole calendar months strictly between the end month and the next start month."""

from __future__ import annotations

from datetime import date

import pytest

from constraints import rest
from rotation.domain import PastDeployment
from rotation.validate import validate
from tests.builders import (
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


def _needs_supervisor_twice(gap: int, rest_months: int, **kw):
    """P needs its supervisor in months 0..1 and again after ``gap`` closed months."""
    second = 2 + gap
    return instance(
        [officer("A", "inspector", **kw)],
        [posting("P", supervisors=1)],
        [demand("P", 0, 1, 0, 1), demand("P", second, second + 1, 0, 1)],
        rules(second + 2, 2, rest_months),
    )


def test_smallest_feasible_case_rest_exactly_the_minimum() -> None:
    inst = _needs_supervisor_twice(gap=1, rest_months=1)
    result, _ = solve_sound(inst)
    assert result.objective == 0
    assert result.plan is not None
    assert result.plan.deployments == (dep("A", "P", 0), dep("A", "P", 3))


def test_smallest_infeasible_case_rest_one_month_short() -> None:
    assert_blocked(_needs_supervisor_twice(gap=1, rest_months=2))


def test_zero_rest_allows_back_to_back() -> None:
    result, _ = solve_sound(_needs_supervisor_twice(gap=0, rest_months=0))
    assert result.plan is not None
    assert len(result.plan.deployments) == 2


def test_zero_gap_with_one_month_rest_is_infeasible() -> None:
    assert_blocked(_needs_supervisor_twice(gap=0, rest_months=1))


@pytest.mark.parametrize(("last_past_month", "feasible"), [(-3, True), (-2, False), (-1, False)])
def test_history_ending_before_the_horizon_constrains_rest(
    last_past_month: int, feasible: bool
) -> None:
    # Rest 2: back in October 2025 (month -3) leaves November and December free: January is fine.
    inst = instance(
        [officer("A", "inspector", history=[past("Q", last_past_month - 2, last_past_month)])],
        [posting("P", supervisors=1), posting("Q")],
        [demand("P", 0, 0, 0, 1)],
        rules(3, 1, 2),
    )
    if feasible:
        result, _ = solve_sound(inst)
        assert result.plan is not None
        assert result.plan.deployments == (dep("A", "P", 0, 1),)
    else:
        assert_blocked(inst)


def test_solver_respects_rest_after_history_when_minimum_is_soft() -> None:
    inst = instance(
        [officer("A", history=[past("P", -2, -1)])],
        [posting("P")],
        [demand("P", 0, 3, 1, 1)],
        rules(4, 1, 2),
    )
    result, _ = solve_sound(inst)
    assert result.plan is not None
    # Earliest start is month 2 (January and February rest); no second one fits after it.
    assert len(result.plan.deployments) == 1
    assert result.plan.deployments[0].start in (first_day(2), first_day(3))
    assert result.objective == 3000


# -- checker on hand-built plans -----------------------------------------------------------


def _inst(rest_months: int, deployment: int = 1, **kw):
    return instance(
        [officer("A", **kw)],
        [posting("P"), posting("Q")],
        [demand("P", 0, 8, 0, 1), demand("Q", 0, 8, 0, 1)],
        rules(9, deployment, rest_months),
    )


def test_check_names_officer_postings_dates_and_the_gap() -> None:
    inst = _inst(2, deployment=2)
    found = rest.check(inst, plan(dep("A", "P", 0), dep("A", "Q", 3)))
    assert [v.message for v in found] == [
        "A rests 1 month between P (ending 2026-02-28) and Q (starting 2026-04-01); "
        "the minimum is 2"
    ]
    assert rest.check(inst, plan(dep("A", "P", 0), dep("A", "Q", 4))) == []


def test_back_to_back_is_zero_months_of_rest() -> None:
    inst = _inst(1, deployment=2)
    found = rest.check(inst, plan(dep("A", "P", 0), dep("A", "P", 2)))
    assert len(found) == 1
    assert "A rests 0 months between P (ending 2026-02-28) and P (starting 2026-03-01)" in (
        found[0].message
    )


def test_rest_zero_never_complains() -> None:
    inst = _inst(0, deployment=2)
    assert rest.check(inst, plan(dep("A", "P", 0), dep("A", "Q", 2))) == []


def test_docstring_example_back_in_august_may_start_in_march() -> None:
    # Back from a posting in August 2025 (mid-month), six months of rest: March 2026 earliest.
    back = PastDeployment("Q", date(2025, 3, 1), date(2025, 8, 20))
    inst = _inst(6, history=[back])
    assert first_day(2) == date(2026, 3, 1)
    assert rest.check(inst, plan(dep("A", "P", 2, 1))) == []
    found = rest.check(inst, plan(dep("A", "P", 1, 1)))
    assert [v.message for v in found] == [
        "A rests 5 months between Q (ending 2025-08-20) and P (starting 2026-02-01); "
        "the minimum is 6"
    ]
    a = inst.officers[0]
    assert rest.allows(inst, a, inst.postings[0], 2)
    assert not rest.allows(inst, a, inst.postings[0], 1)


def test_rest_is_counted_in_months_not_days() -> None:
    # Ending on 31 January and starting on 1 March leaves only February: one month, not 29 days.
    inst = _inst(1)
    assert rest.check(inst, plan(dep("A", "P", 0, 1), dep("A", "P", 2, 1))) == []
    assert len(rest.check(inst, plan(dep("A", "P", 0, 1), dep("A", "P", 1, 1)))) == 1


def test_gap_before_history_that_starts_later_counts_too() -> None:
    # A past deployment recorded inside the horizon (already fixed) needs rest before it too.
    inst = _inst(2, history=[past("Q", 4, 5)])
    assert rest.check(inst, plan(dep("A", "P", 1, 1))) == []
    found = rest.check(inst, plan(dep("A", "P", 2, 1)))
    assert len(found) == 1
    assert "between P (ending 2026-03-31) and Q (starting 2026-05-01)" in found[0].message
    assert not rest.allows(inst, inst.officers[0], inst.postings[0], 2)


def test_two_past_deployments_close_together_are_not_a_violation() -> None:
    inst = _inst(6, history=[past("P", -6, -5), past("Q", -4, -3)])
    assert rest.check(inst, plan()) == []
    assert validate(inst, plan()).ok
