"""The independent checker: hard-rule violations and the objective, recomputed from a plan.

It uses only the rules' solver-free checkers and cost functions, which read dates from the plan
and facts from the input. Every plan the CLI stores passes it; the tests judge the solver by it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from constraints import RULES, Rule, skill_mix
from constraints.coverage import unmet
from rotation.domain import Instance
from rotation.plan import MixShortfall, Plan, Shortfall, Violation

__all__ = ["Verdict", "cost_by_rule", "objective", "validate"]


@dataclass(frozen=True)
class Verdict:
    """What the validator found: hard violations, recomputed costs and unmet demand."""

    violations: tuple[Violation, ...]
    cost_by_rule: dict[str, int]
    unmet: tuple[Shortfall, ...]
    unmet_mix: tuple[MixShortfall, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def objective(self) -> int:
        return sum(self.cost_by_rule.values())

    @property
    def rank(self) -> tuple[int, int]:
        """How the solver orders plans: fewer hard violations first (a first plan may miss a
        mix minimum), then the lower cost."""
        return len(self.violations), self.objective


def cost_by_rule(inst: Instance, plan: Plan, rules: Sequence[Rule] = RULES) -> dict[str, int]:
    """Each soft term's weighted cost, keyed by rule name."""
    return {rule.name: rule.cost(inst, plan) for rule in rules if rule.cost is not None}


def objective(inst: Instance, plan: Plan, rules: Sequence[Rule] = RULES) -> int:
    return sum(cost_by_rule(inst, plan, rules).values())


def validate(inst: Instance, plan: Plan, rules: Sequence[Rule] = RULES) -> Verdict:
    """Check every hard rule of ``rules`` and recompute every cost of ``plan`` against ``inst``."""
    violations: list[Violation] = []
    for rule in rules:
        violations.extend(rule.check(inst, plan))
    mix = tuple(skill_mix.unmet(inst, plan)) if skill_mix.RULE in rules else ()
    return Verdict(tuple(violations), cost_by_rule(inst, plan, rules), tuple(unmet(inst, plan)),
                   mix)
