"""HiGHS on the whole model: the same optimum as CP-SAT's, a bound below it, plans that keep
every hard rule."""

from __future__ import annotations

from hypothesis import given

from rotation.domain import Instance
from rotation.plan import SolveStatus
from rotation.solve.mip import solve_mip
from rotation.solve.model import Candidates
from rotation.solve.whole_model import solve_whole
from rotation.validate import validate
from tests.builders import demand, instance, officer, posting, rules
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
