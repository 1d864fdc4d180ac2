"""Availability: a deployment never touches a day of absence; both ends inclusive."""

from __future__ import annotations

from datetime import date

import pytest

from constraints import availability
from rotation.plan import Deployment
from rotation.validate import validate
from tests.builders import (
    assert_blocked,
    away,
    day_after,
    day_before,
    demand,
    dep,
    instance,
    officer,
    plan,
    posting,
    rules,
    solve_sound,
)

START, END = date(2026, 1, 1), date(2026, 2, 28)  # a two-month deployment from month 0


def _needs_supervisor(*absences, soft: bool = False):
    """P needs a supervisor (or, if ``soft``, one officer) in months 0..1; A is the only one."""
    return instance(
        [officer("A", "inspector", unavailability=absences)],
        [posting("P", supervisors=0 if soft else 1)],
        [demand("P", 0, 1, 1 if soft else 0, 1)],
        rules(2, 2),
    )


def test_smallest_feasible_case_leave_ending_the_day_before_the_start() -> None:
    inst = _needs_supervisor(away(date(2025, 12, 1), day_before(START)))
    result, _ = solve_sound(inst)
    assert result.plan is not None
    assert result.plan.deployments == (dep("A", "P", 0),)


def test_smallest_infeasible_case_leave_ending_on_the_start_day() -> None:
    assert_blocked(_needs_supervisor(away(date(2025, 12, 1), START)))


def test_leave_starting_on_the_end_day_is_infeasible_and_the_day_after_is_fine() -> None:
    assert_blocked(_needs_supervisor(away(END, date(2026, 3, 10))))
    result, _ = solve_sound(_needs_supervisor(away(day_after(END), date(2026, 3, 10))))
    assert result.plan is not None
    assert len(result.plan.deployments) == 1


def test_one_day_of_leave_in_the_middle_blocks_the_whole_deployment() -> None:
    assert_blocked(_needs_supervisor(away(date(2026, 2, 14), date(2026, 2, 14))))


def test_unavailable_officer_leaves_soft_demand_unmet() -> None:
    inst = _needs_supervisor(away(date(2026, 1, 15), date(2026, 1, 20)), soft=True)
    result, _ = solve_sound(inst)
    assert result.plan is not None
    assert result.plan.deployments == ()
    assert result.objective == 2000


def test_solver_uses_the_months_the_officer_is_available() -> None:
    inst = instance(
        [officer("A", unavailability=[away(date(2026, 1, 10), date(2026, 1, 12))])],
        [posting("P")],
        [demand("P", 0, 2, 1, 1)],
        rules(3, 2),
    )
    result, _ = solve_sound(inst)
    assert result.plan is not None
    assert result.plan.deployments == (dep("A", "P", 1),)
    assert result.objective == 1000  # January is short; the leave falls in it


# -- checker on hand-built plans -----------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "broken"),
    [
        (date(2025, 12, 1), day_before(START), False),
        (date(2025, 12, 1), START, True),
        (END, date(2026, 3, 31), True),
        (day_after(END), date(2026, 3, 31), False),
        (date(2026, 1, 20), date(2026, 1, 21), True),
        (date(2025, 12, 1), date(2026, 3, 31), True),
    ],
)
def test_check_inclusive_boundaries(first: date, last: date, broken: bool) -> None:
    inst = _needs_supervisor(away(first, last))
    found = availability.check(inst, plan(dep("A", "P", 0)))
    assert bool(found) is broken
    assert validate(inst, plan(dep("A", "P", 0))).ok is not broken


def test_check_message_names_officer_absence_reason_posting_and_dates() -> None:
    inst = _needs_supervisor(away(date(2026, 2, 1), date(2026, 2, 3), "parental leave"))
    found = availability.check(inst, plan(dep("A", "P", 0)))
    assert [v.message for v in found] == [
        "A is unavailable 2026-02-01..2026-02-03 (parental leave), during the P deployment "
        "2026-01-01..2026-02-28"
    ]


def test_check_reports_each_overlapping_absence() -> None:
    inst = _needs_supervisor(
        away(date(2026, 1, 1), date(2026, 1, 2)), away(date(2026, 2, 27), date(2026, 3, 2))
    )
    assert len(availability.check(inst, plan(dep("A", "P", 0)))) == 2


def test_check_reports_an_unknown_officer() -> None:
    inst = _needs_supervisor()
    found = availability.check(inst, plan(Deployment("Z", "P", START, END)))
    assert [v.message for v in found] == ["Z is not an officer of this case"]


def test_allows_matches_the_checker() -> None:
    inst = _needs_supervisor(away(START, START))
    a, p = inst.officers[0], inst.postings[0]
    assert not availability.allows(inst, a, p, 0)
