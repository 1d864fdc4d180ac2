"""Coverage: hard maximum, soft minimum (shortfall reported and costed), history counts."""

from __future__ import annotations

from dataclasses import replace

import pytest

import rotation.solve.orchestrator as orchestrator_module
from constraints import coverage
from rotation.domain import Demand, Instance, PastDeployment
from rotation.plan import Shortfall
from rotation.validate import validate
from tests.builders import (
    assert_infeasible,
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


def test_smallest_feasible_case_meets_demand() -> None:
    inst = instance([officer("A")], [posting("P")], [demand("P", 0, 1, 1, 1)], rules(2, 2))
    result, verdict = solve_sound(inst)
    assert result.objective == 0
    assert result.unmet == ()
    assert result.plan is not None
    assert result.plan.deployments == (dep("A", "P", 0),)
    assert verdict.cost_by_rule["coverage"] == 0


def test_over_asked_minimum_still_gives_a_plan_with_the_shortfall_reported() -> None:
    inst = instance([officer("A")], [posting("P")], [demand("P", 0, 1, 2, 2)], rules(2, 2))
    result, _ = solve_sound(inst)
    assert result.plan is not None
    assert len(result.plan.deployments) == 1
    assert result.unmet == (
        Shortfall("P", "2026-01", required=2, assigned=1),
        Shortfall("P", "2026-02", required=2, assigned=1),
    )
    assert [s.missing for s in result.unmet] == [1, 1]
    assert result.cost_by_rule["coverage"] == 1000 * 2
    assert result.objective == 2000


def test_shortfall_cost_is_weight_times_missing() -> None:
    inst = instance(
        [officer("A")], [posting("P")], [demand("P", 0, 2, 3, 3)], rules(3, 3, unmet=7)
    )
    result, _ = solve_sound(inst)
    missing = sum(s.missing for s in result.unmet)
    assert missing == 3 * 2  # three months, two officers short each
    assert result.cost_by_rule["coverage"] == 7 * missing
    assert result.objective == 7 * missing


def test_no_officer_at_all_reports_every_month_short() -> None:
    inst = instance([], [posting("P")], [demand("P", 0, 1, 1, 2)], rules(2, 1))
    result, _ = solve_sound(inst)
    assert [(s.posting, s.month, s.missing) for s in result.unmet] == [
        ("P", "2026-01", 1),
        ("P", "2026-02", 1),
    ]
    assert result.objective == 2000


def test_maximum_is_never_exceeded_even_when_the_minimum_goes_unmet_elsewhere() -> None:
    # Three officers, posting P takes at most one: the other two stay home.
    inst = instance(
        [officer("A"), officer("B"), officer("C")],
        [posting("P")],
        [demand("P", 0, 1, 1, 1)],
        rules(2, 2),
    )
    result, _ = solve_sound(inst)
    assert result.plan is not None
    assert len(result.plan.deployments) == 1


def test_history_carrying_more_officers_than_the_maximum_is_infeasible() -> None:
    inst = instance(
        [officer("A", history=[past("P", -2, 0)]), officer("B", history=[past("P", -1, 0)])],
        [posting("P")],
        [demand("P", 0, 1, 0, 1)],
        rules(2, 1),
    )
    assert_infeasible(inst)


def test_history_continuing_into_a_closed_month_is_infeasible() -> None:
    inst = instance(
        [officer("A", history=[past("P", -1, 0)])],
        [posting("P")],
        [demand("P", 1, 1, 0, 1)],  # month 0 has no row: closed
        rules(2, 1),
    )
    assert_infeasible(inst)


def test_history_continuing_into_the_horizon_counts_toward_coverage() -> None:
    # B is still at P in month 0, which meets the minimum there; with max 1 nobody else fits.
    inst = instance(
        [officer("A"), officer("B", history=[past("P", -2, 0)])],
        [posting("P")],
        [demand("P", 0, 1, 1, 1)],
        rules(2, 1),
    )
    result, _ = solve_sound(inst)
    assert result.objective == 0
    assert result.unmet == ()
    assert result.plan is not None
    starts = [d.start for d in result.plan.deployments]
    assert starts == [first_day(1)]


def test_history_ending_mid_month_still_counts_in_that_month() -> None:
    b = officer("B", history=[PastDeployment("P", first_day(-2), first_day(0).replace(day=10))])
    inst = instance([officer("A"), b], [posting("P")], [demand("P", 0, 1, 1, 1)], rules(2, 1))
    assert coverage.unmet(inst, plan(dep("A", "P", 1, 1))) == []
    assert len(coverage.check(inst, plan(dep("A", "P", 0, 1)))) == 1


def test_history_ending_before_the_horizon_does_not_count() -> None:
    inst = instance(
        [officer("B", history=[past("P", -3, -1)])],
        [posting("P")],
        [demand("P", 0, 0, 1, 1)],
        rules(1, 1),
    )
    assert coverage.unmet(inst, plan()) == [Shortfall("P", "2026-01", 1, 0)]


# -- checker on hand-built plans -----------------------------------------------------------


def _two_officers(lo: int = 0, hi: int = 1, months: tuple[int, int] = (0, 3)):
    return instance(
        [officer("A"), officer("B")],
        [posting("P")],
        [demand("P", months[0], months[1], lo, hi)],
        rules(4, 2),
    )


def test_check_names_posting_month_and_limit_when_over_the_maximum() -> None:
    inst = _two_officers()
    found = coverage.check(inst, plan(dep("A", "P", 0), dep("B", "P", 1)))
    assert [v.rule for v in found] == ["coverage"]
    assert found[0].message == "Post P has 2 officers in 2026-02; it is limited to 1"


def test_check_calls_a_month_without_demand_closed() -> None:
    inst = _two_officers(months=(0, 1))
    found = coverage.check(inst, plan(dep("A", "P", 2)))
    assert [v.message for v in found] == [
        "Post P has 1 officers in 2026-03; it is closed",
        "Post P has 1 officers in 2026-04; it is closed",
    ]


def test_check_accepts_a_plan_within_the_maximum() -> None:
    inst = _two_officers()
    good = plan(dep("A", "P", 0), dep("B", "P", 2))
    assert coverage.check(inst, good) == []
    assert validate(inst, good).ok


def test_check_counts_history_against_the_maximum() -> None:
    inst = instance(
        [officer("A"), officer("B", history=[past("P", -1, 0)])],
        [posting("P")],
        [demand("P", 0, 1, 0, 1)],
        rules(2, 1),
    )
    found = coverage.check(inst, plan(dep("A", "P", 0, 1)))
    assert [v.message for v in found] == ["Post P has 2 officers in 2026-01; it is limited to 1"]
    assert coverage.check(inst, plan(dep("A", "P", 1, 1))) == []


def test_unmet_and_cost_on_a_hand_built_plan() -> None:
    inst = _two_officers(lo=1, hi=2)
    thin = plan(dep("A", "P", 0))
    assert coverage.unmet(inst, thin) == [
        Shortfall("P", "2026-03", 1, 0),
        Shortfall("P", "2026-04", 1, 0),
    ]
    assert coverage.cost(inst, thin) == 2000
    assert coverage.cost(inst, plan(dep("A", "P", 0), dep("B", "P", 2))) == 0


def test_demand_rows_are_clipped_to_the_horizon() -> None:
    row = Demand("P", first_day(-2), first_day(0), 1, 1)
    inst = instance([officer("A")], [posting("P")], [row], rules(2, 1))
    assert inst.demand("P", 0) == (1, 1)
    assert inst.demand("P", 1) == (0, 0)


# -- one officer with two history rows in the same month -------------------------------------
# An officer home for a week in January 2026 has two past deployments at P that both touch
# January. docs/rules.md counts *officers* at a posting; the code counts history rows.


def _split_history(*others, lo: int = 0, hi: int = 1):
    a = officer(
        "A",
        history=[
            PastDeployment("P", first_day(-1), first_day(0).replace(day=10)),
            PastDeployment("P", first_day(0).replace(day=20), first_day(0).replace(day=31)),
        ],
    )
    return instance([a, *others], [posting("P")], [demand("P", 0, 0, lo, hi)], rules(1, 1))


def test_one_officer_with_two_history_rows_in_a_month_counts_once_against_the_maximum() -> None:
    inst = _split_history(lo=0, hi=1)
    assert coverage.check(inst, plan()) == []
    result, _ = solve_sound(inst)
    assert result.plan == plan()


def test_one_officer_with_two_history_rows_in_a_month_counts_once_toward_the_minimum() -> None:
    inst = _split_history(officer("B"), lo=2, hi=2)
    assert coverage.unmet(inst, plan()) == [Shortfall("P", "2026-01", 2, 1)]
    result, _ = solve_sound(inst)
    assert result.plan == plan(dep("B", "P", 0, 1))


def _priority_case(priority: int) -> Instance:
    """One officer for two postings each needing one in months 0..1; A asked for P."""
    return instance(
        [officer("A", preferences=["P"])],
        [posting("P"), replace(posting("B"), priority=priority)],
        [demand("P", 0, 1, 1, 1), demand("B", 0, 1, 1, 1)],
        rules(2, 2),
    )


@pytest.mark.parametrize("fast", [False, True])
def test_a_posting_s_priority_multiplies_what_its_shortfall_costs(
        fast: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if fast:
        monkeypatch.setattr(orchestrator_module, "NEIGHBOURHOODS_ABOVE", 0)
    plain, _ = solve_sound(_priority_case(1))
    assert plain.plan is not None and plain.plan.deployments == (dep("A", "P", 0),)
    first, verdict = solve_sound(_priority_case(3))
    assert first.plan is not None and first.plan.deployments == (dep("A", "B", 0),)
    # B filled, P two officer-months short at the base weight, and A's preference missed.
    assert verdict.cost_by_rule["coverage"] == 2 * 1000
    assert verdict.cost_by_rule["preferences"] == 5
    assert first.bound is not None and first.bound <= first.objective
