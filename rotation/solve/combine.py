"""Whole plans from the Lagrangian bound's schedules: pick one per officer, then staff it exactly.

Why: each step of the bound (:mod:`rotation.solve.bound`) solves every officer's own problem at
that step's prices, so over its steps each officer's choices trace the handful of schedules worth
weighing for them, each already priced for its fairness, preferences and training. Which
schedule each officer should take, so that together they meet the headcount and mix minima
within the maxima (each shortfall priced as the rules price it), is then a small set-partitioning
problem whose linear relaxation is at least
as strong as the bound itself, and HiGHS solves it to optimality in seconds: at 500 officers
that gave plans of about 2,600 where 60 s of neighbourhood search from the greedy's plan reached
3,200.

Two steps:

1. **Choose.** A binary per (officer, schedule), exactly one per officer (the empty schedule is
   always there); headcount per posting and month within the maximum, any shortfall below the
   minimum paid at ``weights.unmet_demand``, and each supervisor or specialist short of a mix
   minimum at ``weights.skill_mix``. Starts are counted per posting
   and start month (and per mix requirement), and months from those counts, so that a schedule
   touches a few rows, not one per month it covers. The schedules' prices are exact but for
   training, which is estimated, one session paid once where it can prepare both of two deployments
   (:meth:`rotation.solve.relaxation.Relaxation.training_options`); up to ``SEATS_UP_TO`` officers,
   such a pair comes once more with a session each, and sessions' seats are counted
   (:func:`_seat_rows`). The choice's linear relaxation comes first: officers it gives one schedule
   whole keep it, and only the rest (a few hundred of 5,000, after rounds of fixing where there are
   more) are chosen for exactly, or where three or more tours fit, left to the staffing among
   every start of the schedules the relaxation shares them between. Should that find nothing in
   time, at most ``BLOCK`` officers are
   chosen for at once, everyone else holding a schedule: at 5,000 officers one choice among 140,000
   schedules never got past its root LP, while blocks of 600 take seconds each.
2. **Staff.** Officers whose choice is what they held keep that plan's deployments; the
   others' chosen deployments are re-planned exactly by the CP-SAT model of every rule
   (:func:`rotation.solve.model.build`), each officer allowed only the starts chosen for them, and
   officers who keep their deployments but hold seats may change sessions: it picks the
   sessions within their seats, and drops a deployment only if it must. Where more than
   ``STAFF_UP_TO`` officers are to be staffed, the first plan's greedy staffs them too, taking
   the chosen starts first wherever it fills a gap, and the validator keeps the cheaper plan;
   where CP-SAT finds nothing in time, the greedy's plan is the one. The result is an ordinary
   plan, which the caller validates.

The plans handed in (the greedy's first plan, say) join the pool, and the first of them is
what the blocks start from, so each block can always fall back on it.
"""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal, NamedTuple

import numpy as np
from ortools.math_opt.python import mathopt
from ortools.sat.python import cp_model

from constraints import coverage, skill_mix, training
from rotation.domain import Instance, Officer, Posting
from rotation.plan import Plan
from rotation.solve.first_plan import first_plan
from rotation.solve.model import Candidates, Stop, extract
from rotation.solve.relaxation import Columns, Floats, Prices, Relaxation, Schedule, Seat
from rotation.validate import validate

__all__ = ["BLOCK", "CHOOSE_SECONDS", "SEATS_UP_TO", "STAFF_SECONDS", "STAFF_UP_TO", "STAFF_WORK",
           "combine", "master_prices", "staffing_seconds"]

Seats = Literal["choice", "month", "held"]
"""What a seat over a session's count costs the choice (:func:`_seat_rows`)."""

Entry = tuple[int, Schedule, int]
"""(officer index, schedule, price): one column of the choice (``Columns.priced``)."""

CHOOSE_SECONDS = 60.0
"""Most seconds HiGHS may take for one call: the whole pool's relaxation, the exact choice of
the officers it splits, or one block's choice, each of which took up to 35 s at 5,000 officers.
HiGHS cannot be interrupted, so this is also how long it may run on after a solve that stopped
early."""

STAFF_WORK = 20.0
"""Deterministic work (CP-SAT's count, about seconds) for staffing the chosen deployments, so
that the same pool gives the same plan on any machine; at 500 officers the staffing is proven
optimal well within it."""

STAFF_SECONDS = 6.0
"""Seconds per 1,000 officers the choice leaves for staffing and the validator before the
deadline (at 5,000 officers the staffing took up to 19 s)."""

EXACT_UP_TO = 300
"""Officers left split by the choice's relaxation that are chosen for exactly at once; above
it, rounds of fixing come first (:func:`_choose_relaxed`): at 5,000 officers HiGHS chose among
fewer than 300 in under 20 s, and among 737 found nothing in 80 s."""

FIX_AT = 0.7
"""The share of one schedule at which, while too many officers are split, an officer keeps it
before the relaxation is solved again: at 0.5 the officers left could no longer meet the mix
minima, and higher shares take more rounds to the same choice."""

SEATS_UP_TO = 2000
"""Officers up to which the choice counts seats (:func:`_seat_rows`), and pairs come a second
time priced with a session each: at 500 officers that brings each combination within 2 of its
pool's relaxation, while at 5,000 the pool's relaxation with seats found no solution in 60 s and
the choice fell back to blocks."""

STAFF_UP_TO = 2_000
"""Officers (chosen anew, or holding seats) above which the greedy of
:mod:`rotation.solve.first_plan`, led by the chosen starts, staffs the choice too, and the
cheaper of its plan and CP-SAT's is kept. Why both: at 5,000 officers where three tours fit the
choice moved 4,703 officers, and CP-SAT's staffing left 553 officer-months unmet after 55 s (a
plan of 713,984) where the led greedy took 8 s for 57,006 (the first plan: 65,433); where two
fit, CP-SAT's staffing made the better plans (21,092 at 300 s against 21,233 with the greedy's
alone)."""

BLOCK = 600
"""Officers chosen for at a time, the rest held: at 5,000 officers one choice among 140,000
schedules had not solved its root LP after five minutes, while blocks of 600 take seconds each;
smaller blocks combine to dearer plans."""


def staffing_seconds(inst: Instance) -> float:
    """What the choice leaves before the deadline for staffing (``STAFF_SECONDS``)."""
    return STAFF_SECONDS * len(inst.officers) / 1000


def combine(inst: Instance, candidates: Candidates, columns: Columns, plans: Sequence[Plan],
            deadline: float, seed: int = 0, stop: Stop | None = None,
            tally: dict[str, int] | None = None) -> Plan | None:
    """The best plan made of the pool's schedules (and those of ``plans``), or None if the
    choice finds none by ``deadline`` (a ``time.perf_counter()`` value) or ``stop`` is set
    (should CP-SAT's staffing find none, the led greedy's plan is the answer). Officers are
    chosen by way of the pool's linear relaxation (:func:`_choose_relaxed`); should that find
    no solution in time, ``BLOCK`` at a time, the rest holding the schedule they have in the
    first of ``plans`` (none without plans) or that an earlier block chose. ``tally`` hears
    how many relaxations were solved (``combine_relaxations``), how many officers the first
    split (``combine_fractional_officers``), how many blocks there were (``combine_blocks``),
    how many were chosen (``combine_blocks_chosen``), how long the choice took
    (``combine_choice_ms``) and whether the led greedy's plan was kept (``combine_led``).
    Raises :class:`rotation.solve.model.UnknownRules` for a rule set the choice does not build
    in."""
    candidates.require_known("the combination")
    stop = stop or Stop()
    began = time.perf_counter()
    for plan in plans:
        columns.add_plan(plan)
    held = columns.schedules_of(plans[0]) if plans else {}
    pool = columns.priced(dearer=_counts_seats(inst))
    until = deadline - staffing_seconds(inst)
    relaxed = _choose_relaxed(inst, columns.rows, pool, until, stop, tally,
                              exact=columns.rows.most <= 2)
    staffed: frozenset[int] = frozenset()
    if relaxed is not None:
        chosen, fractional, staffed = relaxed
        blocks = done = 0
    else:  # no solution in time: block by block, each able to keep what it holds
        chosen, blocks, done = _choose_in_blocks(inst, columns.rows, pool, held, until, stop)
    if tally is not None:
        tally.update(combine_blocks=blocks, combine_blocks_chosen=done,
                     combine_choice_ms=round(1000 * (time.perf_counter() - began)))
        if relaxed is not None:
            tally.update(combine_relaxed=1, combine_fractional_officers=fractional)
    if (relaxed is None and not done) or stop.is_set():
        return None
    # Officers whose choice is what they hold keep the held plan's deployments; the rest are
    # staffed anew. At 5,000 officers that halves the staffing model. Officers left to the
    # staffing are staffed anew even where their starts are what they hold: it may take fewer.
    base = plans[0] if plans else Plan(())
    planned = {d.officer for d in base.deployments}
    ids = [o.id for o in inst.officers]
    moved = frozenset(ids[o] for o, schedule in chosen.items()
                      if o in staffed or schedule != held.get(o, ())
                      or (ids[o] in planned and o not in held))
    keys = {(ids[o], inst.postings[p].id, s)
            for o, schedule in chosen.items() if ids[o] in moved for p, s in schedule}
    # Those who keep their deployments but hold seats may still change sessions, so that a
    # seat they need not have goes to an officer who does; with their sessions held, chosen
    # officer-months were dropped for want of a seat.
    seated = frozenset(e.officer for e in base.enrolments) - moved
    keys |= {(d.officer, d.posting, inst.rules.month_of(d.start))
             for d in base.deployments if d.officer in seated}
    free = moved | seated
    # CP-SAT first, within the time the choice left it; the greedy after, only above
    # STAFF_UP_TO or where CP-SAT found nothing, only while the deadline is ahead (it cannot be
    # interrupted), and kept only where strictly cheaper.
    staffed_plan = _staff(inst, candidates, base, free, keys, deadline, seed, stop)
    if stop.is_set():
        return None
    if (staffed_plan is not None and len(free) <= STAFF_UP_TO) or (
            time.perf_counter() >= deadline):
        return staffed_plan
    months = inst.rules.month_of
    lead = sorted({*keys, *((d.officer, d.posting, months(d.start)) for d in base.deployments
                            if d.officer not in moved)}, key=lambda k: (k[2], k[1], k[0]))
    led = first_plan(inst, candidates, lead)
    if staffed_plan is not None and (validate(inst, staffed_plan, candidates.rules).rank
                                     <= validate(inst, led, candidates.rules).rank):
        return staffed_plan
    if tally is not None:
        tally["combine_led"] = tally.get("combine_led", 0) + 1
    return led


def _counts_seats(inst: Instance) -> bool:
    """Whether the choice counts seats: on cases of at most ``SEATS_UP_TO`` officers."""
    return len(inst.officers) <= SEATS_UP_TO


class _Chosen(NamedTuple):
    """What :func:`_choose_relaxed` chose: each officer's schedule (for the officers left to
    the staffing, the starts it may choose among), how many officers the first relaxation
    split, and the officers left to the staffing."""

    schedules: dict[int, Schedule]
    split: int
    staffed: frozenset[int] = frozenset()


def _choose_relaxed(inst: Instance, rows: Relaxation, pool: list[tuple[int, Schedule, int]],
                    deadline: float, stop: Stop,
                    tally: dict[str, int] | None = None, exact: bool = True) -> _Chosen | None:
    """Every officer's schedule by way of the choice's linear relaxation over the whole pool,
    with how many officers it split (took no schedule of whole); None if no solution is found
    by ``deadline``. ``tally`` hears how many relaxations were solved (``combine_relaxations``).
    Without ``exact``, each officer still split at the end is left to the staffing with every
    start of the schedules the last relaxation gives them a share of, in start order (not a
    schedule: the staffing chooses among them).

    Officers the relaxation gives one schedule whole keep it, and the others are chosen for
    exactly with those held. Why: in the relaxation of these choices most officers take one
    schedule whole (at 5,000 officers, 4,300 of 5,000 after 50 steps, 4,700 after 100), and
    what is left is a choice among a few hundred, cheaper and quicker than blocks.

    While more than ``EXACT_UP_TO`` are split, officers with a schedule at ``FIX_AT`` or more
    keep it too, and the relaxation is solved again for the rest with them held, until few
    enough are split. Why: at 5,000 officers the exact choice among 737 split officers found no
    solution in 80 s, while two such rounds left 284, chosen in seconds, within one of the
    relaxation's own value.

    Where three or more tours fit, the exact choice among the split officers is left to the
    staffing (``exact`` False), which weighs every rule: at 500 officers HiGHS's exact choice
    took 19-60 s there and its plans cost more than the staffing's among the same starts
    (benchmarks/README.md)."""
    held: dict[int, Entry] = {}
    rest = pool
    split: int | None = None  # officers the first relaxation split
    relaxations = 0
    while True:
        # Barrier (with crossover): at 5,000 officers 35 s against 58 s by dual simplex.
        relaxed = _relaxation(inst, rows, rest, deadline, mathopt.LPAlgorithm.BARRIER,
                              list(held.values()))
        relaxations += 1
        if tally is not None:
            tally["combine_relaxations"] = relaxations
        if relaxed is None or stop.is_set() or not relaxed[1].has_primal_feasible_solution():
            return None
        choice, result = relaxed
        values = result.variable_values(choice.take)
        top: dict[int, tuple[float, Entry]] = {}
        for value, entry in zip(values, rest, strict=True):
            if entry[0] not in top or value > top[entry[0]][0]:
                top[entry[0]] = (value, entry)
        fractional = sum(1 for value, _ in top.values() if value <= 1 - 1e-6)
        split = fractional if split is None else split
        few = fractional <= EXACT_UP_TO
        cut = 1 - 1e-6 if few else FIX_AT
        kept = {o: entry for o, (value, entry) in top.items() if value >= cut}
        held |= kept
        solved, rest = rest, [entry for entry in rest if entry[0] not in kept]
        if few or not kept:
            break
    kept_schedules = {o: schedule for o, schedule, _ in held.values()}
    if not rest:
        return _Chosen(kept_schedules, split)
    if not exact:
        staffed = frozenset(entry[0] for entry in rest)
        shared: dict[int, set[tuple[int, int]]] = defaultdict(set)
        for value, (o, schedule, _) in zip(values, solved, strict=True):
            if o in staffed and value > 1e-6:
                shared[o].update(schedule)
        return _Chosen(kept_schedules | {
            o: tuple(sorted(shared[o], key=lambda ps: (ps[1], ps[0]))) for o in staffed},
            split, staffed)
    chosen = _choose(inst, rows, rest, deadline, stop, list(held.values()))
    if chosen is None:
        return None
    return _Chosen(kept_schedules | chosen, split)


def _choose_in_blocks(inst: Instance, rows: Relaxation, pool: list[tuple[int, Schedule, int]],
                      held: dict[int, Schedule], deadline: float, stop: Stop
                      ) -> tuple[dict[int, Schedule], int, int]:
    """Every officer's schedule, chosen ``BLOCK`` officers at a time in posting order, each
    block against what the others hold; with the number of blocks and of those chosen by
    ``deadline`` (the rest keep what they hold).

    Officers are taken in the order of their *home*, the posting their schedules in the pool
    visit most, so that a block holds most of the officers who could serve a posting and can
    trade places among them, and what one block chooses leaves the others' choices nearly as
    they were. A block that finds no solution keeps what it held."""
    by_officer: dict[int, list[tuple[int, Schedule, int]]] = defaultdict(list)
    for entry in pool:
        by_officer[entry[0]].append(entry)
    current = {o: held.get(o, ()) for o in by_officer}
    n_postings = rows.need.shape[0]
    order = sorted(by_officer, key=lambda o: (_home(by_officer[o], n_postings), o))
    n_blocks = max(1, math.ceil(len(order) / BLOCK))
    per_block = math.ceil(len(order) / n_blocks)
    blocks = [order[k * per_block:(k + 1) * per_block] for k in range(n_blocks)]
    chosen_blocks = 0
    slowest = 0.0
    for block in blocks:
        began = time.perf_counter()
        if stop.is_set() or began + slowest > deadline:
            break  # what is chosen so far is staffed; the rest keep what they hold
        if not block:
            continue
        inside = set(block)
        others = [_cheapest(rows, o, schedule) for o, schedule in current.items()
                  if schedule and o not in inside]
        chosen = _choose(inst, rows, [e for o in block for e in by_officer[o]], deadline, stop,
                         others)
        if chosen is not None:
            current.update(chosen)
            chosen_blocks += 1
        slowest = max(slowest, time.perf_counter() - began)
    return current, sum(1 for block in blocks if block), chosen_blocks


def _cheapest(rows: Relaxation, officer: int, schedule: Schedule) -> Entry:
    """The officer's schedule at its least price, as a column of the choice: what a schedule
    held from a plan is taken to cost and the seats it is taken to need."""
    options = rows.options(officer, schedule)
    return officer, schedule, options[0] if options else 0


def _home(entries: list[tuple[int, Schedule, int]], n_postings: int) -> int:
    """The posting an officer's schedules visit most (the lowest of equals), or ``n_postings``
    for an officer with nothing but the empty schedule, who goes last."""
    visits = Counter(p for _, schedule, _ in entries for p, _ in schedule)
    return min(visits, key=lambda p: (-visits[p], p)) if visits else n_postings


@dataclass
class _Choice:
    """The choice of one schedule per officer as a HiGHS model, with the rows whose prices
    the Lagrangian bound can use: headcount minima per (posting, month), mix minima per (mix
    requirement, month)."""

    model: mathopt.Model
    take: list[mathopt.Variable]
    headcount: dict[tuple[int, int], mathopt.LinearConstraint]
    mix: dict[tuple[int, int], mathopt.LinearConstraint]
    seats: dict[str, mathopt.LinearConstraint]
    room: dict[tuple[int, int], mathopt.LinearConstraint]


def _formulate(inst: Instance, rows: Relaxation, pool: list[tuple[int, Schedule, int]],
               held: Sequence[Entry], binary: bool, mix_met: bool = False,
               seats: Seats = "choice") -> _Choice:
    """The choice among ``pool``, the ``held`` schedules of other officers counted as they
    are, and the sessions' seats (:func:`_seat_rows`) where the case is small enough
    (``SEATS_UP_TO``). With ``mix_met`` every mix minimum that some schedule of the pool can
    help meet must be met, with no shortfall allowed (see :func:`master_prices`)."""
    rules = inst.rules
    length = rules.deployment_months
    n_p, n_m = rows.need.shape
    # What the held schedules already put in each posting and month, and in each mix row.
    held_present = np.zeros((n_p, n_m))
    held_mix = np.zeros(rows.mix_need.shape)
    mixes_of: dict[int, list[int]] = defaultdict(list)
    for j, p_i in enumerate(rows.mix_posting):
        mixes_of[p_i].append(j)
    for o, schedule, _ in held:
        for p_i, s in schedule:
            held_present[p_i, s:s + length] += 1
            for j in mixes_of[p_i]:
                if rows.mix_members[j][o]:
                    held_mix[j, s:s + length] += 1

    model = mathopt.Model(name="combine")
    take = [model.add_binary_variable() if binary else model.add_variable(lb=0.0, ub=1.0)
            for _ in pool]
    choice = _Choice(model, take, {}, {}, {}, {})
    per_officer: dict[int, list[mathopt.Variable]] = defaultdict(list)
    starting: dict[tuple[int, int], list[int]] = defaultdict(list)  # positions in the pool
    objective: list[mathopt.LinearTerm] = []
    for k, (var, (officer, schedule, price)) in enumerate(zip(take, pool, strict=True)):
        per_officer[officer].append(var)
        for start in schedule:
            starting[start].append(k)
        if price:
            objective.append(mathopt.LinearTerm(var, float(price)))
    for vars_ in per_officer.values():
        model.add_linear_constraint(mathopt.fast_sum(vars_) == 1)

    weight = [float(coverage.weight(inst, p)) for p in inst.postings]

    def count(positions: list[int]) -> mathopt.Variable:
        """A variable equal to how many of these columns are taken: rows per month then sum a
        few of these instead of every column covering the month (at 5,000 officers, a tenth of
        the nonzeros)."""
        counted = model.add_variable(lb=0.0, ub=float(len(positions)))
        model.add_linear_constraint(mathopt.fast_sum(take[k] for k in positions) == counted)
        return counted

    def window(counts: dict[int, mathopt.Variable], t: int) -> list[mathopt.Variable]:
        """The counted starts that cover month ``t``."""
        return [counts[s] for s in range(t - length + 1, t + 1) if s in counts]

    by_posting: dict[int, dict[int, list[int]]] = defaultdict(dict)
    for (p_i, s), ks in starting.items():
        by_posting[p_i][s] = ks
    for p_i in range(n_p):
        started = {s: count(ks) for s, ks in by_posting[p_i].items()}
        for t in range(n_m):
            present = window(started, t)
            room = rows.room[p_i, t] - held_present[p_i, t]
            need = rows.need[p_i, t] - held_present[p_i, t]
            if not present:
                continue  # nothing the choice can change: the held schedules keep the room
            choice.room[p_i, t] = model.add_linear_constraint(
                mathopt.fast_sum(present) <= max(room, 0.0))
            if need > 0:
                short = model.add_variable(lb=0.0, ub=float(need))
                choice.headcount[p_i, t] = model.add_linear_constraint(
                    mathopt.fast_sum(present) + short >= need)
                objective.append(mathopt.LinearTerm(short, weight[p_i]))
    # Mix minima cost what the rule says per supervisor or specialist missing, as in the model.
    mix_weight = float(skill_mix.weight(inst))
    for j, p_i in enumerate(rows.mix_posting):
        members = rows.mix_members[j]
        started = {}
        for s, ks in by_posting[p_i].items():
            mine = [k for k in ks if members[pool[k][0]]]
            if mine:
                started[s] = count(mine)
        for t in range(n_m):
            need = rows.mix_need[j, t] - held_mix[j, t]
            if rows.mix_open[j, t] and need > 0:
                present = window(started, t)
                if not present:
                    continue  # nobody in this block can make up the mix: a fixed shortfall
                if mix_met:
                    choice.mix[j, t] = model.add_linear_constraint(
                        mathopt.fast_sum(present) >= need)
                    continue
                short = model.add_variable(lb=0.0, ub=float(need))
                choice.mix[j, t] = model.add_linear_constraint(
                    mathopt.fast_sum(present) + short >= need)
                objective.append(mathopt.LinearTerm(short, mix_weight))
    if _counts_seats(inst):
        objective += _seat_rows(inst, rows, choice, pool, held, seats)
    model.minimize(mathopt.fast_sum(objective))
    return choice


def _seat_rows(inst: Instance, rows: Relaxation, choice: _Choice, pool: Sequence[Entry],
               held: Sequence[Entry], seats: Seats = "choice") -> list[mathopt.LinearTerm]:
    """Seats in the choice, with the terms they add to its objective: each seat the taken
    schedules need (:meth:`Relaxation.seats_taken`) flows to one of the sessions that can fill it,
    no session takes more than it has, or pays for each officer over (``seats``): the
    choice what one officer could make up at most (every month of the horizon unmet and short
    of every mix minimum), so that it never buys a seat the staffing cannot give while it still
    has a solution whatever it holds; the bound's first rounds an officer-month unmet, which
    keeps their prices tame while the pool is young; the bound's later rounds none at all
    (``held``: :func:`rotation.solve.bound.lower_bound`'s ``seats_held``).

    Why: the schedules are priced with one session for two deployments where one can serve
    both, and those sessions are few (before the first deployment, still valid at the end of
    the second). Without seats the choice gave officers such pairs whose joint sessions were
    full, and the staffing had to train them twice. Priced at an officer-month unmet, a seat
    over was bought wherever a trained officer covered more than a month: where seats are
    scarce (a certificate bottleneck) the choice's plans then lost whole deployments in the
    staffing. Sessions are counted whoever sits them, so an officer away for one can still be
    counted on it; the staffing, which knows, settles that."""
    model = choice.model
    per_week = float(training.price(inst, 1))
    most = max((float(coverage.weight(inst, p)) for p in inst.postings), default=0.0)
    over_seat = (rows.cap_seat if seats == "month" else
                 inst.rules.months * (most + float(skill_mix.weight(inst)) * len(rows.mix_posting)))
    needing: dict[Seat, list[mathopt.Variable]] = defaultdict(list)
    fixed: Counter[Seat] = Counter()
    for var, (officer, schedule, price) in zip(choice.take, pool, strict=True):
        for seat in rows.seats_taken(officer, schedule, price):
            needing[seat].append(var)
    for officer, schedule, price in held:
        for seat in rows.seats_taken(officer, schedule, price):
            fixed[seat] += 1
    objective: list[mathopt.LinearTerm] = []
    filling: dict[str, list[mathopt.Variable]] = defaultdict(list)
    for seat in list(needing) + [seat for seat in fixed if seat not in needing]:
        sessions = rows.sessions_of(seat)
        if not sessions:  # one session for both deployments met each need, but none meets all
            if seat in needing:
                model.add_linear_constraint(mathopt.fast_sum(needing[seat]) == 0)
            continue
        flows = [model.add_variable(lb=0.0) for _ in sessions]
        model.add_linear_constraint(
            mathopt.fast_sum(flows) == mathopt.fast_sum(needing.get(seat, [])) + fixed[seat])
        least = min(q.weeks for q in sessions)
        for q, flow in zip(sessions, flows, strict=True):
            filling[q.id].append(flow)
            if q.weeks > least:
                objective.append(mathopt.LinearTerm(flow, per_week * (q.weeks - least)))
    for q in inst.sessions:
        if filling.get(q.id) and seats == "held":
            choice.seats[q.id] = model.add_linear_constraint(
                mathopt.fast_sum(filling[q.id]) <= q.seats)
        elif filling.get(q.id):
            over = model.add_variable(lb=0.0)
            choice.seats[q.id] = model.add_linear_constraint(
                mathopt.fast_sum(filling[q.id]) - over <= q.seats)
            objective.append(mathopt.LinearTerm(over, over_seat))
    return objective


def _relaxation(inst: Instance, rows: Relaxation, pool: list[tuple[int, Schedule, int]],
                deadline: float, algorithm: mathopt.LPAlgorithm | None = None,
                held: Sequence[Entry] = (), mix_met: bool = False, seats: Seats = "choice"
                ) -> tuple[_Choice, mathopt.SolveResult] | None:
    """The choice among ``pool`` with fractions allowed, the ``held`` schedules of other
    officers counted as they are, solved by HiGHS (``algorithm``, or its own choice); None if
    there is no time left."""
    return _solved(inst, rows, pool, held, deadline, binary=False, mix_met=mix_met,
                   seats=seats, lp_algorithm=algorithm)


def _choose(inst: Instance, rows: Relaxation, pool: list[tuple[int, Schedule, int]],
            deadline: float, stop: Stop, held: Sequence[Entry] = ()
            ) -> dict[int, Schedule] | None:
    """One schedule per officer of ``pool``, by HiGHS, the ``held`` schedules of other
    officers counted as they are; None if it finds no solution in time."""
    # HiGHS under MathOpt heeds neither an interrupter nor a callback (tried: a stop asked
    # 2 s into a 6 s choice came back after 6 s), so a stop takes effect when it returns.
    solved = _solved(inst, rows, pool, held, deadline, binary=True,
                     relative_gap_tolerance=0.0, absolute_gap_tolerance=0.0)
    if solved is None or stop.is_set() or not solved[1].has_primal_feasible_solution():
        return None
    choice, result = solved
    values = result.variable_values(choice.take)
    return {officer: schedule for value, (officer, schedule, _) in zip(values, pool, strict=True)
            if value > 0.5}


def _solved(inst: Instance, rows: Relaxation, pool: list[tuple[int, Schedule, int]],
            held: Sequence[Entry], deadline: float, binary: bool, mix_met: bool = False,
            seats: Seats = "choice", **parameters: Any
            ) -> tuple[_Choice, mathopt.SolveResult] | None:
    """The choice posed (:func:`_formulate`) and solved by HiGHS with ``parameters``, within
    ``CHOOSE_SECONDS`` and the ``deadline``; None if no time is left."""
    if deadline - time.perf_counter() <= 0:
        return None
    choice = _formulate(inst, rows, pool, held, binary, mix_met, seats)
    seconds = deadline - time.perf_counter()
    if seconds <= 0:
        return None
    params = mathopt.SolveParameters(time_limit=timedelta(seconds=min(seconds, CHOOSE_SECONDS)),
                                     **parameters)
    return choice, mathopt.solve(choice.model, mathopt.SolverType.HIGHS, params=params)


def master_prices(inst: Instance, columns: Columns, deadline: float, mix_met: bool = False,
                  seats_held: bool = False) -> Prices | None:
    """Prices of the headcount minima and maxima, the mix minima and a seat in each session
    that has one, within the bound's ranges, from the linear relaxation of choosing among the
    whole pool at once (seats counted where the choice counts them); None if it has no
    solution by ``deadline`` (a ``time.perf_counter()`` value).

    With ``seats_held`` no session takes more officers than its seats; otherwise one more costs
    an officer-month unmet, which caps a seat's price there (see :func:`_seat_rows`).

    With ``mix_met`` the mix minima are required, not priced at their weight, and their prices
    are not capped: prices for the plans that leave no supervisor or specialist short
    (``rotation.solve.bound``'s rounds with the mix met); None if the pool cannot meet them.

    Why: at these prices every schedule of the pool that the relaxation would take costs its
    officer the same, so pricing every officer's schedules anew at them (the Lagrangian bound's
    own step, :meth:`rotation.solve.relaxation.Relaxation.evaluate_exactly`) either finds
    schedules the pool lacks, or proves the relaxation's value, which lies above where the
    steps level off."""
    rows = columns.rows
    relaxed = _relaxation(inst, rows, columns.priced(dearer=_counts_seats(inst)), deadline,
                          mix_met=mix_met, seats="held" if seats_held else "month")
    if relaxed is None or not relaxed[1].has_dual_feasible_solution():
        return None
    choice, result = relaxed
    if mix_met and result.termination.reason != mathopt.TerminationReason.OPTIMAL:
        return None  # the pool cannot meet the mix: no finite prices
    lam: Floats = np.zeros(rows.need.shape)
    mu: Floats = np.zeros(rows.mix_need.shape)
    for (p_i, t), row in choice.headcount.items():
        lam[p_i, t] = result.dual_values(row)
    for (j, t), row in choice.mix.items():
        mu[j, t] = result.dual_values(row)
    # Maxima and seat limits are rows of at most, so their prices come out at or below 0 when
    # minimising.
    nu: Floats = np.zeros(rows.room.shape)
    for (p_i, t), row in choice.room.items():
        nu[p_i, t] = -result.dual_values(row)
    seat_prices = {q: -price for q, row in choice.seats.items()
                   if (price := result.dual_values(row)) < -1e-9}
    return Prices(np.clip(lam, 0.0, rows.cap_unmet),
                  np.maximum(mu, 0.0) if mix_met else np.clip(mu, 0.0, rows.cap_mix),
                  np.maximum(nu, 0.0),
                  seat_prices)


def _staff(inst: Instance, candidates: Candidates, base: Plan, free: frozenset[str],
           keys: set[tuple[str, str, int]], deadline: float, seed: int, stop: Stop
           ) -> Plan | None:
    """The chosen deployments (``keys``) of the ``free`` officers made a plan by the full
    model, everyone else held as in ``base``; None if it finds none in time."""
    def allows(officer: Officer, posting: Posting, start: int) -> bool:
        return (officer.id, posting.id, start) in keys and candidates.allows(officer, posting,
                                                                              start)

    model = candidates.build(base, free, allows)
    solved = stop.solve(model.cp, deadline, seed, STAFF_WORK)
    if solved is None or stop.is_set() or solved[0] not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return base.replanned(free, extract(inst, model, solved[1]))
