"""A rolling horizon (``[horizon] allow_past_end = true``): a deployment may start in any month
of the horizon and run past its end. The months after the horizon count for nothing (coverage,
mix, fairness) but still hold leave, credentials and rest. Checked by the validator on hand-built
plans and by both solve paths."""

from __future__ import annotations

from pathlib import Path

import pytest

import rotation.solve.orchestrator as orchestrator_module
from constraints import availability, eligibility, fairness, one_at_a_time, rest
from rotation.domain import Instance
from rotation.io import load_case
from rotation.plan import SolveStatus
from rotation.snapshot import input_hash, instance_from_dict, instance_to_dict
from rotation.solve.bound import lower_bound
from rotation.solve.model import Candidates
from rotation.validate import validate
from tests.builders import (
    assert_sound,
    away,
    demand,
    dep,
    first_day,
    instance,
    khmer,
    last_day,
    officer,
    plan,
    posting,
    rules,
    run,
)
from tests.conftest import CaseMaker, replace_line
from tests.test_io import only_problem


def _case(past_end: bool, *officers_: object, hardship: int = 0, khmer_level: int = 0,
          target: int = 18) -> Instance:
    """P needs one officer in each of four months; a deployment lasts three, with a month's
    rest. One officer covers months 0..2; month 3 needs a second, who can only start then."""
    return instance(
        officers_ or [officer("A"), officer("B")],  # type: ignore[arg-type]
        [posting("P", hardship=hardship, khmer=khmer_level)],
        [demand("P", 0, 3, 1, 1)],
        rules(4, 3, 1, target=target, past_end=past_end),
    )


def test_the_shape_rule_lets_a_deployment_run_past_the_end_only_when_rolling() -> None:
    late = plan(dep("A", "P", 3, 3))  # 2026-04-01..2026-06-30, the horizon ends 2026-04-30
    assert one_at_a_time.check(_case(True), late) == []
    found = one_at_a_time.check(_case(False), late)
    assert len(found) == 1 and "past the horizon's end 2026-04-30" in found[0].message
    after = one_at_a_time.check(_case(True), plan(dep("A", "P", 4, 3)))
    assert len(after) == 1 and "starts on 2026-05-01, outside the horizon" in after[0].message


def test_start_months_reach_the_last_month_only_when_rolling() -> None:
    assert list(_case(True).rules.start_months) == [0, 1, 2, 3]
    assert list(_case(False).rules.start_months) == [0, 1]


@pytest.mark.parametrize("fast", [False, True])
def test_a_rolling_plan_staffs_the_last_months(monkeypatch: pytest.MonkeyPatch,
                                               fast: bool) -> None:
    if fast:
        monkeypatch.setattr(orchestrator_module, "NEIGHBOURHOODS_ABOVE", 0)
    fixed = run(_case(False))
    assert_sound(_case(False), fixed)
    assert fixed.status == SolveStatus.OPTIMAL and fixed.objective == 1000  # a month short
    inst = _case(True)
    rolling = run(inst)
    verdict = assert_sound(inst, rolling)
    assert rolling.status == SolveStatus.OPTIMAL and rolling.objective == 0
    assert not verdict.unmet
    assert any(d.end > inst.rules.end for d in rolling.plan.deployments)  # type: ignore[union-attr]


def test_leave_after_the_horizon_still_blocks_a_deployment_running_into_it() -> None:
    leave = [away(first_day(5), last_day(5))]
    inst = _case(True, officer("A", unavailability=leave), officer("B", unavailability=leave))
    late = plan(dep("A", "P", 0, 3), dep("B", "P", 3, 3))
    assert availability.check(inst, late)
    result = run(inst)
    assert_sound(inst, result)
    assert result.status == SolveStatus.OPTIMAL and result.objective == 1000


def test_a_credential_must_hold_through_a_deployments_end_past_the_horizon() -> None:
    lapsing = [khmer(1, first_day(-12), last_day(4))]
    inst = _case(True, officer("A", certificates=lapsing), officer("B", certificates=lapsing),
                 khmer_level=1)
    assert eligibility.check(inst, plan(dep("A", "P", 0, 3), dep("B", "P", 3, 3)))
    result = run(inst)
    assert_sound(inst, result)
    assert result.objective == 1000


def test_rest_holds_between_planned_deployments_when_the_later_runs_past_the_end() -> None:
    inst = _case(True)
    assert rest.check(inst, plan(dep("A", "P", 0, 3), dep("A", "P", 3, 3)))
    assert rest.check(inst, plan(dep("A", "P", 0, 2 + 1), dep("B", "P", 3, 3))) == []


def test_fairness_counts_only_the_horizons_months() -> None:
    inst = _case(True, hardship=3, target=0)
    both = plan(dep("A", "P", 0, 3), dep("B", "P", 3, 3))
    assert fairness.load(inst, both) == {"A": 9, "B": 3}
    assert validate(inst, both).objective == 12
    result = run(inst)
    assert_sound(inst, result)
    assert result.objective == 12


def test_the_bound_prices_a_start_past_the_end_by_its_months_inside() -> None:
    inst = _case(True, hardship=3, target=0)
    bound = lower_bound(inst, Candidates(inst), 10_000, float("inf"))
    assert bound.value is not None and 0 < bound.value <= 12


def test_rules_toml_reads_the_setting(make_case: CaseMaker) -> None:
    case = make_case({"rules.toml": replace_line("months = 12",
                                                 "months = 12\nallow_past_end = true")})
    assert load_case(case).rules.allow_past_end
    assert not load_case(make_case({})).rules.allow_past_end


def test_rules_toml_rejects_a_setting_that_is_not_true_or_false(make_case: CaseMaker) -> None:
    case = make_case({"rules.toml": replace_line("months = 12",
                                                 'months = 12\nallow_past_end = "yes"')})
    only_problem(case, "rules.toml", None, "horizon.allow_past_end", "true or false")


def test_the_example_keeps_a_fixed_horizon() -> None:
    example = Path(__file__).resolve().parents[1] / "examples" / "cambodia-2025"
    assert not load_case(example).rules.allow_past_end


def test_a_snapshot_keeps_the_setting_and_a_fixed_horizons_hash() -> None:
    rolling, fixed = _case(True), _case(False)
    assert instance_from_dict(instance_to_dict(rolling)).rules.allow_past_end
    assert "allow_past_end" not in instance_to_dict(fixed)["rules"]
    assert input_hash(rolling) != input_hash(fixed)
