"""Every bundled example loads, solves and passes the independent validator."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest

from rotation.domain import Instance
from rotation.io import load_case
from rotation.plan import Plan, Result, SolveStatus
from rotation.solve import solve
from rotation.validate import validate

ROOT = Path(__file__).parent.parent / "examples"
EXAMPLES = sorted(p for p in ROOT.iterdir() if p.is_dir())


@cache
def solved(case: Path) -> tuple[Instance, Result]:
    """Solve each example once per test run, with the settings in its rules.toml."""
    inst = load_case(case)
    return inst, solve(inst)


@pytest.mark.parametrize("case", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_solves_and_validates(case: Path) -> None:
    inst, result = solved(case)
    assert result.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)
    assert result.plan is not None
    verdict = validate(inst, result.plan)
    assert verdict.violations == ()
    assert verdict.objective == result.objective
    assert verdict.cost_by_rule == result.cost_by_rule


def test_cambodia_is_fully_staffed() -> None:
    """The flagship case is built to be fully staffed; a shortfall means a regression."""
    inst, result = solved(ROOT / "cambodia-2025")
    assert result.plan is not None
    assert validate(inst, result.plan).unmet == ()
    assert result.cost_by_rule["coverage"] == 0
    assert 100 <= len(inst.officers) <= 140  # a pool of about 120
    assert len(result.plan.officers) >= 50  # about 50 deployed at any time


def test_cambodia_needs_training_to_meet_demand() -> None:
    """The case's second-year growth is only staffed by training officers who lack a course.

    Without sessions the proven optimum leaves demand unmet; with them, the plan enrols
    officers, and taking those enrolments away makes their deployments ineligible.
    """
    inst, result = solved(ROOT / "cambodia-2025")
    assert result.plan is not None and result.plan.enrolments
    untrained = Plan(result.plan.deployments)
    broken = [v for v in validate(inst, untrained).violations if v.rule == "eligibility"]
    assert broken

    bare = solve(replace(inst, sessions=()))
    assert bare.status is SolveStatus.OPTIMAL
    assert bare.cost_by_rule["coverage"] > 0
