"""The whole case as one CP-SAT model: the path for small cases, and the fallback for the rest.

CP-SAT proves its own bound here, so the result is optimal, feasible with a gap, infeasible (the
hard rules cannot all hold) or without a plan when the time ran out first. A first plan, when the
caller made one, is a fallback kept if the search finds nothing as good, and on large models a
hint.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

from ortools.sat.python import cp_model

from constraints import Rule, skill_mix
from constraints.coverage import unmet
from rotation.domain import Instance, SolverSettings
from rotation.plan import Plan, Progress, Result, SolveStatus
from rotation.solve.model import build, configure, extract, hint
from rotation.validate import validate

__all__ = ["KEPT_FIRST_PLAN", "LARGE_MODEL", "solve_whole"]

KEPT_FIRST_PLAN = "kept the first plan, the search found none better"

LARGE_MODEL = 50_000
"""Starts above which the whole model is searched from the first plan as a hint and without
the LP relaxation (see ``configure``): on models that large CP-SAT finds no plan without them."""


class _Watcher(cp_model.CpSolverSolutionCallback):
    """Reports each improving plan to the caller's progress function."""

    def __init__(self, report: Callable[[Progress], None], began: float) -> None:
        super().__init__()
        self._report = report
        self._began = began

    def on_solution_callback(self) -> None:
        self._report(
            Progress(
                time.perf_counter() - self._began,
                round(self.objective_value),
                round(self.best_objective_bound),
            )
        )


_STATUS = {
    cp_model.OPTIMAL: SolveStatus.OPTIMAL,
    cp_model.FEASIBLE: SolveStatus.FEASIBLE,
    cp_model.INFEASIBLE: SolveStatus.INFEASIBLE,
    cp_model.UNKNOWN: SolveStatus.NO_PLAN,
    cp_model.MODEL_INVALID: SolveStatus.INVALID,
}


def solve_whole(
    inst: Instance,
    settings: SolverSettings,
    progress: Callable[[Progress], None] | None,
    parameters: dict[str, float | int],
    rules: Sequence[Rule],
    first: Plan | None = None,
    spent: float = 0.0,
    notes: tuple[str, ...] = (),
    hinted: bool = False,
) -> Result:
    """One CP-SAT model of every rule of ``rules``. ``first`` is the first plan when the caller
    made one, ``spent`` the seconds that took: the time limit and the wall time cover it, as it
    is part of what the planner waits for. ``hinted``: hand ``first`` to CP-SAT as a hint
    whatever the model's size (a re-plan's published future is near its optimum)."""
    model = build(inst, rules=rules)
    began = time.perf_counter() - spent
    watcher = _Watcher(progress, began) if progress else None
    large = len(model.variables) > LARGE_MODEL
    if first is not None and (large or hinted):
        # On the Cambodia example the hint led the search away from the optimum it otherwise
        # proves; on large models the search finds nothing without it.
        hint(inst, model, first)
    solver = cp_model.CpSolver()
    configure(solver, settings, settings.time_limit - (time.perf_counter() - began), lp=not large)
    code = solver.solve(model.cp, watcher)
    wall = time.perf_counter() - began
    status = _STATUS.get(code, SolveStatus.NO_PLAN)
    stats = {
        "variables": len(model.cp.proto.variables),
        "constraints": len(model.cp.proto.constraints),
        "starts": len(model.variables),
        "enrolments": len(list(model.variables.enrolments())),
    }
    stopped = _why_stopped(code, settings, wall, solver.deterministic_time)
    first_verdict = validate(inst, first, rules) if first is not None and first.deployments \
        else None
    if first_verdict is not None and first_verdict.ok:
        stats["first_plan_objective"] = first_verdict.objective
    searched = status.has_plan and (
        first_verdict is None
        or not first_verdict.ok
        or sum(round(solver.value(p.expr)) for p in model.penalties) <= first_verdict.objective
    )
    if not searched and first is not None and first_verdict is not None and first_verdict.ok:
        # The search found nothing as good as the plan it was handed: keep that one, honestly
        # labelled, rather than report no plan.
        bound = _bound(solver, code)
        return Result(
            SolveStatus.FEASIBLE,
            first,
            first_verdict.objective,
            bound if bound is not None and bound <= first_verdict.objective else None,
            wall,
            cost_by_rule=first_verdict.cost_by_rule,
            unmet=first_verdict.unmet,
            unmet_mix=first_verdict.unmet_mix,
            parameters=parameters,
            stats=stats,
            stopped=f"{stopped}; {KEPT_FIRST_PLAN}",
            notes=notes,
        )
    if not status.has_plan:
        return Result(status, None, None, None, wall, parameters=parameters, stats=stats,
                      stopped=stopped, notes=notes)
    plan = extract(inst, model, solver)
    costs = {rule.name: 0 for rule in rules if rule.cost is not None}
    for p in model.penalties:
        costs[p.rule] = costs.get(p.rule, 0) + round(solver.value(p.expr))
    # The plan's own cost, summed from its terms: CP-SAT's reported objective_value has been
    # seen above what its final solution costs when the time limit stopped it.
    objective = sum(costs.values())
    bound = round(solver.best_objective_bound) if model.penalties else 0
    return Result(
        status,
        plan,
        objective,
        bound,
        wall,
        cost_by_rule=costs,
        unmet=tuple(unmet(inst, plan)),
        unmet_mix=tuple(skill_mix.unmet(inst, plan)) if skill_mix.RULE in rules else (),
        parameters=parameters,
        stats=stats,
        stopped=stopped,
        notes=notes,
    )


def _bound(solver: cp_model.CpSolver, code: Any) -> int | None:
    """The search's lower bound, when it has one worth reporting."""
    value = solver.best_objective_bound
    if code == cp_model.MODEL_INVALID or not math.isfinite(value):
        return None
    return round(value)


def _why_stopped(code: Any, settings: SolverSettings, wall: float, work: float) -> str:
    """Name the limit that ended the search; CP-SAT itself stops on Ctrl-C (SIGINT)."""
    if code in (cp_model.OPTIMAL, cp_model.INFEASIBLE, cp_model.MODEL_INVALID):
        return "search complete"
    if settings.work_limit is not None and work >= settings.work_limit * 0.99:
        return "work limit"
    if wall >= settings.time_limit * 0.98:
        return "time limit"
    return "interrupted"
