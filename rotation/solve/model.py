"""The model builder every strategy shares: who may start where and when, the CP-SAT model of a
rule set, and a CP-SAT search that another thread may stop.

Why one module: the whole-model search, the neighbourhood search, the combination's staffing and
the proof all solve the same model of every rule, restricted in different ways; building it,
reading a plan out of it and setting CP-SAT's parameters happen here once. The rule set of a solve
travels with :class:`Candidates`, so a strategy builds its models and judges its plans by the
rules the caller chose. Which rules the fast path (first plan, bound, combination, proof) builds in
is declared here too (``FAST_PATH_RULES``); it declines any other.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from ortools.sat.python import cp_model

from constraints import (
    RULES,
    Penalty,
    Rule,
    availability,
    coverage,
    deployment_limit,
    eligibility,
    fairness,
    one_at_a_time,
    preferences,
    rest,
    skill_mix,
    training,
)
from constraints.base import ignores_posting, is_active, only_forbids_starts
from constraints.variables import Variables
from rotation.domain import Instance, Officer, Posting, SolverSettings
from rotation.errors import RotationError
from rotation.plan import Deployment, Enrolment, Plan

__all__ = [
    "FAST_PATH_RULES",
    "Candidates",
    "Model",
    "Stop",
    "UnknownRules",
    "build",
    "candidate_starts",
    "configure",
    "extract",
    "hint",
]

FAST_PATH_RULES: tuple[Rule, ...] = (
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
)
"""The rules the first plan, the bound, the combination and the proof build in, each as its own
module states it (they ask the module for its prices and members rather than restate them). A
rule that only forbids starts (``allows``, with nothing added to the model and no cost) is
honoured by all of them through the candidate lists. Any other rule must be taught to each and
listed here; until then they refuse a rule set that holds it (:class:`UnknownRules`), and the
solve falls back to the whole model and says so."""


class UnknownRules(RotationError):
    """A strategy of the fast path was handed rules it does not build in."""


@dataclass
class Model:
    """A built CP-SAT model with its variables and named penalty terms."""

    cp: cp_model.CpModel
    variables: Variables
    penalties: list[Penalty]
    build_time: float


def _allows(inst: Instance, rules: Sequence[Rule]) -> Callable[[Officer, Posting, int], bool]:
    checks = [rule.allows for rule in rules if rule.allows is not None]

    def allowed(officer: Officer, posting: Posting, start: int) -> bool:
        return all(check(inst, officer, posting, start) for check in checks)

    return allowed


def build(inst: Instance, fixed: Plan | None = None, free: frozenset[str] | None = None,
          allows: Callable[[Officer, Posting, int], bool] | None = None,
          rules: Sequence[Rule] = RULES) -> Model:
    """Create the variables and let every rule of ``rules`` add its encoding.

    With ``free``, only those officers are decided; the rest of ``fixed`` is held as it is
    (see :class:`constraints.variables.Variables`). ``allows`` answers who may start where and
    when, when the caller already knows (:meth:`Candidates.allows`); by default the rules are
    asked.
    """
    began = time.perf_counter()
    cp = cp_model.CpModel()
    variables = Variables(cp, inst, allows or _allows(inst, rules), fixed, free)
    penalties: list[Penalty] = []
    for rule in rules:
        penalties.extend(rule.add(cp, variables, inst))
    if penalties:
        cp.minimize(sum(p.expr for p in penalties))
    return Model(cp, variables, penalties, time.perf_counter() - began)


def extract(inst: Instance, model: Model, solver: cp_model.CpSolver) -> Plan:
    """The deployments and enrolments the solver's current solution switches on."""
    deployments = []
    for (officer, posting, start), var in model.variables.items():
        if solver.boolean_value(var):
            first, last = inst.rules.deployment_span(start)
            deployments.append(Deployment(officer, posting, first, last))
    enrolments = []
    for (officer, session_id), var in model.variables.enrolments():
        if solver.boolean_value(var):
            session = inst.session_by_id[session_id]
            enrolments.append(
                Enrolment(officer, session.course, session.id, session.start, session.end)
            )
    return Plan(tuple(deployments), tuple(enrolments))


def hint(inst: Instance, model: Model, plan: Plan) -> None:
    """Hand CP-SAT ``plan`` as a complete assignment of the model's decision variables (of a
    neighbourhood's model too: only its free officers have variables to hint)."""
    chosen = {(d.officer, d.posting, inst.rules.month_of(d.start)) for d in plan.deployments}
    enrolled = {(e.officer, e.session) for e in plan.enrolments}
    for key, var in model.variables.items():
        model.cp.add_hint(var, key in chosen)
    for pair, var in model.variables.enrolments():
        model.cp.add_hint(var, pair in enrolled)


def configure(solver: cp_model.CpSolver, settings: SolverSettings, seconds: float, lp: bool
              ) -> None:
    """Set CP-SAT's parameters from the planner's settings, with ``seconds`` to run."""
    params: Any = solver.parameters
    params.max_time_in_seconds = max(seconds, 0.01)
    if settings.work_limit is not None:
        params.max_deterministic_time = settings.work_limit
    params.random_seed = settings.seed
    params.num_workers = settings.workers
    # Several workers run interleaved, CP-SAT's deterministic parallel mode, so a repeat run
    # with the same seed and workers retraces the same search.
    params.interleave_search = settings.workers > 1
    if lp:
        # Rest windows are at-most-one constraints, which reach the LP relaxation only at
        # level 2, where staffed plans are found and proven far sooner on small cases.
        params.linearization_level = 2
    else:
        # On large models that LP, presolve's probing and symmetry search stall the search
        # before its first plan.
        params.linearization_level = 0
        params.cp_model_probing_level = 0
        params.symmetry_level = 0


def candidate_starts(inst: Instance) -> int:
    """Officers x postings x start months: the size of the model before any rule prunes it."""
    return len(inst.officers) * len(inst.postings) * len(inst.rules.start_months)


class Candidates:
    """Who may start a deployment where and when, by every rule's ``allows``, with the rule set
    of the solve. Called with (posting, start month), it gives the officers in the case's order.

    The rules are asked lazily, each only about the officers every rule before it let through,
    and the answer is kept per start and per what the rules so far depend on
    (``allows_depends_on``): a leave record does not change from one posting to the next, and
    postings with the same entry requirements admit the same officers. Rules that ignore the
    posting go first, so their answers are shared by every posting.
    """

    def __init__(self, inst: Instance, rules: Sequence[Rule] = RULES) -> None:
        self.inst = inst
        self.rules = tuple(rules)
        self._filters = sorted((rule for rule in self.rules if rule.allows is not None),
                               key=lambda rule: rule.allows_depends_on is not ignores_posting)
        self._passing: dict[tuple[int, tuple[Hashable, ...]], list[Officer]] = {}
        self._lists: dict[tuple[int, tuple[Hashable, ...]], list[str]] = {}
        # Each list as a set, for ``allows``: strategies that build a model per step ask it
        # for every start of every officer they free.
        self._members: dict[int, tuple[list[str], frozenset[str]]] = {}

    def __call__(self, posting: str, start: int) -> list[str]:
        where = self.inst.posting_by_id[posting]
        key = (start, tuple(rule.allows_depends_on(where) for rule in self._filters))
        found = self._lists.get(key)
        if found is None:
            found = self._lists[key] = [o.id for o in self._pass(where, start)]
        return found

    def _pass(self, where: Posting, start: int) -> list[Officer]:
        pool = list(self.inst.officers)
        facets: tuple[Hashable, ...] = ()
        for rule in self._filters:
            facets = (*facets, rule.allows_depends_on(where))
            found = self._passing.get((start, facets))
            if found is None:
                allows = rule.allows
                assert allows is not None
                if rule.allows_among is not None:
                    found = rule.allows_among(self.inst, pool, where, start)
                else:
                    found = [o for o in pool if allows(self.inst, o, where, start)]
                self._passing[start, facets] = found
            pool = found
        return pool

    def allows(self, officer: Officer, posting: Posting, start: int) -> bool:
        """The rules' verdict on one start, read from the remembered lists."""
        found = self(posting.id, start)
        known = self._members.get(id(found))
        if known is None or known[0] is not found:
            known = self._members[id(found)] = (found, frozenset(found))
        return officer.id in known[1]

    def build(self, fixed: Plan | None = None, free: frozenset[str] | None = None,
              allows: Callable[[Officer, Posting, int], bool] | None = None) -> Model:
        """:func:`build` with this rule set, asking ``allows`` or else these lists."""
        return build(self.inst, fixed, free, allows or self.allows, self.rules)

    @property
    def unknown(self) -> tuple[Rule, ...]:
        """Rules of this set with something to say about the case that the fast path does not
        build in (``FAST_PATH_RULES``)."""
        return tuple(rule for rule in self.rules
                     if rule not in FAST_PATH_RULES and not only_forbids_starts(rule)
                     and is_active(rule, self.inst))

    def require_known(self, who: str) -> None:
        """Refuse, for ``who``, a rule set the fast path does not build in."""
        if self.unknown:
            names = ", ".join(f"'{rule.name}'" for rule in self.unknown)
            raise UnknownRules(f"{who} does not build in the rule{'s' * (len(self.unknown) > 1)} "
                               f"{names}")


class Stop:
    """Asks the CP-SAT searches under way to stop, from any thread, and stays set. Also a plain
    flag (``is_set``) for whatever else runs on the same thread. Several threads may share one
    (a combination and a proof run side by side): every search under way is stopped. HiGHS
    cannot be interrupted: a choice under way sees it when it returns."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._running: set[cp_model.CpSolver] = set()

    def set(self) -> None:
        with self._lock:
            self._event.set()
            for solver in self._running:
                solver.stop_search()

    def is_set(self) -> bool:
        return self._event.is_set()

    def running(self, solver: cp_model.CpSolver) -> bool:
        """Register a CP-SAT search about to start; False (not registered) if stopped."""
        with self._lock:
            if self._event.is_set():
                return False
            self._running.add(solver)
            return True

    def over(self, solver: cp_model.CpSolver) -> None:
        """Forget a search that has ended."""
        with self._lock:
            self._running.discard(solver)

    def solve(self, cp: cp_model.CpModel, deadline: float, seed: int, work: float
              ) -> tuple[Any, cp_model.CpSolver] | None:
        """CP-SAT's status and solver for ``cp`` (one worker, with the LP relaxation), by
        ``deadline`` (a ``time.perf_counter()`` value) and within ``work`` units of
        deterministic work, so that the same model gives the same answer on any machine that
        has the time; None if no time is left or this was set before it began. Setting this
        stops it; Ctrl-C is the caller's to handle."""
        seconds = deadline - time.perf_counter()
        if seconds <= 0:
            return None
        solver = cp_model.CpSolver()
        configure(solver, SolverSettings(time_limit=seconds, seed=seed), seconds, lp=True)
        solver.parameters.max_deterministic_time = work
        solver.parameters.catch_sigint_signal = False
        if not self.running(solver):
            return None
        try:
            code = solver.solve(cp)
        finally:
            self.over(solver)
        return code, solver
