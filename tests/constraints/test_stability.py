"""Stability: in a re-plan, each officer whose future changes, and each month changed, costs.

Hand-built re-plans (``Instance.replan``): the checker on plans built by hand, and the model
(through the re-plan's own solver instance) agreeing with it.
"""

from __future__ import annotations

from dataclasses import replace

from constraints import stability
from rotation.domain import Instance, Replan
from rotation.plan import Plan, SolveStatus
from rotation.replan import solver_instance
from rotation.solve import solve
from rotation.validate import validate
from tests.builders import (
    FAST,
    away,
    demand,
    dep,
    first_day,
    instance,
    last_day,
    officer,
    plan,
    posting,
    rules,
)

BASELINE = plan(dep("A", "P", 0), dep("B", "P", 2))


def _replan(*officers_: object, freeze: int = 2, baseline: Plan = BASELINE) -> Instance:
    """P needs one officer in months 0..3, Q is open; the published plan has A then B at P;
    the freeze is the first day of month ``freeze``."""
    inst = instance(list(officers_) or [officer("A"), officer("B"), officer("C")],
                    [posting("P"), posting("Q")],
                    [demand("P", 0, 3, 1, 1), demand("Q", 0, 3, 0, 1)], rules(4, 2))
    day = first_day(freeze)
    pinned = Plan(tuple(d for d in baseline.deployments if d.start < day))
    return replace(inst, replan=Replan(1, day, baseline, pinned,
                                       frozenset(o.id for o in inst.officers)))


def test_the_published_plan_costs_nothing() -> None:
    inst = _replan()
    assert stability.cost(inst, BASELINE) == 0
    assert stability.changed(inst, BASELINE) == {}


def test_a_moved_tour_costs_its_officer_and_its_months() -> None:
    inst = _replan()
    moved = plan(dep("A", "P", 0), dep("B", "Q", 2), dep("C", "P", 2))
    # B: at Q instead of P in months 2 and 3; C: at P where nowhere before.
    assert stability.changed(inst, moved) == {"B": 2, "C": 2}
    assert stability.cost(inst, moved) == 2 * 100 + 4 * 10


def test_only_the_future_counts_and_new_officers_cost_nothing() -> None:
    inst = _replan(officer("A"), officer("B"), officer("C"))
    known = replace(inst.replan, officers=frozenset({"A", "B"}))
    inst = replace(inst, replan=known)
    # C is new to the case: deploying C moves nobody; B dropped counts.
    swapped = plan(dep("A", "P", 0), dep("C", "P", 2))
    assert stability.changed(inst, swapped) == {"B": 2}


def test_the_model_keeps_the_published_plan_when_nothing_changed() -> None:
    inst = _replan()
    result = solve(solver_instance(inst), FAST)
    assert result.status == SolveStatus.OPTIMAL and result.plan is not None
    whole = Plan(inst.replan.pinned.deployments + result.plan.deployments)
    assert whole == BASELINE
    assert validate(inst, whole).cost_by_rule["stability"] == 0


def test_the_model_moves_the_fewest_when_someone_must_go() -> None:
    # B is away in month 2: B's tour cannot stand; C takes it (one officer changed for good
    # reason: B, whose tour is gone; C, who gains one), rather than leaving P short.
    inst = _replan(officer("A"), officer("B", unavailability=[away(first_day(2), last_day(2))]),
                   officer("C"))
    result = solve(solver_instance(inst), FAST)
    assert result.status == SolveStatus.OPTIMAL and result.plan is not None
    whole = Plan(inst.replan.pinned.deployments + result.plan.deployments)
    verdict = validate(inst, whole)
    assert verdict.ok and verdict.unmet == ()
    assert set(stability.changed(inst, whole)) == {"B", "C"}
    # The model's cost of stability is the checker's (the rest of the objective aside).
    assert verdict.cost_by_rule["stability"] == stability.cost(inst, whole) == 2 * 100 + 4 * 10
