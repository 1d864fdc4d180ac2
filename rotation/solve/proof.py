"""Proving a plan optimal, or finding the optimum, from the Lagrangian bound's last prices.

Why: on small cases the bound's steps and rounds (:mod:`rotation.solve.bound`) end just below
the plan the search holds (on the 50-officer benchmark case 452.0 against an optimal 453) and no
more rounds close the last unit, while the whole model needs 12-20 s to prove the optimum by
itself. But the relaxation's value at those prices is a sum of every officer's least, so a plan
cheaper than the one in hand leaves each officer within ``upper - 1 - value`` of their least
(:class:`rotation.solve.relaxation.Margins`), and all officers together within it. Every other
start is ruled out, the model of every rule restricted to what is left is small, and where it
asks about plans of one cost exactly each officer chooses among their schedules within the
slack, whose margins must fit it together: on that case 216 of 3,082 starts are left, which
CP-SAT shows have no plan below 453 in hundredths of a second. This is reduced-cost fixing,
done once per question with the same prices.

Each restricted model minimises the real objective with the cost held between what is proven
and ``upper - 1``: no solution proves ``upper`` optimal; an optimal one is the optimum of the
whole case, since any plan below ``upper`` is inside the restriction.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from rotation.domain import Instance, Officer, Posting
from rotation.plan import Plan
from rotation.solve.bound import Bound, proven
from rotation.solve.model import Candidates, Model, Stop, extract, hint
from rotation.solve.relaxation import Margins, Options, Relaxation

__all__ = ["PROOF_STARTS", "PROOF_WORK", "Proof", "prove"]

PROOF_STARTS = 5_000
"""Starts left open above which no proof is tried: a few hundred are decided in seconds at
most, while at 500 officers, with 25,960 open, CP-SAT decided nothing in 120 s."""

PROOF_WORK = 10.0
"""Deterministic work (CP-SAT's count, about seconds) the proof may take, all its questions
together, so that the same case reaches the same verdict on any machine that has the time. The
search may wait while it runs, so a proof that cannot succeed must not take long; the 50-officer
case needs about one unit at most."""

MARGIN_TOLERANCE = 1e-6
"""Floating point sums carry tiny errors: a start within this of the slack is kept, since
keeping one too many only costs time."""

SCHEDULES_BELOW = 3.0
"""Slack below which a question for plans of one cost exactly (and any question with a slack
below 1, which can only be that) also holds each officer to their schedules within the slack
and the schedules' margins to the slack together (``_schedules_within``), which makes it quick
to decide; ``prove`` asks one cost at a time while the slack is below this. A question over a
range of costs gets no schedules: there they slowed the search for a cheaper plan, while a
question for one cost stays quick with them up to a slack of 2 and more."""

MARGIN_UNITS = 1_000
"""Whole units per unit of cost in which the restricted model sums the officers' margins
(CP-SAT takes whole coefficients only): each margin is rounded down, so the sum is never above
the true one, and at most a thousandth of a unit is given away per officer."""


@dataclass(frozen=True)
class Proof:
    """What the restricted model showed: no plan costs less than ``bound``; ``plan`` is one
    that costs exactly that when it is cheaper than the plan the proof was asked about.
    ``settled``: the question is answered (``bound`` is the plan's cost, or ``plan`` is the
    optimum); otherwise only the bound was raised, the cheaper plan left undecided."""

    bound: int
    plan: Plan | None
    starts: int  # starts left open to the restricted model (of the last question answered)
    settled: bool = True


def prove(bound: Bound, candidates: Candidates, upper: int, deadline: float, seed: int = 0,
          stop: Stop | None = None, work: float = PROOF_WORK,
          raised: Callable[[int], None] | None = None, held: Plan | None = None
          ) -> Proof | None:
    """Prove that no plan costs less than ``upper``, or find the cheapest one, from
    ``bound``'s relaxation and prices; None when the bound kept no prices, too many starts
    stay open (``PROOF_STARTS``), or the search decides nothing by ``deadline`` (a
    ``time.perf_counter()`` value) or within ``work`` (CP-SAT's deterministic count, all
    questions together), or ``stop`` is set; unsettled when only some questions were answered.

    The costs from the value's whole bound F up are asked about one at a time, while the slack
    of the question is below ``SCHEDULES_BELOW`` (so with the schedules): a plan of the cost
    asked is the optimum; none raises the bound by one (``raised`` hears it at once). The costs
    left, if any, are asked about together, from the bound so raised: the questions of one
    cost are each quicker to decide than one over the whole range.

    ``held`` is the plan of cost ``upper``, if the caller has it: each question starts its
    search from it (CP-SAT's hint), since a cheaper plan, where there is one, mostly differs
    from it in a few officers (rest2/S seed 0: the plan at 400 found from one at 402 in 2.5
    units of work, 5.5 without)."""
    candidates.require_known("the proof")
    relax, prices = bound.relaxation, bound.prices
    if relax is None or prices is None:
        return None
    margins = relax.margins(prices)
    if upper - 1 - margins.value < -MARGIN_TOLERANCE:  # the value alone proves it
        return Proof(upper, None, 0)
    floor = proven(margins.value)
    answered: Proof | None = None  # the last question answered that there is no plan at floor
    left = work  # shared by the questions
    listed: list[Margins] = []
    many: list[Options | None] = []

    def options(slack: float) -> Options | None:
        """Each officer's schedules within at least ``slack`` with their margins (those above
        it are left out where they are used), None if too many. Listed once, within the largest
        slack any question holds to the schedules: where at most two fit, from the margins
        with the pairs listed (at 50 officers about 20 ms); otherwise one by one from the
        starts within it (:meth:`Relaxation.schedules_within`)."""
        widest = min(upper - 1 - margins.value, SCHEDULES_BELOW) + MARGIN_TOLERANCE
        if relax.most > 2:
            if not many:
                many.append(relax.schedules_within(prices, margins, widest))
            return many[0]
        if not listed:
            listed.append(relax.margins(prices, within=widest))
        return _paired(listed[0], slack + MARGIN_TOLERANCE)

    while floor + 1 < upper and floor - margins.value < SCHEDULES_BELOW:
        exact, spent = _restricted(relax, margins, options, candidates, floor + 1, floor,
                                   deadline, seed, stop, left, held)
        left -= spent
        if exact is None:  # undecided: what the questions before raised, if anything
            return None if answered is None else replace(answered, settled=False)
        if exact.plan is not None:  # the optimum
            return exact
        floor += 1
        answered = replace(exact, bound=floor)
        if raised is not None:
            raised(floor)
    found, _ = _restricted(relax, margins, options, candidates, upper, floor, deadline, seed,
                           stop, left, held)
    if found is None and answered is not None:
        return replace(answered, settled=False)
    return found


def _restricted(relax: Relaxation, margins: Margins,
                options: Callable[[float], Options | None],
                candidates: Candidates, upper: int, floor: int, deadline: float, seed: int,
                stop: Stop | None, work: float, held: Plan | None = None
                ) -> tuple[Proof | None, float]:
    """Whether a plan costs less than ``upper``, and the cheapest if so, given that none costs
    less than ``floor``: the whole model restricted to the starts within the slack; and the
    work it took. ``options`` lists each officer's schedules within a slack, where they are
    needed; the search starts from ``held``, if given."""
    inst = relax.inst
    slack = upper - 1 - margins.value
    open_ = margins.starts <= slack + MARGIN_TOLERANCE
    kept = int(np.count_nonzero(open_))
    if kept > PROOF_STARTS or work <= 0 or (stop is not None and stop.is_set()):
        return None, 0.0
    index = {o.id: i for i, o in enumerate(inst.officers)}
    where = {p.id: i for i, p in enumerate(inst.postings)}
    def allows(officer: Officer, posting: Posting, start: int) -> bool:
        return bool(open_[index[officer.id], where[posting.id], start]) and candidates.allows(
            officer, posting, start)

    model = candidates.build(allows=allows)
    for o, officer in enumerate(inst.officers):
        if margins.idle[o] > slack + MARGIN_TOLERANCE:
            # With no start left open this has no solution, as it should: the officer
            # cannot stay home, nor deploy, in a cheaper plan.
            model.cp.add_bool_or([var for _, _, var in model.variables.of_officer(officer.id)])
    if slack < 1 or (upper - 1 == floor and slack < SCHEDULES_BELOW):
        # Schedules are listed only within a slack (at 500 officers, listing every pair would
        # take millions of rows). Where too many are within it, the starts alone restrict.
        listed = options(slack)
        if listed is not None:
            _schedules_within(inst, model, listed, slack, where)
    if held is not None:
        hint(inst, model, held)
    cost = sum(p.expr for p in model.penalties)
    model.cp.add(cost <= upper - 1)
    # What is proven already: a plan that reaches it ends the search at once. On the example
    # without sessions (its value already the optimum, the plan in hand above it) CP-SAT
    # otherwise spent its whole work limit proving what the bound knew.
    model.cp.add(cost >= floor)
    solved = (stop or Stop()).solve(model.cp, deadline, seed, work)
    if solved is None:
        return None, 0.0
    code, solver = solved
    spent = solver.deterministic_time
    if code == cp_model.INFEASIBLE:
        return Proof(upper, None, kept), spent
    if code == cp_model.OPTIMAL:
        plan = extract(inst, model, solver)
        return Proof(round(solver.objective_value), plan, kept), spent
    return None, spent


def _paired(margins: Margins, within: float) -> Options:
    """Each officer's schedules whose margin is at most ``within`` where at most two fit: none,
    one start, or a pair from ``margins.pairs``."""
    n_o = len(margins.idle)
    out: Options = [[((), float(margins.idle[o]))] if margins.idle[o] <= within else []
                    for o in range(n_o)]
    for o, p, start in zip(*np.nonzero(margins.alone <= within), strict=True):
        out[int(o)].append((((int(p), int(start)),), float(margins.alone[o, p, start])))
    for (o, p1, s1, p2, s2), margin in zip(margins.pairs.tolist(),
                                             margins.pair_margins.tolist(), strict=True):
        if margin <= within:
            out[o].append((((p1, s1), (p2, s2)), margin))
    return out


def _schedules_within(inst: Instance, model: Model, options: Options, slack: float,
                      where: dict[str, int]) -> None:
    """Each officer takes one of their schedules ``options`` (within the slack) whose starts
    are all open in ``model``, and the margins of the schedules taken sum to at most
    ``slack``: the argument that rules out starts, stated for whole schedules and for all
    officers at once.

    Why: ruling out starts leaves every combination of open starts, yet a schedule's training
    and fairness can cost far more than any of its starts' least, and the slack is shared:
    margins that each fit can still add up to more. With both, CP-SAT's linear relaxation sees
    the bound's own sum, which decides a question several times sooner than forbidding the
    schedules above the slack."""
    ids = [o.id for o in inst.officers]
    within = slack + MARGIN_TOLERANCE
    # Margins are sums of floats: each is taken a little low and the slack a little high
    # before scaling to whole units, so that no schedule a cheaper plan uses is cut off.
    terms: list[Any] = []
    for o, officer in enumerate(ids):
        variables = {(where[posting], start): var
                     for posting, start, var in model.variables.of_officer(officer)}
        kept = [(starts, margin) for starts, margin in options[o]
                if margin <= within and all(key in variables for key in starts)]
        chosen = [model.cp.new_bool_var(f"schedule[{officer},{k}]") for k in range(len(kept))]
        model.cp.add_exactly_one(chosen)
        for key, var in variables.items():
            model.cp.add(var == sum(y for y, (starts, _) in zip(chosen, kept, strict=True)
                                    if key in starts))
        for y, (_, margin) in zip(chosen, kept, strict=True):
            units = math.floor(MARGIN_UNITS * (margin - MARGIN_TOLERANCE))
            if units > 0:
                terms.append(units * y)
    model.cp.add(sum(terms) <= math.floor(MARGIN_UNITS * within))
