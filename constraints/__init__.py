"""The planning rules, one module each; ``RULES`` lists them hard rules first.

Adding a rule means one new module exposing ``RULE``, one line here and one test file.
"""

from __future__ import annotations

from constraints import (
    availability,
    coverage,
    deployment_limit,
    eligibility,
    fairness,
    one_at_a_time,
    preferences,
    rest,
    skill_mix,
    stability,
    training,
)
from constraints.base import Penalty, Rule

__all__ = ["RULES", "Penalty", "Rule"]

RULES: tuple[Rule, ...] = (
    coverage.RULE,
    one_at_a_time.RULE,
    rest.RULE,
    availability.RULE,
    eligibility.RULE,
    deployment_limit.RULE,
    training.RULE,
    skill_mix.RULE,
    fairness.RULE,
    preferences.RULE,
    stability.RULE,
)

