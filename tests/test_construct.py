"""The greedy first plan: sound by construction, deterministic, and kept when the search stalls."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import rotation.solve.orchestrator as orchestrator_module
from rotation.domain import Instance, SolverSettings
from rotation.io import load_case
from rotation.plan import Plan, SolveStatus
from rotation.solve import solve
from rotation.solve.first_plan import first_plan
from rotation.solve.model import Candidates, build
from rotation.solve.whole_model import KEPT_FIRST_PLAN
from rotation.validate import validate
from tests.builders import demand, officer, posting, rules
from tests.test_properties import instances, solving

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "cambodia-2025"


def _first(inst: Instance) -> Plan:
    return first_plan(inst, Candidates(inst))


def _new_violations(inst: Instance, plan: Plan) -> list[str]:
    """Hard violations the plan adds to those its input has with no plan at all (history can
    already overfill a closed month), leaving out the mix minimum, which it only attempts."""
    before = {v.message for v in validate(inst, Plan(())).violations}
    return [
        v.message
        for v in validate(inst, plan).violations
        if v.rule != "skill-mix" and v.message not in before
    ]


@solving(120)
@given(instances(sessions=(0, 4)))
def test_first_plan_breaks_no_hard_rule_but_the_mix_minimum(inst: Instance) -> None:
    assert _new_violations(inst, _first(inst)) == []


@solving(60)
@given(instances(sessions=(1, 4), training=True))
def test_first_plan_trains_whom_it_sends(inst: Instance) -> None:
    assert _new_violations(inst, _first(inst)) == []


@solving(100)
@given(instances(sessions=(0, 4), training=True), st.randoms(use_true_random=False))
def test_a_led_first_plan_breaks_no_hard_rule_but_the_mix_minimum(inst: Instance,
                                                                  rng: random.Random) -> None:
    # Proposed deployments come from anywhere: allowed starts and barred ones, clashing ones,
    # more than the limit. The greedy takes only what the rules let it.
    every = [(o.id, p.id, s) for o in inst.officers for p in inst.postings
             for s in inst.rules.start_months]
    lead = rng.sample(every, min(len(every), rng.randrange(1, 12)))
    plan = first_plan(inst, Candidates(inst), sorted(lead, key=lambda d: d[2]))
    assert _new_violations(inst, plan) == []


def test_a_led_first_plan_takes_the_proposed_officer() -> None:
    # A and B could both fill P in months 0-1; the plain greedy takes A (first in the case's
    # order, nothing else between them), the led one takes B as proposed, and nobody else.
    inst = Instance(
        name="lead",
        rules=rules(4, deployment=2, rest=0, fairness=0, preference=0),
        officers=(officer("A"), officer("B")),
        postings=(posting("P"),),
        demands=(demand("P", 0, 1, 1, 1),),
    )
    candidates = Candidates(inst)
    assert [d.officer for d in first_plan(inst, candidates).deployments] == ["A"]
    led = first_plan(inst, candidates, [("B", "P", 0)])
    assert [(d.officer, inst.rules.month_of(d.start)) for d in led.deployments] == [("B", 0)]


def test_first_plan_of_the_example_is_valid_and_the_same_every_time() -> None:
    inst = load_case(EXAMPLE)
    plan = _first(inst)
    verdict = validate(inst, plan)
    assert verdict.ok, verdict.violations
    assert plan.enrolments, "the example's extra headcount needs training"
    assert _first(inst) == plan


def test_first_plan_reaches_back_when_a_start_in_the_month_itself_is_barred() -> None:
    # Three-month deployments; P needs one officer in months 2-3 and is closed from month 4, so
    # a start in month 2 would run into the closed month: only a start in month 1 can go.
    inst = Instance(
        name="reach back",
        rules=rules(8, deployment=3, rest=0),
        officers=(officer("A"), officer("B")),
        postings=(posting("P"),),
        demands=(demand("P", 0, 1, 0, 1), demand("P", 2, 3, 1, 1)),
    )
    plan = _first(inst)
    verdict = validate(inst, plan)
    assert verdict.ok and verdict.unmet == ()
    assert [inst.rules.month_of(d.start) for d in plan.deployments] == [1]


def test_first_plan_leaves_room_for_the_month_only_the_last_start_reaches() -> None:
    # Five months, two-month deployments: the last start is month 3, the only one that reaches
    # month 4. P holds one officer from month 1 on and needs one in months 2-4. Starting the
    # month-2 officer in month 2 would fill month 3 and leave month 4 unmet; starting them in
    # month 1 leaves month 3 to the last start.
    inst = Instance(
        name="end of horizon",
        rules=rules(5, deployment=2, rest=0, fairness=0, preference=0),
        officers=(officer("A"), officer("B")),
        postings=(posting("P"),),
        demands=(demand("P", 1, 1, 0, 1), demand("P", 2, 4, 1, 1)),
    )
    plan = first_plan(inst, Candidates(inst))
    verdict = validate(inst, plan)
    assert verdict.ok and verdict.unmet == ()
    assert sorted(inst.rules.month_of(d.start) for d in plan.deployments) == [1, 3]


def test_search_stopped_before_any_plan_keeps_the_first_plan(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The whole model's path, which the example takes when the threshold is raised above it.
    monkeypatch.setattr(orchestrator_module, "NEIGHBOURHOODS_ABOVE", 10**9)
    inst = load_case(EXAMPLE)
    result = solve(inst, SolverSettings(time_limit=60, seed=0, workers=1, work_limit=1e-9))
    assert result.status == SolveStatus.FEASIBLE
    assert KEPT_FIRST_PLAN in result.stopped
    assert result.plan is not None
    verdict = validate(inst, result.plan)
    assert verdict.ok, verdict.violations
    assert result.objective == verdict.objective == result.stats["first_plan_objective"]
    assert result.cost_by_rule == verdict.cost_by_rule
    assert result.bound is None or result.bound <= result.objective


@solving(80)
@given(instances(sessions=(0, 4), training=True))
def test_grouped_candidates_are_the_officers_every_rule_allows(inst: Instance) -> None:
    # The neighbourhood search asks the rules once per group of postings that share what the
    # rules depend on; the model asks them per officer, posting and start. Same answer, same
    # order.
    grouped = Candidates(inst)
    model = build(inst).variables
    for p in inst.postings:
        for start in inst.rules.start_months:
            assert grouped(p.id, start) == model.officers_starting(p.id, start), (p.id, start)
