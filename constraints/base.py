"""The shape every rule module shares, so the solver and the validator can treat rules alike."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

    from constraints.variables import Variables
    from rotation.domain import Instance, Officer, Posting
    from rotation.plan import Plan, Violation

__all__ = ["Penalty", "Rule", "ignores_posting", "is_active", "only_forbids_starts"]


@dataclass(frozen=True)
class Penalty:
    """A named soft term: ``expr`` is already multiplied by its weight."""

    rule: str
    expr: Any


def _no_encoding(model: cp_model.CpModel, v: Variables, inst: Instance) -> list[Penalty]:
    return []


def _no_violations(inst: Instance, plan: Plan) -> list[Violation]:
    return []


def _the_posting(posting: Posting) -> Hashable:
    return posting.id


def ignores_posting(posting: Posting) -> Hashable:
    """For a rule whose ``allows`` answers the same at every posting (leave, history)."""
    return ()


@dataclass(frozen=True)
class Rule:
    """One planning rule: its CP-SAT encoding and its solver-free checker, side by side.

    ``allows`` lets a rule forbid an (officer, posting, start month) before any variable exists,
    which keeps models small; ``add`` posts constraints and returns soft penalty terms; ``check``
    finds hard violations in a finished plan; ``cost`` recomputes the rule's share of the objective
    from a plan, independently of the model.
    """

    name: str
    hard: bool
    summary: str
    add: Callable[[cp_model.CpModel, Variables, Instance], list[Penalty]] = _no_encoding
    check: Callable[[Instance, Plan], list[Violation]] = _no_violations
    cost: Callable[[Instance, Plan], int] | None = None
    allows: Callable[[Instance, Officer, Posting, int], bool] | None = None
    allows_depends_on: Callable[[Posting], Hashable] = _the_posting
    allows_among: Callable[[Instance, Sequence[Officer], Posting, int], list[Officer]] | None = (
        None)
    """The officers of a pool whom ``allows`` lets through, in pool order: for a rule that can
    answer for a whole pool faster than officer by officer."""
    active: Callable[[Instance], bool] | None = None
    """Whether the rule has anything to say about an instance (None: always). A rule that does
    not (stability outside a re-plan) adds nothing and costs nothing there, so strategies that
    do not build it in may still take the case."""


def only_forbids_starts(rule: Rule) -> bool:
    """Whether ``rule`` acts only by forbidding starts (``allows``): it adds nothing to the model
    and costs nothing, so every strategy that draws starts from the candidate lists honours it."""
    return rule.allows is not None and rule.add is _no_encoding and rule.cost is None


def is_active(rule: Rule, inst: Instance) -> bool:
    """Whether ``rule`` has anything to say about ``inst`` (see ``Rule.active``)."""
    return rule.active is None or rule.active(inst)
