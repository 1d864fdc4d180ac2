"""Large-neighbourhood search: improve a whole plan a few dozen officers at a time.

Why: one model of every officer at once outgrows CP-SAT's LP-based search from a few hundred
officers up (at 500 officers presolve alone took most of a minute). The same search on a
neighbourhood of a few dozen officers, with everyone else's deployments and seats held as they
are, is small and strong. Each step frees a neighbourhood, lets CP-SAT re-plan it from the current
plan (given as a hint), and keeps the result only when the whole plan, re-checked by the
independent validator, breaks no hard rule and costs less.

Neighbourhoods are chosen from a generator seeded with the solver seed, and each step stops at a
deterministic work limit, so the same seed replays the same steps; only how many steps fit into
a wall-clock time limit depends on the machine (``work_limit`` bounds the steps' total work
instead, which makes the whole run reproducible).
"""

from __future__ import annotations

import random
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from constraints import deployment_limit, fairness
from constraints.skill_mix import requirements as mix_requirements
from rotation.domain import Instance, Officer, Posting, SolverSettings, requirements
from rotation.plan import MixShortfall, Plan, Shortfall
from rotation.solve.model import Candidates, configure, extract, hint
from rotation.validate import Verdict, validate

__all__ = ["Offers", "Outcome", "improve"]

Offers = Callable[[int, Callable[[], bool], int | None], Sequence[tuple[Plan, Verdict]]]
"""(steps taken so far, whether the user has asked to stop, the cost of the search's plan if it
keeps every hard rule) -> plans made elsewhere since the last call, with their verdicts."""

STEP_WORK = 1.0
"""Deterministic work units per neighbourhood (CP-SAT's ``max_deterministic_time``)."""

MIN_STEP_WORK = 0.01
"""What a step counts for at least, against a work limit."""

MAX_FAILED_REPAIRS = 3
"""Steps in a row that fail to mend a plan breaking a hard rule (a first plan should never do
so) before the search gives the case back to the whole model."""

FAIRNESS_FROM, FAIRNESS_TO = 0.5, 0.8
"""Steps whose draw falls here are built around an officer above the hardship target (see
``_around_excess``); below, around a shortfall or a posting; above, partly at random."""

FIRST_SIZE = 15
"""Officers freed per step at first; grows when steps finish early, shrinks when they do not."""


@dataclass
class Outcome:
    """The best plan found, its verdict, and what the search did."""

    plan: Plan
    verdict: Verdict
    steps: int
    improvements: int
    work: float
    stopped: str


class _Search:
    def __init__(self, inst: Instance, settings: SolverSettings, candidates: Candidates) -> None:
        self.inst = inst
        self.settings = settings
        self.candidates = candidates
        self.rng = random.Random(settings.seed)
        self.ids = [o.id for o in inst.officers]
        self.size = min(FIRST_SIZE, len(self.ids))
        self.running: cp_model.CpSolver | None = None
        self.interrupted = False
        self.was_cut = False  # the last step was stopped by ``cut``
        self.loads: tuple[Plan, dict[str, int]] | None = None
        self.allows: Callable[[Officer, Posting, int], bool] = candidates.allows

    def interrupt(self, *_: object) -> None:
        """SIGINT: stop the step under way and take no more."""
        self.interrupted = True
        self.cut()

    def cut(self) -> None:
        """Stop the step under way, if any, but not the search: what it learns before the next
        step (a plan, a bound) may end it sooner than the step would."""
        running = self.running
        if running is not None:
            self.was_cut = True
            running.stop_search()

    # -- neighbourhoods ----------------------------------------------------------------------
    def neighbourhood(self, plan: Plan, verdict: Verdict) -> frozenset[str]:
        """Officers to re-plan: around a shortfall (of headcount, or of supervisors or
        specialists), an officer over the hardship target, or a posting and month; partly at
        random."""
        rng = self.rng
        kind = rng.random()
        chosen: list[str] = []
        if FAIRNESS_FROM <= kind < FAIRNESS_TO:
            chosen = self._around_excess(plan)
        gaps: list[Shortfall | MixShortfall] = [*verdict.unmet, *verdict.unmet_mix]
        if not chosen and kind < 0.9:
            if gaps and kind < 0.5:
                gap = rng.choice(gaps)
                posting = gap.posting
                month = self.inst.rules.month_of_label(gap.month)
                if isinstance(gap, MixShortfall):
                    chosen = self._holding(posting, month, gap.role)
            else:
                posting = rng.choice(self.inst.postings).id
                month = rng.randrange(len(self.inst.months))
            chosen = chosen + self._around(plan, posting, month)
        rest = list(self.ids)
        rng.shuffle(rest)
        chosen.extend(rest)
        out: dict[str, None] = {}
        for officer in chosen:
            out.setdefault(officer, None)
            if len(out) >= self.size:
                break
        return frozenset(out)

    def _holding(self, posting: str, month: int, role: str) -> list[str]:
        """Officers of the role a mix requirement asks for who could start at ``posting`` in
        time to be there in ``month``: the moves that close a mix gap, which neighbourhoods
        around the posting alone rarely hold."""
        by_id = self.inst.officer_by_id
        counts = next((c for label, _, c in mix_requirements(self.inst.posting_by_id[posting])
                       if label == role), None)
        if counts is None:
            return []
        length = self.inst.rules.deployment_months
        out: list[str] = []
        for s in range(max(0, month - length + 1), month + 1):
            if s in self.inst.rules.start_months:
                out.extend(o for o in self.candidates(posting, s) if counts(by_id[o]))
        self.rng.shuffle(out)
        return out

    def _around(self, plan: Plan, posting: str, month: int) -> list[str]:
        """Officers at ``posting`` near ``month``, those seated in sessions preparing for it,
        and those who could start there then."""
        rng = self.rng
        length = self.inst.rules.deployment_months
        # Deployments there that overlap month - length .. month + length.
        chosen = self._starting(plan, posting, month - 2 * length + 1, month + length)
        # Whoever holds a seat in a session that prepares for this posting then: seats are
        # often what keeps a trainable officer from filling a gap.
        needs = requirements(self.inst.posting_by_id[posting])
        earliest = self.inst.rules.month_start(max(0, month - 2 * length))
        latest = self.inst.rules.month_start(month)
        seated = [
            e.officer for e in plan.enrolments
            if earliest <= e.end <= latest
            and any(n.granted_by(self.inst.course_by_id[e.course]) for n in needs)
        ]
        rng.shuffle(seated)
        chosen.extend(seated)
        pool: list[str] = []
        for s in range(max(0, month - length + 1), month + 1):
            if s in self.inst.rules.start_months:
                pool.extend(self.candidates(posting, s))
        rng.shuffle(pool)
        chosen.extend(pool)
        return chosen

    def _starting(self, plan: Plan, posting: str, first: int, last: int) -> list[str]:
        """Officers of the plan's deployments at ``posting`` starting in months first..last."""
        month_of = self.inst.rules.month_of
        return [d.officer for d in plan.deployments
                if d.posting == posting and first <= month_of(d.start) <= last]

    def _around_excess(self, plan: Plan) -> list[str]:
        """An officer over the hardship target, the officers at that posting then, and officers
        who could take the deployment without going over: the moves the fairness term wants,
        which random neighbourhoods rarely put together (at 500 officers the first plan left
        19 idle officers below the target while 248 were above it)."""
        inst = self.inst
        target = inst.rules.fairness_target
        if inst.rules.weights.fairness == 0:
            return []
        if self.loads is None or self.loads[0] is not plan:
            self.loads = (plan, fairness.load(inst, plan))
        loads = self.loads[1]
        # Deployments that add to a load over the target (a hardship-0 one adds nothing).
        over = [d for d in plan.deployments if loads.get(d.officer, 0) > target
                and inst.posting_by_id[d.posting].hardship > 0]
        if not over:
            return []
        d = self.rng.choice(over)
        length = inst.rules.deployment_months
        month = inst.rules.month_of(d.start)
        chosen = [d.officer, *self._starting(plan, d.posting, month - length, month + length)]
        added = fairness.deployment_load(inst, inst.posting_by_id[d.posting], month)
        cap = deployment_limit.limit(inst)
        room: list[str] = []
        for s in range(max(0, month - length), month + length + 1):
            if s not in inst.rules.start_months:
                continue
            for o in self.candidates(d.posting, s):
                if loads.get(o, 0) + added <= target and (
                    cap is None or len(plan.for_officer(o)) < cap
                ):
                    room.append(o)
        self.rng.shuffle(room)
        half = max(1, self.size // 2)
        return chosen[:half] + room

    # -- one step ----------------------------------------------------------------------------
    def step(self, plan: Plan, free: frozenset[str], seconds: float
             ) -> tuple[Plan | None, float, bool]:
        """Re-plan ``free``; returns the merged plan (or None), the work spent, and whether the
        step's search finished before its limit."""
        model = self.candidates.build(plan, free, self.allows)
        hint(self.inst, model, plan)
        solver = cp_model.CpSolver()
        configure(solver, self.settings, seconds, lp=True)
        # Ctrl-C ends the whole search, not just this step: improve() handles the signal.
        solver.parameters.catch_sigint_signal = False
        self.running = solver
        solver.parameters.max_deterministic_time = STEP_WORK
        # Probing and symmetry detection took two thirds of each small step's time at 500
        # officers.
        solver.parameters.cp_model_probing_level = 0
        solver.parameters.symmetry_level = 0
        self.was_cut = False
        try:
            code = solver.solve(model.cp)
        finally:
            self.running = None
        work = solver.deterministic_time
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None, work, False
        merged = plan.replanned(free, extract(self.inst, model, solver))
        return merged, work, code == cp_model.OPTIMAL


def improve(
    inst: Instance,
    plan: Plan,
    settings: SolverSettings,
    candidates: Candidates,
    deadline: float,
    report: Callable[[int], None] | None = None,
    verdict: Verdict | None = None,
    floor: Callable[[], int | None] | None = None,
    offers: Offers | None = None,
    cut: Callable[[Callable[[], None]], None] | None = None,
) -> Outcome:
    """Improve ``plan`` until ``deadline`` (a ``time.perf_counter()`` value) or the settings'
    work limit. A plan that misses a mix minimum is mended first, where the pool allows.
    ``verdict`` is the validator's verdict on ``plan``, when the caller already has it.
    ``floor`` gives a proven lower bound as it stands (it may rise while the search runs): a
    valid plan that costs no more is optimal, so the search stops there. ``offers`` is asked
    before each step for whole plans made elsewhere, with their verdicts; the search goes on
    from one when it ranks above its own. ``cut`` is handed the function that stops the step
    under way (not the search), for whoever learns of such a plan or bound while it runs."""
    search = _Search(inst, settings, candidates)
    if cut is not None:
        cut(search.cut)
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, search.interrupt) if main else None
    try:
        return _run(search, inst, plan, verdict or validate(inst, plan, candidates.rules),
                    settings, deadline, report, floor, offers)
    finally:
        if main:
            signal.signal(signal.SIGINT, previous)


def _run(search: _Search, inst: Instance, plan: Plan, verdict: Verdict,
         settings: SolverSettings, deadline: float, report: Callable[[int], None] | None,
         floor: Callable[[], int | None] | None = None,
         offers: Offers | None = None) -> Outcome:
    steps = improvements = failed_repairs = 0
    work = 0.0
    shown: int | None = None
    stopped = "time limit"

    def better(other: Plan, judged: Verdict) -> bool:
        """Go on from ``other`` if it ranks above the plan in hand (and say so)."""
        nonlocal plan, verdict, improvements
        if judged.rank >= verdict.rank:
            return False
        plan, verdict = other, judged
        improvements += 1
        if report is not None:
            report(verdict.objective)
        return True

    while True:
        holding = verdict.objective if verdict.ok else None
        for offered, judged in (offers(steps, lambda: search.interrupted, holding) if offers
                                else ()):
            better(offered, judged)
        proven = floor() if floor is not None else None
        if proven != shown and verdict.ok and report is not None:
            report(verdict.objective)  # the bound rose: say so, with the plan as it stands
        shown = proven
        # No plan costs less than nothing: every cost of the fast path's rules is at least 0
        # (weights are never negative), so a plan of cost 0 is optimal at once.
        if verdict.ok and verdict.objective <= max(proven or 0, 0):
            stopped = "bound reached"
            break
        if search.interrupted:
            stopped = "interrupted"
            break
        left = deadline - time.perf_counter()
        if left <= 0.05:
            break
        if settings.work_limit is not None and work >= settings.work_limit:
            stopped = "work limit"
            break
        free = search.neighbourhood(plan, verdict)
        merged, spent, finished = search.step(plan, free, left)
        # A step cut short for news from elsewhere says nothing of the repair or of its size.
        cut = search.was_cut
        steps += 1
        if merged is None and not verdict.ok and not cut:
            failed_repairs += 1
            if failed_repairs >= MAX_FAILED_REPAIRS:
                stopped = "hard rule not mended"
                break
        # Every step counts for some work, so a work limit ends even a run of trivial steps.
        work += max(spent, MIN_STEP_WORK)
        if finished and len(free) == len(search.ids):
            # The step re-planned every officer to optimality: nothing is left to improve.
            if merged is not None:
                better(merged, validate(inst, merged, search.candidates.rules))
            stopped = "search complete"
            break
        if finished and search.size < len(search.ids):
            search.size = min(len(search.ids), search.size + 5)
        elif not finished and search.size > 10 and not cut:
            search.size -= 5
        if merged is None:
            continue
        # A step that kept what it was given (the usual case once a neighbourhood is locally
        # optimal) needs no new verdict; validating 5,000 officers takes seconds.
        if better(merged, verdict if merged == plan
                  else validate(inst, merged, search.candidates.rules)):
            continue
        if not verdict.ok and not cut:
            failed_repairs += 1
            if failed_repairs >= MAX_FAILED_REPAIRS:
                stopped = "hard rule not mended"
                break
    return Outcome(plan, verdict, steps, improvements, work, stopped)
