"""A rule stays one file: a rule the fast path does not build in is honoured or declined by every
path, never silently ignored.

The fast path (first plan, bound, combination, proof) builds in the rules it lists in
``FAST_PATH_RULES``. These tests add toy rules to the rule set a solve uses: one that only forbids
starts, which every path honours through the candidate lists; and a hard and a soft rule that act
in the model, which the fast path's strategies refuse and the search and the whole model honour.
Every plan is judged by the validator with the same rule set.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest
from ortools.sat.python import cp_model

import rotation.solve.orchestrator as orchestrator_module
from constraints import RULES, Penalty, Rule
from constraints.variables import Variables
from rotation.domain import Instance, Officer, Posting
from rotation.plan import Plan, SolveStatus, Violation
from rotation.solve import solve
from rotation.solve.bound import Bound, lower_bound
from rotation.solve.combine import combine, master_prices
from rotation.solve.first_plan import first_plan
from rotation.solve.model import FAST_PATH_RULES, Candidates, UnknownRules
from rotation.solve.neighbourhoods import improve
from rotation.solve.proof import prove
from rotation.solve.relaxation import Columns, Relaxation
from rotation.validate import validate
from tests.builders import FAST, demand, instance, officer, posting, rules


def _case() -> Instance:
    """Two postings over eight months, P open for the first two; A alone asked for P."""
    officers = [officer("A", preferences=["P"])] + [
        officer(o, preferences=["Q"]) for o in ("B", "C", "D", "E")]
    return instance(officers, [posting("P", hardship=1), posting("Q")],
                    [demand("P", 0, 1, 2, 2), demand("Q", 0, 7, 1, 2)],
                    rules(months=8, deployment=2, rest=2))


# -- toy rules ------------------------------------------------------------------------------

def _a_not_at_p(inst: Instance, o: Officer, p: Posting, start: int) -> bool:
    return not (o.id == "A" and p.id == "P")


def _check_a_not_at_p(inst: Instance, plan: Plan) -> list[Violation]:
    return [Violation("toy-filter", f"{d.officer} is at P") for d in plan.deployments
            if d.officer == "A" and d.posting == "P"]


FILTER = Rule("toy-filter", hard=True, summary="A never serves at P.", check=_check_a_not_at_p,
              allows=_a_not_at_p)


def _one_start_at_p(model: cp_model.CpModel, v: Variables, inst: Instance) -> list[Penalty]:
    for s in inst.rules.start_months:
        starting = [var for _, var in v.starting("P", s)]
        if len(starting) > 1:
            model.add(sum(starting) <= 1)
    return []


def _check_one_start_at_p(inst: Instance, plan: Plan) -> list[Violation]:
    starts = Counter(d.start for d in plan.deployments if d.posting == "P")
    return [Violation("toy-hard", f"{n} start at P on {day}") for day, n in starts.items() if n > 1]


HARD = Rule("toy-hard", hard=True, summary="At most one officer starts at P in a month.",
            add=_one_start_at_p, check=_check_one_start_at_p)


def _price_q(model: cp_model.CpModel, v: Variables, inst: Instance) -> list[Penalty]:
    at_q = [var for (_, p, _), var in v.items() if p == "Q"]
    return [Penalty("toy-soft", 3 * sum(at_q))] if at_q else []


def _cost_q(inst: Instance, plan: Plan) -> int:
    return 3 * sum(1 for d in plan.deployments if d.posting == "Q")


SOFT = Rule("toy-soft", hard=False, summary="Each deployment at Q costs 3.", add=_price_q,
            cost=_cost_q)


def _optimum(inst: Instance, rule_set: tuple[Rule, ...]) -> int:
    """The whole model's proven optimum (the case is far below the fast path's threshold)."""
    result = solve(inst, FAST, rules=rule_set)
    assert result.status == SolveStatus.OPTIMAL and result.objective is not None
    assert result.notes == () or any("one model" in n for n in result.notes)
    return result.objective


def _fast(monkeypatch: pytest.MonkeyPatch) -> None:
    """Send even this small case down the fast path."""
    monkeypatch.setattr(orchestrator_module, "NEIGHBOURHOODS_ABOVE", 0)


# -- tests ----------------------------------------------------------------------------------

# Rules of the project the fast path leaves to the whole model, with the reason.
DECLINED = {
    "stability": "only in a re-plan, whose published future is a near-optimal hint for the "
                 "whole model; the bound and the combination would ignore what it prices",
}


def test_the_fast_path_builds_in_every_rule_of_the_project_or_says_it_declines() -> None:
    """A new rule in RULES must be taught to the fast path and listed, or declined here with
    a reason, or this fails."""
    assert {r.name for r in RULES} == {r.name for r in FAST_PATH_RULES} | set(DECLINED)
    assert set(FAST_PATH_RULES) <= set(RULES)
    # A declined rule with nothing to say about a case (stability outside a re-plan) does not
    # stop the fast path from taking it.
    assert Candidates(_case()).unknown == ()


def test_a_rule_that_only_forbids_starts_is_honoured_by_every_path(
        monkeypatch: pytest.MonkeyPatch) -> None:
    inst = _case()
    rule_set = (*RULES, FILTER)
    candidates = Candidates(inst, rule_set)
    assert candidates.unknown == ()
    optimum = _optimum(inst, rule_set)
    assert optimum > _optimum(inst, RULES)  # the toy rule binds
    deadline = time.perf_counter() + 60

    first = first_plan(inst, candidates)
    assert validate(inst, first, rule_set).ok

    found = lower_bound(inst, candidates, optimum + 50, deadline,
                        master=lambda columns, by: master_prices(inst, columns, by))
    assert found.value is not None and found.value <= optimum

    columns = Columns(Relaxation(inst, candidates, deadline))
    combined = combine(inst, candidates, columns, [first], deadline)
    assert combined is not None and validate(inst, combined, rule_set).ok

    if found.prices is not None:
        proof = prove(found, candidates, optimum + 1, deadline)
        assert proof is not None and proof.bound <= optimum + 1
        if proof.plan is not None:
            verdict = validate(inst, proof.plan, rule_set)
            assert verdict.ok and verdict.objective == optimum

    outcome = improve(inst, first, FAST, candidates, deadline)
    assert validate(inst, outcome.plan, rule_set).ok

    _fast(monkeypatch)
    result = solve(inst, FAST, rules=rule_set)
    assert result.notes == () and "neighbourhoods" in result.stats
    assert result.plan is not None
    verdict = validate(inst, result.plan, rule_set)
    assert verdict.ok and verdict.objective == result.objective == optimum


@pytest.mark.parametrize("toy", [HARD, SOFT], ids=lambda rule: rule.name)
def test_a_rule_acting_in_the_model_is_declined_by_the_fast_path_and_honoured_by_the_rest(
        monkeypatch: pytest.MonkeyPatch, toy: Rule) -> None:
    inst = _case()
    rule_set = (*RULES, toy)
    candidates = Candidates(inst, rule_set)
    assert candidates.unknown == (toy,)
    optimum = _optimum(inst, rule_set)
    assert optimum != _optimum(inst, RULES)  # the toy rule changes the answer
    deadline = time.perf_counter() + 60

    declined: list[Any] = [
        lambda: first_plan(inst, candidates),
        lambda: Relaxation(inst, candidates, deadline),
        lambda: lower_bound(inst, candidates, optimum + 50, deadline),
        lambda: combine(inst, candidates, Columns(Relaxation(inst, Candidates(inst), deadline)),
                        [Plan(())], deadline),
        lambda: prove(Bound(0, 0, 0.0), candidates, optimum + 1, deadline),
    ]
    for strategy in declined:
        with pytest.raises(UnknownRules, match=toy.name):
            strategy()

    outcome = improve(inst, Plan(()), FAST, candidates, deadline)
    verdict = validate(inst, outcome.plan, rule_set)
    assert verdict.ok and verdict.objective == outcome.verdict.objective

    _fast(monkeypatch)
    result = solve(inst, FAST, rules=rule_set)
    assert any(toy.name in note and "one model" in note for note in result.notes)
    assert result.status == SolveStatus.OPTIMAL and result.plan is not None
    verdict = validate(inst, result.plan, rule_set)
    assert verdict.ok and verdict.objective == result.objective == optimum
