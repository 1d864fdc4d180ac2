"""Plans and solve results as plain values, comparable and storable without the solver."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cached_property
from typing import TypeVar

__all__ = [
    "Deployment",
    "Enrolment",
    "MixShortfall",
    "Plan",
    "Progress",
    "Result",
    "Shortfall",
    "SolveStatus",
    "Violation",
    "relative_gap",
]


@dataclass(frozen=True, order=True)
class Deployment:
    """One officer at one posting from ``start`` to ``end``, both days inclusive."""

    officer: str
    posting: str
    start: date
    end: date


@dataclass(frozen=True, order=True)
class Enrolment:
    """One officer in one dated session of a pre-deployment course, ``start``..``end`` inclusive."""

    officer: str
    course: str
    session: str
    start: date
    end: date


_Item = TypeVar("_Item", Deployment, Enrolment)


@dataclass(frozen=True)
class Plan:
    """Deployments and training enrolments of one solve, sorted so equal plans compare equal."""

    deployments: tuple[Deployment, ...]
    enrolments: tuple[Enrolment, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "deployments", tuple(sorted(self.deployments)))
        object.__setattr__(self, "enrolments", tuple(sorted(self.enrolments)))

    def replanned(self, free: frozenset[str], part: Plan) -> Plan:
        """This plan with the ``free`` officers' deployments and enrolments those of ``part``:
        how a re-plan of some officers, everyone else held, becomes a whole plan again."""
        return Plan(
            tuple(d for d in self.deployments if d.officer not in free) + part.deployments,
            tuple(e for e in self.enrolments if e.officer not in free) + part.enrolments,
        )

    def for_officer(self, officer: str) -> tuple[Deployment, ...]:
        return self._deployments_by_officer.get(officer, ())

    def enrolments_of(self, officer: str) -> tuple[Enrolment, ...]:
        return self._enrolments_by_officer.get(officer, ())

    # The validator asks per officer; scanning the whole plan each time was quadratic (21 s of
    # a 5,000-officer validation).
    @cached_property
    def _deployments_by_officer(self) -> dict[str, tuple[Deployment, ...]]:
        return _by_officer(self.deployments)

    @cached_property
    def _enrolments_by_officer(self) -> dict[str, tuple[Enrolment, ...]]:
        return _by_officer(self.enrolments)

    def only(self, officer: str) -> Plan:
        """The part of the plan that concerns one officer."""
        return Plan(self.for_officer(officer), self.enrolments_of(officer))

    @property
    def officers(self) -> tuple[str, ...]:
        """Officers with a deployment or an enrolment, sorted."""
        ids = {d.officer for d in self.deployments} | {e.officer for e in self.enrolments}
        return tuple(sorted(ids))


def _by_officer(items: tuple[_Item, ...]) -> dict[str, tuple[_Item, ...]]:
    grouped: dict[str, list[_Item]] = {}
    for item in items:
        grouped.setdefault(item.officer, []).append(item)
    return {officer: tuple(found) for officer, found in grouped.items()}


class SolveStatus(StrEnum):
    """What the solver could say about the plan it returns."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    NO_PLAN = "no-plan-within-limit"
    INVALID = "model-invalid"

    @property
    def has_plan(self) -> bool:
        return self in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


@dataclass(frozen=True)
class Shortfall:
    """Demand left unmet: ``missing`` officers short of the minimum at a posting in a month."""

    posting: str
    month: str
    required: int
    assigned: int

    @property
    def missing(self) -> int:
        return self.required - self.assigned


@dataclass(frozen=True)
class MixShortfall:
    """Supervisors or specialists missing: ``role`` (e.g. "supervisors", "'cyber' specialists")
    has ``present`` officers at a posting in a month that needs ``required``."""

    posting: str
    month: str
    role: str
    required: int
    present: int

    @property
    def missing(self) -> int:
        return self.required - self.present


@dataclass(frozen=True)
class Violation:
    """A broken hard rule, said in words a planner can act on."""

    rule: str
    message: str


@dataclass(frozen=True)
class Progress:
    """A snapshot of a running search, for progress displays."""

    elapsed: float
    objective: int
    bound: int | None


@dataclass(frozen=True)
class Result:
    """Everything a solve produced. ``plan`` is ``None`` unless ``status.has_plan``."""

    status: SolveStatus
    plan: Plan | None
    objective: int | None
    bound: int | None
    wall_time: float
    cost_by_rule: dict[str, int] = field(default_factory=dict)
    unmet: tuple[Shortfall, ...] = ()
    unmet_mix: tuple[MixShortfall, ...] = ()
    parameters: dict[str, float | int] = field(default_factory=dict)
    stats: dict[str, int] = field(default_factory=dict)
    stopped: str = "search complete"
    """Why the search ended: search complete, time limit, work limit or interrupted."""
    notes: tuple[str, ...] = ()
    """What a planner should know about how the plan was found, in words (e.g. that the fast
    path declined a rule and the case was solved as one model)."""

    @property
    def gap(self) -> float | None:
        return relative_gap(self.objective, self.bound)


def relative_gap(objective: int | None, bound: int | None) -> float | None:
    """|objective - bound| / max(|objective|, 1): 0.0 when proven optimal, None without a plan."""
    if objective is None or bound is None:
        return None
    return abs(objective - bound) / max(abs(objective), 1)
