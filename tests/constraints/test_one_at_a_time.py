"""One deployment at a time: whole-month deployments of fixed length, never overlapping."""

from __future__ import annotations

from datetime import date

from constraints import one_at_a_time
from rotation.domain import PastDeployment
from rotation.plan import Deployment
from rotation.validate import validate
from tests.builders import (
    assert_blocked,
    demand,
    dep,
    first_day,
    idx,
    instance,
    last_day,
    officer,
    past,
    plan,
    posting,
    rules,
    solve_sound,
)


def _two_postings_one_inspector(p_months: tuple[int, int], q_months: tuple[int, int], **kw):
    """P and Q each need one supervisor while open; A is the only inspector."""
    return instance(
        [officer("A", "inspector", **kw)],
        [posting("P", supervisors=1), posting("Q", supervisors=1)],
        [demand("P", *p_months, 0, 1), demand("Q", *q_months, 0, 1)],
        rules(4, 2),
    )


def test_smallest_feasible_case_serves_postings_one_after_the_other() -> None:
    inst = _two_postings_one_inspector((0, 1), (2, 3))
    result, _ = solve_sound(inst)
    assert result.objective == 0
    assert result.plan is not None
    assert result.plan.deployments == (dep("A", "P", 0), dep("A", "Q", 2))


def test_smallest_infeasible_case_one_officer_cannot_be_in_two_places() -> None:
    assert_blocked(_two_postings_one_inspector((0, 1), (0, 1)))


def test_one_month_of_overlap_is_enough_to_be_infeasible() -> None:
    assert_blocked(_two_postings_one_inspector((0, 1), (1, 2)))


def test_soft_minimum_in_two_places_leaves_one_posting_short() -> None:
    inst = instance(
        [officer("A")],
        [posting("P"), posting("Q")],
        [demand("P", 0, 1, 1, 1), demand("Q", 0, 1, 1, 1)],
        rules(2, 2),
    )
    result, _ = solve_sound(inst)
    assert result.plan is not None
    assert len(result.plan.deployments) == 1
    assert sum(s.missing for s in result.unmet) == 2
    assert result.objective == 2000


def test_history_continuing_into_the_horizon_blocks_the_officer() -> None:
    # A is still at Q during months 0..1, so A cannot be the supervisor P needs in month 0.
    inst = instance(
        [officer("A", "inspector", history=[past("Q", -3, 1)])],
        [posting("P", supervisors=1), posting("Q")],
        [demand("P", 0, 0, 0, 1), demand("Q", 0, 1, 0, 1)],
        rules(4, 1),
    )
    assert_blocked(inst)


def test_history_ending_the_month_before_the_horizon_does_not_block() -> None:
    inst = instance(
        [officer("A", "inspector", history=[past("Q", -3, -1)])],
        [posting("P", supervisors=1), posting("Q")],
        [demand("P", 0, 0, 0, 1)],
        rules(4, 1),
    )
    result, _ = solve_sound(inst)
    assert result.plan is not None
    assert result.plan.deployments == (dep("A", "P", 0, 1),)


def test_solver_plans_only_whole_month_deployments_of_the_configured_length() -> None:
    inst = instance(
        [officer("A"), officer("B")],
        [posting("P")],
        [demand("P", 0, 5, 1, 2)],
        rules(6, 3),
    )
    result, _ = solve_sound(inst)
    assert result.plan is not None
    for d in result.plan.deployments:
        assert d.start.day == 1
        assert d.end == last_day(idx(d.start) + 2)


# -- checker on hand-built plans -----------------------------------------------------------


def _inst(**kw):
    return instance(
        [officer("A", **kw)],
        [posting("P"), posting("Q")],
        [demand("P", 0, 5, 0, 1), demand("Q", 0, 5, 0, 1)],
        rules(6, 2),
    )


def test_check_names_officer_postings_and_dates_of_an_overlap() -> None:
    inst = _inst()
    found = one_at_a_time.check(inst, plan(dep("A", "P", 0), dep("A", "Q", 1)))
    assert [v.message for v in found] == [
        "A is deployed to P (2026-01-01..2026-02-28) and Q (2026-02-01..2026-03-31) in the "
        "same month"
    ]


def test_back_to_back_deployments_are_fine() -> None:
    inst = _inst()
    good = plan(dep("A", "P", 0), dep("A", "Q", 2), dep("A", "P", 4))
    assert one_at_a_time.check(inst, good) == []
    assert validate(inst, good).ok


def test_two_officers_in_the_same_months_are_fine() -> None:
    inst = instance(
        [officer("A"), officer("B")], [posting("P")], [demand("P", 0, 5, 0, 2)], rules(6, 2)
    )
    assert one_at_a_time.check(inst, plan(dep("A", "P", 0), dep("B", "P", 0))) == []


def test_check_rejects_a_deployment_not_starting_on_the_first_of_a_month() -> None:
    inst = _inst()
    odd = Deployment("A", "P", date(2026, 1, 2), date(2026, 2, 28))
    found = one_at_a_time.check(inst, plan(odd))
    assert len(found) == 1
    assert "A at P runs 2026-01-02..2026-02-28" in found[0].message
    assert "first day of a month for 2 whole months" in found[0].message


def test_check_rejects_a_deployment_of_the_wrong_length() -> None:
    inst = _inst()
    found = one_at_a_time.check(inst, plan(dep("A", "P", 0, 3)))
    assert len(found) == 1
    assert "A at P runs 2026-01-01..2026-03-31" in found[0].message


def test_check_rejects_a_deployment_ending_mid_month() -> None:
    inst = _inst()
    found = one_at_a_time.check(inst, plan(Deployment("A", "P", first_day(0), date(2026, 2, 27))))
    assert len(found) == 1


def test_check_rejects_a_deployment_outside_the_horizon() -> None:
    inst = _inst()
    found = one_at_a_time.check(inst, plan(dep("A", "P", 5)))
    assert [v.message for v in found] == [
        "A at P runs 2026-06-01..2026-07-31, past the horizon's end 2026-06-30 (set [horizon] "
        "allow_past_end = true for a rolling plan)"
    ]
    before = one_at_a_time.check(inst, plan(dep("A", "P", -1)))
    assert len(before) == 1
    assert "outside the horizon" in before[0].message


def test_check_rejects_overlap_with_history_continuing_into_the_horizon() -> None:
    inst = _inst(history=[past("Q", -2, 0)])
    found = one_at_a_time.check(inst, plan(dep("A", "P", 0)))
    assert [v.message for v in found] == [
        "A is deployed to Q (2025-11-01..2026-01-31) and P (2026-01-01..2026-02-28) in the "
        "same month"
    ]
    assert one_at_a_time.check(inst, plan(dep("A", "P", 1))) == []


def test_history_ending_mid_month_blocks_that_whole_month() -> None:
    inst = _inst(history=[PastDeployment("Q", first_day(-2), date(2026, 1, 10))])
    assert len(one_at_a_time.check(inst, plan(dep("A", "P", 0)))) == 1
    assert one_at_a_time.check(inst, plan(dep("A", "P", 1))) == []
    assert not one_at_a_time.allows(inst, inst.officers[0], inst.postings[0], 0)
    assert one_at_a_time.allows(inst, inst.officers[0], inst.postings[0], 1)


def test_history_alone_is_never_a_violation() -> None:
    inst = _inst(history=[past("Q", -6, -4), past("P", -3, 0)])
    assert one_at_a_time.check(inst, plan()) == []
