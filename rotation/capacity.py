"""How many officers a posting can hold, by optimisation, and what binds it, in words.

The question is put to the CP-SAT model of every rule (:func:`rotation.solve.model.build`) on
the case with the posting's demand opened up: minimum 0 in the months asked about, maximum the
whole pool in every month (a deployment covering a month asked about covers its neighbours too).
It is answered lexicographically, so that the answer never borrows from elsewhere:

1. the other postings are left no shorter (headcount below their minima, and supervisors and
   specialists missing, as the coverage and skill-mix rules count them) than in the plan the
   engine (:func:`rotation.solve.solve`) finds for the case so opened; for a case that meets all
   its demand that is 0;
2. holding that, the most officers at the posting: in each month on its own (one search per
   month), or, with ``uniform``, the most it can hold in every month of the range at once (the
   smallest month's headcount, maximised).

A month's answer is never below what a plan already known reaches: each search starts from the
best plan known for its month, among the engine's, the plans the caller knows (the published
plan, a scenario's own; each only if it keeps every hard rule of the opened case and leaves the
other postings no shorter), the uniform answers of spans a rotation long (asked first when several
months are, with half the time: each proves far sooner than a single month, and every month of
its span holds at least that) and those the earlier months found. A search that finds nothing
better keeps that plan's count.

Fairness, preferences and training costs do not enter: they decide which plan is chosen among
equals, not how many officers fit. A month whose answer a plan already reaches with every
officer who may serve there then (the simple upper bound) needs no search of its own.

What binds is recomputed from the data and the plan that reaches the answer, officer by officer
for the month in question: who cannot serve at the posting then (no valid credential or course,
nor a seat in a session that would give it in time), who is on leave or resting after a past
deployment, who is at the other postings (keeping their minima), who is at home between their
own deployments because of the rest rule, and who could only go through a full session. Tests
check every answer by solving the case with it as the posting's minimum (met) and with one more
(left unmet), using the independent validator.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from ortools.sat.python import cp_model

from constraints import RULES, coverage, fairness, preferences, skill_mix
from rotation.domain import Instance, Officer, Posting, SolverSettings, requirements
from rotation.errors import InputError, Problem
from rotation.plan import Plan
from rotation.scenarios import with_demand
from rotation.solve import solve
from rotation.solve.model import Candidates, Model, configure, extract, hint
from rotation.validate import validate

__all__ = ["Capacity", "MonthCapacity", "capacity", "limits"]


@dataclass(frozen=True)
class MonthCapacity:
    """The answer for one month: the most officers the posting can hold, whether the search
    proved it, the demand the case asks there, and why no more, in words."""

    month: str
    capacity: int
    bound: int
    """The most the search could not rule out: equal to ``capacity`` when it is proven."""
    demand: tuple[int, int]
    reasons: Counter[str]
    binds: str

    @property
    def proven(self) -> bool:
        return self.bound <= self.capacity


@dataclass(frozen=True)
class Capacity:
    posting: str
    posting_name: str
    first: str
    last: str
    uniform: bool
    months: tuple[MonthCapacity, ...]
    value: int | None
    """With ``uniform``: the headcount the posting can hold in every month of the range."""
    others_short: int
    """The least shortfall (officer-months and missing supervisors or specialists) the other
    postings are left with: 0 when the case meets all their demand."""
    pool: int
    plan: Plan
    """A plan that reaches the answer (for ``uniform``; otherwise the last month's)."""
    wall_time: float

    @property
    def proven(self) -> bool:
        return all(m.proven for m in self.months)


def _months(inst: Instance, first: str | None, last: str | None) -> range:
    rules = inst.rules
    out = []
    for label, default, option in ((first, 0, "--from"), (last, rules.months - 1, "--to")):
        if label is None:
            out.append(default)
            continue
        try:
            t = rules.month_of_label(label)
        except ValueError:
            raise InputError(Problem(f"'{label}' is not a month; write YYYY-MM",
                                     field=option)) from None
        if not 0 <= t < rules.months:
            raise InputError(Problem(
                f"{label} is outside the horizon {rules.month_label(0)}.."
                f"{rules.month_label(rules.months - 1)}", field=option))
        out.append(t)
    if out[1] < out[0]:
        raise InputError(Problem(f"{last} is before {first}", field="--to"))
    return range(out[0], out[1] + 1)


def _headcount(model: Model, posting: str, t: int) -> Any:
    v = model.variables
    return sum(var for _, var in v.present(posting, t)) + len(v.held(posting, t))


def _solve(model: Model, settings: SolverSettings, seconds: float, start: Plan | None,
           inst: Instance) -> tuple[Any, cp_model.CpSolver]:
    model.cp.clear_hints()  # type: ignore[no-untyped-call]
    if start is not None:
        hint(inst, model, start)
    solver = cp_model.CpSolver()
    configure(solver, settings, seconds, lp=True)
    return solver.solve(model.cp), solver


def capacity(inst: Instance, posting: str, first: str | None = None, last: str | None = None,
             uniform: bool = False, settings: SolverSettings | None = None,
             known: Sequence[Plan] = ()) -> Capacity:
    """The most officers ``posting`` can hold in each month of ``first``..``last`` (``YYYY-MM``,
    default the whole horizon), or with ``uniform`` in all of them at once, while every other
    posting keeps as much of its demand as the case allows (see the module's docstring).
    ``known`` are plans of ``inst`` to start from (the published one, say): no answer is below
    what one of them reaches, when it may answer the question at all."""
    if posting not in inst.posting_by_id:
        raise InputError(Problem(f"unknown posting '{posting}'; the case has "
                                 f"{', '.join(inst.posting_by_id)}", field="--posting"))
    settings = settings or inst.solver
    began = time.perf_counter()
    months = _months(inst, first, last)
    pool = len(inst.officers)
    # The posting's maximum is lifted in every month (a deployment covering a month asked
    # about also covers its neighbours), its minimum only in the months asked about.
    opened = with_demand(inst, {(posting, t): (0 if t in months else inst.demand(posting, t)[0],
                                               pool) for t in inst.months})
    # Fairness and preferences only choose among plans and add nothing hard: left out, the
    # model is smaller and the searches prove their answers sooner.
    candidates = Candidates(opened, [r for r in RULES if r not in (fairness.RULE,
                                                                    preferences.RULE)])
    model = candidates.build()
    shortfall = sum(p.expr for p in model.penalties
                    if p.rule in (coverage.NAME, skill_mix.NAME))
    deadline = began + settings.time_limit

    def left(share: int) -> float:
        return max((deadline - time.perf_counter()) / share, 0.5)

    # Step 1 by the engine itself, which finds and proves the best plan of a case far sooner
    # than one CP-SAT model: the other postings may be left no shorter than in its plan.
    engine = solve(opened, replace(settings, time_limit=left(3)))
    if engine.plan is None:
        raise InputError(Problem(f"no plan was found within the time limit ({engine.stopped}) to "
                                 "answer from; raise --time-limit", field="--time-limit"))
    least = (engine.cost_by_rule.get(coverage.NAME, 0)
             + engine.cost_by_rule.get(skill_mix.NAME, 0))
    weights = opened.rules.weights
    others_short = least // max(min(weights.unmet_demand, weights.skill_mix), 1)
    model.cp.add(shortfall <= least)
    # Every plan that may answer the question (keeps every hard rule of the opened case and
    # leaves the others no shorter): each search starts from the best of them for its month.
    found = [engine.plan, *(plan for plan in known if _answers(opened, plan, least))]
    bounds = {t: _upper_bound(opened, candidates, posting, t) for t in months}
    answers: dict[int, tuple[int, int, Plan]] = {}
    value = None
    # The level the posting holds in every month of a span at once: the whole range with
    # ``uniform``; otherwise asked first for each span of a rotation's length, since it is
    # proven far sooner than any one month and every month of the span holds at least that
    # (the whole range's level would seed each month only with the least of them all). Each
    # level variable stays in the model, unbounded below by anything else, so the searches
    # after it are free to leave it at 0.
    length = inst.rules.deployment_months
    spans = [months] if uniform else [months[i:i + length]
                                      for i in range(0, len(months), length)]
    for i, span in enumerate(spans):
        if not uniform and len(span) == 1:
            continue  # the month's own search asks the same (so does a single month asked)
        level = model.cp.new_int_var(0, pool, f"level[{i}]")
        for t in span:
            model.cp.add(level <= _headcount(model, posting, t))
        # The level first; below it, the officers there summed over the span, which it
        # outweighs (the sum is at most pool x months): a plan one officer short of the next
        # level in a single month then scores above one short in many, which gives the search
        # a way up where the level alone is flat (November to April on the example: 8 in
        # 30 units of work, where single months reach 31; 26, proven, with the sum).
        scale = pool * len(span) + 1
        model.cp.maximize(scale * level + sum(_headcount(model, posting, t) for t in span))
        best = max(found, key=lambda plan: _level(opened, plan, posting, span))
        # With ``uniform`` all the time; otherwise the spans share half of it, evenly.
        share = 1 if uniform else 2 * len(spans) - i
        code, solver = _solve(model, settings, left(share), best, opened)
        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found.append(extract(opened, model, solver))
            if _level(opened, found[-1], posting, span) >= _level(opened, best, posting, span):
                best = found[-1]
        if uniform:
            value = _level(opened, best, posting, months)
            # The objective is at least the level times (scale + months): each month holds it.
            ceiling = min(min(bounds.values()),
                          _bound(code, solver, value, scale + len(span)))
            for t in months:
                answers[t] = (value, ceiling, best)
    if not uniform:
        for k, t in enumerate(months):
            best = max(found, key=lambda plan: _present(opened, plan, posting, t))
            reached = _present(opened, best, posting, t)
            if reached >= bounds[t]:
                answers[t] = (reached, reached, best)
                continue
            model.cp.maximize(_headcount(model, posting, t))
            code, solver = _solve(model, settings, left(len(months) - k), best, opened)
            if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                found.append(extract(opened, model, solver))
                if _present(opened, found[-1], posting, t) >= reached:
                    best, reached = found[-1], _present(opened, found[-1], posting, t)
            answers[t] = (reached, min(bounds[t], _bound(code, solver, reached)), best)
    out = []
    for t in months:
        count, ceiling, plan = answers[t]
        reasons = limits(opened, candidates, plan, posting, t)
        out.append(MonthCapacity(inst.rules.month_label(t), count, ceiling,
                                 inst.demand(posting, t), reasons,
                                 _binds(inst, posting, t, count, reasons)))
    p = inst.posting_by_id[posting]
    return Capacity(posting, p.name, inst.rules.month_label(months[0]),
                    inst.rules.month_label(months[-1]), uniform, tuple(out), value,
                    others_short, pool, best,
                    time.perf_counter() - began)


def _answers(inst: Instance, plan: Plan, least: int) -> bool:
    """Whether ``plan`` may answer the capacity question on the opened case ``inst``: it keeps
    every hard rule and leaves the demand no shorter (coverage and skill-mix costs) than
    ``least``. A plan of another input (officers or postings the case no longer has) may not."""
    try:
        verdict = validate(inst, plan)
    except (KeyError, ValueError):
        return False
    short = (verdict.cost_by_rule.get(coverage.NAME, 0)
             + verdict.cost_by_rule.get(skill_mix.NAME, 0))
    return verdict.ok and short <= least


def _level(inst: Instance, plan: Plan, posting: str, months: range) -> int:
    """The headcount ``plan`` keeps at ``posting`` in every month of ``months``."""
    return min(_present(inst, plan, posting, t) for t in months)


def _bound(code: Any, solver: cp_model.CpSolver, reached: int, scale: int = 1) -> int:
    """The search's upper bound on the headcount (``reached`` when it proved it), its objective
    at least ``scale`` times the headcount."""
    if code == cp_model.OPTIMAL:
        return reached
    if code == cp_model.FEASIBLE:
        return max(reached, int(solver.best_objective_bound + 1e-6) // scale)
    return 1 << 30


def _present(inst: Instance, plan: Plan, posting: str, t: int) -> int:
    there = {d.officer for d in plan.deployments if d.posting == posting
             and inst.rules.month_of(d.start) <= t <= inst.rules.month_of(d.end)}
    return len(there | set(inst.carried_over.get((posting, t), ())))


def _covering(inst: Instance, t: int) -> list[int]:
    length = inst.rules.deployment_months
    return [s for s in inst.rules.start_months if s <= t < s + length]


def _upper_bound(inst: Instance, candidates: Candidates, posting: str, t: int) -> int:
    """Officers who may be at the posting in month ``t`` at all: those with a start there that
    covers it, and those whose past deployment runs into it."""
    able = {o for s in _covering(inst, t) for o in candidates(posting, s)}
    return len(able | set(inst.carried_over.get((posting, t), ())))


# Why an officer is not at the posting in a month, in the order they are asked.
THERE = "at the posting"
CANNOT = "cannot qualify"
AWAY = "on leave or resting after a past deployment"
ELSEWHERE = "at another posting"
BETWEEN = "at home between deployments (rest)"
SEATS = "only through a full session"
CAPPED = "at the deployment limit"
FREE = "free"


def limits(inst: Instance, candidates: Candidates, plan: Plan, posting: str, t: int
           ) -> Counter[str]:
    """Every officer of the pool by why they are, or are not, at ``posting`` in month ``t`` of
    ``plan``: recomputed from the data and the plan, not read from the solver."""
    p = inst.posting_by_id[posting]
    starts = _covering(inst, t)
    allowed = {s: set(candidates(posting, s)) for s in starts}
    seats = Counter(e.session for e in plan.enrolments)
    spacing = inst.rules.deployment_months + inst.rules.min_rest_months
    limit = inst.rules.max_deployments
    out: Counter[str] = Counter()
    for o in inst.officers:
        mine = plan.for_officer(o.id)
        here = [d for d in mine
                if inst.rules.month_of(d.start) <= t <= inst.rules.month_of(d.end)]
        if o.id in inst.carried_over.get((posting, t), ()) or any(d.posting == posting
                                                                  for d in here):
            out[THERE] += 1
            continue
        if here or any(o.id in ids for (q, m), ids in inst.carried_over.items()
                       if m == t and q != posting):
            out[ELSEWHERE] += 1
            continue
        open_starts = [s for s in starts if o.id in allowed[s]]
        if not open_starts:
            out[CANNOT if not _qualifies(inst, o, p, starts) else AWAY] += 1
            continue
        own = [inst.rules.month_of(d.start) for d in mine]
        fitting = [s for s in open_starts if all(abs(s - m) >= spacing for m in own)]
        if not fitting:
            out[BETWEEN] += 1
        elif limit is not None and len(mine) >= limit:
            out[CAPPED] += 1
        elif all(_needs_full_session(inst, o, p, s, seats) for s in fitting):
            out[SEATS] += 1
        else:
            out[FREE] += 1
    return out


def _qualifies(inst: Instance, o: Officer, p: Posting, starts: Sequence[int]) -> bool:
    """Whether the officer meets the posting's requirements, or could be trained to, for some
    start (leave and history aside): if not, credentials or courses are what stop them."""
    for s in starts:
        first, last = inst.rules.deployment_span(s)
        if all(need.met_by(o, first, last) or inst.can_qualify(o, need, first, last)
               for need in requirements(p)):
            return True
    return False


def _needs_full_session(inst: Instance, o: Officer, p: Posting, s: int, seats: Counter[str]
                        ) -> bool:
    first, last = inst.rules.deployment_span(s)
    for need in requirements(p):
        if need.met_by(o, first, last):
            continue
        sessions = inst.qualifying_sessions(o, need, first, last)
        if sessions and all(seats[q.id] >= q.seats for q in sessions):
            return True
    return False


def _credentials(inst: Instance, posting: str, t: int) -> str:
    """How many officers hold what the posting requires through a deployment covering month
    ``t``, and how many hold it but see it expire first."""
    p = inst.posting_by_id[posting]
    starts = _covering(inst, t)
    parts = []
    for need in requirements(p):
        valid = expiring = 0
        for o in inst.officers:
            spans = [inst.rules.deployment_span(s) for s in starts]
            if any(need.met_by(o, a, b) for a, b in spans):
                valid += 1
            elif any(need.met_by(o, a, a) for a, _ in spans):
                expiring += 1
        text = f"{valid} hold {need}"
        if expiring:
            text += f" ({expiring} more hold it but it lapses before such a deployment ends)"
        parts.append(text)
    return "; ".join(parts)


def _binds(inst: Instance, posting: str, t: int, count: int, reasons: Counter[str]) -> str:
    """What stops the posting holding one more officer in month ``t``, in words."""
    pool = len(inst.officers)
    month = inst.rules.month_label(t)
    name = inst.posting_by_id[posting].name
    said = [f"{name} can hold {count} in {month}; of the {pool} officers of the pool"]
    for key in (THERE, ELSEWHERE, BETWEEN, CANNOT, AWAY, SEATS, CAPPED, FREE):
        if reasons[key]:
            said.append(f"{reasons[key]} {_WORDS[key]}")
    head = said[0] + ": " + ", ".join(said[1:]) + "."
    blockers = {k: reasons[k] for k in (ELSEWHERE, BETWEEN, CANNOT, AWAY, SEATS, CAPPED)
                if reasons[k]}
    if not blockers:
        return head + " The pool's size binds: everyone is there."
    main = max(blockers, key=lambda k: blockers[k])
    because = {
        ELSEWHERE: "the other postings' minima bind: the officers who could go are needed "
                   "there",
        BETWEEN: f"rest binds: {inst.rules.min_rest_months} months at home between "
                 f"deployments of {inst.rules.deployment_months} months keep the officers who "
                 "could go at home that month",
        CANNOT: "certificates and courses bind: " + _credentials(inst, posting, t),
        AWAY: "leave and rest after past deployments bind",
        SEATS: "training seats bind: the sessions that would qualify more officers are full",
        CAPPED: "the limit on deployments per officer binds",
    }[main]
    said_credentials = ""
    if reasons[CANNOT] and main != CANNOT:
        said_credentials = f" Of the pool, {_credentials(inst, posting, t)}."
    return f"{head} What binds most: {because}.{said_credentials}"


_WORDS = {
    THERE: "are there",
    ELSEWHERE: "serve at other postings then",
    BETWEEN: "are at home between their own deployments (rest)",
    CANNOT: "cannot qualify (credential or course missing, no seat to gain it in time)",
    AWAY: "are on leave or resting after a past deployment",
    SEATS: "could go only through a session already full",
    CAPPED: "have reached the deployment limit",
    FREE: "are free but no deployment covering the month fits their plan",
}
