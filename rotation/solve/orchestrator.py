"""Who decides: which path solves a case, and what its result says.

Small cases are one CP-SAT model (:mod:`rotation.solve.whole_model`), which proves its own
bound. Larger ones start from a first plan (:mod:`rotation.solve.first_plan`) and are improved a
neighbourhood at a time (:mod:`rotation.solve.neighbourhoods`), with the Lagrangian bound, the
plans combined from it and the proof on threads beside (:mod:`rotation.solve.beside`); if that
search cannot mend its first plan, the whole model takes over. A rule set the fast path does not
build in (:data:`rotation.solve.model.FAST_PATH_RULES`) is solved as one model, whatever its
size, and the result says so.
"""

from __future__ import annotations

import math
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace

from constraints import RULES, Rule
from rotation.domain import Instance, SolverSettings
from rotation.plan import Plan, Progress, Result, SolveStatus
from rotation.solve.beside import OFFER_EVERY, BoundBeside
from rotation.solve.first_plan import first_plan
from rotation.solve.model import Candidates, candidate_starts
from rotation.solve.neighbourhoods import Outcome, improve
from rotation.solve.whole_model import KEPT_FIRST_PLAN, solve_whole
from rotation.validate import Verdict, validate

__all__ = ["NEIGHBOURHOODS_ABOVE", "solve"]

NEIGHBOURHOODS_ABOVE = 2_000
"""Candidate starts (officers x postings x start months) above which a case is solved by
neighbourhood search from a first plan, with the bound beside, instead of as one model: from the
50-officer benchmark case up, that path proves the optimum many times sooner (benchmarks/
HISTORY.md has the figures). Deterministic: it depends on the case's size only."""


def solve(
    inst: Instance,
    settings: SolverSettings | None = None,
    progress: Callable[[Progress], None] | None = None,
    rules: Sequence[Rule] = RULES,
    hint: Plan | None = None,
) -> Result:
    """Solve ``inst`` under ``rules``; never raises for infeasibility, which is a status of the
    result. ``hint`` is a plan to start from (a scenario's base plan, a re-plan's published
    future): the search starts there instead of from the greedy's first plan when it keeps
    every hard rule and costs less, and the whole model takes it as CP-SAT's hint."""
    settings = settings or inst.solver
    parameters: dict[str, float | int] = {
        "time_limit": settings.time_limit,
        "seed": settings.seed,
        "workers": settings.workers,
    }
    if settings.work_limit is not None:
        parameters["work_limit"] = settings.work_limit
    candidates = Candidates(inst, rules)
    if candidates.unknown:
        names = ", ".join(f"'{rule.name}'" for rule in candidates.unknown)
        note = (f"solved as one model: the first plan, the bound, the combination and the "
                f"proof do not build in {names}")
        return solve_whole(inst, settings, progress, parameters, candidates.rules, hint,
                           notes=(note,), hinted=hint is not None)
    began = time.perf_counter()
    if candidate_starts(inst) > NEIGHBOURHOODS_ABOVE:
        result, first = _solve_by_neighbourhoods(candidates, settings, progress, parameters,
                                                 hint)
        if result is not None:
            return result
        left = settings.time_limit - (time.perf_counter() - began)
        return solve_whole(inst, replace(settings, time_limit=max(left, 1.0)), progress,
                           parameters, candidates.rules, first)
    first = first_plan(inst, candidates)
    if hint is not None:
        first, _, _ = _start(candidates, first, hint)
    try:
        return solve_whole(inst, settings, progress, parameters, candidates.rules, first,
                           spent=time.perf_counter() - began, hinted=hint is not None)
    except KeyboardInterrupt:
        # Ctrl-C outside CP-SAT's search (which stops on it and returns): building the model,
        # or reading the plan back. The first plan is in hand; it is the answer.
        kept = _interrupted(inst, first, candidates.rules, parameters, began)
        if kept is None:
            raise
        return kept


def _start(candidates: Candidates, first: Plan, hint: Plan | None
           ) -> tuple[Plan, Verdict, bool]:
    """The plan a search starts from, with the validator's verdict on it and whether ``hint``
    made it: the first plan; ``hint`` itself; or the first plan made with ``hint``'s deployments
    as its lead (wherever the greedy fills a gap it tries them first, so the parts of the hint
    that still fit are kept and only what changed is staffed anew); whichever keeps every hard
    rule and costs least, the first plan among equals."""
    inst = candidates.inst
    verdict = validate(inst, first, candidates.rules)
    if hint is None:
        return first, verdict, False
    used = False
    lead = [(d.officer, d.posting, inst.rules.month_of(d.start)) for d in hint.deployments]
    for option in (hint, first_plan(inst, candidates, lead)):
        checked = validate(inst, option, candidates.rules)
        if checked.ok and (not verdict.ok or checked.objective < verdict.objective):
            first, verdict, used = option, checked, True
    return first, verdict, used


def _interrupted(inst: Instance, first: Plan, rules: Sequence[Rule],
                 parameters: dict[str, float | int], began: float) -> Result | None:
    """The first plan as the result of a solve interrupted before the search had a better
    one; None if it breaks a hard rule (then there is no plan to keep)."""
    verdict = validate(inst, first, rules)
    if not first.deployments or not verdict.ok:
        return None
    return Result(SolveStatus.FEASIBLE, first, verdict.objective, None,
                  time.perf_counter() - began, cost_by_rule=verdict.cost_by_rule,
                  unmet=verdict.unmet, unmet_mix=verdict.unmet_mix, parameters=parameters,
                  stopped=f"interrupted; {KEPT_FIRST_PLAN}")


@contextmanager
def _held_interrupts() -> Iterator[None]:
    """Ctrl-C waits until what runs inside is done (starting the threads beside: a thread
    interrupted while it starts cannot be joined), then interrupts. Main thread only."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    came: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda number, frame: came.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous or signal.default_int_handler)
    if came:
        raise KeyboardInterrupt


def _solve_by_neighbourhoods(
    candidates: Candidates,
    settings: SolverSettings,
    progress: Callable[[Progress], None] | None,
    parameters: dict[str, float | int],
    hint: Plan | None = None,
) -> tuple[Result | None, Plan]:
    """First plan, then neighbourhood by neighbourhood, the bound beside. No result if the
    first plan breaks a hard rule the search cannot mend: the whole model is tried then, from
    the same first plan, which is returned either way."""
    inst = candidates.inst
    began = time.perf_counter()
    first, first_verdict, hinted = _start(candidates, first_plan(inst, candidates), hint)
    deadline = began + settings.time_limit
    every = max(1, math.ceil(OFFER_EVERY * candidate_starts(inst) / 200_000))
    beside = BoundBeside(inst, candidates, first, first_verdict.objective, deadline,
                         every if settings.work_limit is not None else None, settings.seed)

    shown: list[tuple[int, int | None]] = []  # the last objective and bound reported

    def report(objective: int) -> None:
        if progress is not None:
            shown[:] = [(objective, beside.value)]
            progress(Progress(time.perf_counter() - began, objective, beside.value))

    def bound_rose() -> None:
        """While the search waits for the combined plans, the bound still rises: say so."""
        if shown and shown[0][1] != beside.value:
            report(shown[0][0])

    beside.on_wait = bound_rose
    outcome: Outcome | None = None
    try:
        with _held_interrupts():
            beside.start()
        if first_verdict.ok:
            report(first_verdict.objective)
        outcome = improve(
            inst, first, settings, candidates, deadline, report, first_verdict,
            lambda: beside.value, beside.offers, beside.listen,
        )
    except KeyboardInterrupt:
        # Ctrl-C before the search took it over (it stops on Ctrl-C itself): the first plan,
        # if it holds, is the plan in hand.
        if not first_verdict.ok:
            raise
        outcome = Outcome(first, first_verdict, 0, 0, 0.0, "interrupted")
    finally:
        # Stopped early by the plan (optimal), the user or an error: no more bound is needed.
        # Otherwise the bound may finish its steps within the time limit, so that its value
        # does not depend on how fast the search went.
        early = outcome is None or not outcome.verdict.ok or outcome.stopped in (
            "search complete", "bound reached", "interrupted")
        bound = beside.finish(None if early else deadline)
    wall = time.perf_counter() - began
    if not outcome.verdict.ok:
        return None, first
    stats = {
        "candidate_starts": candidate_starts(inst),
        "neighbourhoods": outcome.steps,
        "improvements": outcome.improvements,
        "bound_steps": bound.iterations,
        "bound_rounds": bound.rounds,
        "bound_ms": round(1000 * bound.seconds),
    }
    if beside.failed:
        stats["bound_failed"] = 1
    if hinted:
        stats["hint_used"] = 1
    stats["led_plans"] = 0
    stats.update(beside.stats())
    if first_verdict.ok:
        stats["first_plan_objective"] = first_verdict.objective
    objective = outcome.verdict.objective
    # Optimal when a step re-planned every officer to optimality, or the plan meets the bound
    # (during the search, or after it while the bound finished its steps).
    stopped = outcome.stopped
    reached = objective <= 0 or (bound.value is not None and bound.value >= objective)
    if reached and stopped != "search complete":
        stopped = "bound reached"  # a plan of cost 0 meets the bound every plan has
    optimal = stopped in ("search complete", "bound reached")
    return Result(
        SolveStatus.OPTIMAL if optimal else SolveStatus.FEASIBLE,
        outcome.plan,
        objective,
        objective if optimal else bound.value,
        wall,
        cost_by_rule=outcome.verdict.cost_by_rule,
        unmet=outcome.verdict.unmet,
        unmet_mix=outcome.verdict.unmet_mix,
        parameters=parameters,
        stats=stats,
        stopped=stopped,
    ), first


