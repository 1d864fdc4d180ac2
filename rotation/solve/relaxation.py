"""The Lagrangian relaxation's per-officer problems, set up once and priced at any multipliers.

The headcount and skill-mix minima, the rows that tie officers together, are priced into the
objective; what is left falls apart into one small problem per officer (which deployments to
take among the starts the rules allow, spaced by a deployment and the minimum rest, at most the
deployment limit, paying fairness excess, preference misses and a lower bound on training, and
earning the prices of the months covered), solved exactly for every officer at once as numpy
arrays. Maxima are kept only as far as a start whose months include one with no room is left
out; seats only as far as a session without any does not count; clashes only as far as a session
must end before the deployment it prepares. Training is bounded below, for one deployment, by
what its requirements cost course group by course group (requirements a common course grants
form a group, and no session serves two groups), and for two by the dearer of the two, since one
session may prepare both. Dropping rules and costs only lowers the bound.

:mod:`rotation.solve.bound` moves the prices; :mod:`rotation.solve.combine` chooses among the
schedules the officers' problems picked (:class:`Columns`); :mod:`rotation.solve.proof` reads
how far each schedule is from its officer's least (:class:`Margins`). Each rule's price comes
from its own module.

Where an officer can fit more than two deployments (``Relaxation.most``), each officer's problem
is solved over start months with the schedule's load as state (``Relaxation._many``); the pool
(:class:`Columns`) then keeps schedules of any length, the rounds price as the steps do but for
the seats' prices (``_with_seats``), and the margins come from the same problem solved forward and
backward (``_margins_of_many``).
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property

import numpy as np
import numpy.typing as npt

from constraints import (
    coverage,
    deployment_limit,
    fairness,
    preferences,
    rest,
    skill_mix,
    training,
)
from constraints.eligibility import meeting
from constraints.skill_mix import requirements as mix_requirements
from rotation.domain import Instance, Requirement, Session, requirements
from rotation.plan import Plan
from rotation.solve.model import Candidates

__all__ = ["EXACT_PAIRS", "LISTED_SCHEDULES", "Columns", "Floats", "Ints", "Margins", "Options",
           "OutOfTime", "Prices", "Relaxation", "Schedule", "Schedules", "Seat", "tours_that_fit"]

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

INF = math.inf

EXACT_PAIRS = 50_000_000
"""Pairs of starts open to an officer, summed over officers, up to which the rounds after the
steps price every officer's schedules one by one (:meth:`Relaxation.evaluate_exactly`); above
it they price as the steps do but for the seats' prices (``Relaxation._with_seats``). At 500
officers 15.7 million pairs take a second or so a round."""

LISTED_SCHEDULES = 200_000
"""Schedules, summed over officers, up to which :meth:`Relaxation.schedules_within` lists them
where more than two deployments fit, and twice as many combinations tried (pure Python, a few
seconds); past either the proof restricts starts alone. Officers with a dozen starts within a
slack have some hundreds of schedules each."""

Schedules = list[tuple[str, str, int]]
"""(officer, posting, start month) of every deployment in a relaxed solution."""

Schedule = tuple[tuple[int, int], ...]
"""One officer's deployments as (posting index, start month) pairs, in start order."""

Options = list[list[tuple[Schedule, float]]]
"""Per officer, schedules (none, or starts as (posting index, start month)) with their margins:
what the proof may hold each officer to (:meth:`Relaxation.schedules_within`)."""

Seat = frozenset[tuple[Requirement, date, date]]
"""One seat a schedule's training takes: the requirements one session must meet, each with the
first and last day of the deployment it must still count for."""


class Columns:
    """Every officer's schedules the relaxation chose at any multipliers so far, and a price
    for each: the pool from which :mod:`rotation.solve.combine` picks one schedule per officer.

    Each step chooses every officer's best schedule at that step's prices; as the prices move,
    an officer's choices trace the schedules worth weighing for them (about 22 per officer at
    500 officers after 200 steps). Where at most two deployments fit, a schedule is kept as one
    integer, so adding a step's choices is two array passes and a set update; where more fit
    (``Relaxation.most``), as the tuple of its starts, gathered officer by officer from the
    parts of the relaxation's solution (one per deployment).
    """

    def __init__(self, relax: Relaxation) -> None:
        self._relax = relax
        n_p, n_s = relax.shape[1], relax.shape[2]
        self._n_s = n_s
        self._slot = n_p * n_s + 1  # 0 stands for no deployment
        self._codes: set[int] = set()
        self._long: set[tuple[int, Schedule]] = set()  # where more than two fit

    def __len__(self) -> int:
        return len(self._codes) + len(self._long)

    def _code(self, officer: Ints, first: Ints, second: Ints) -> Ints:
        code: Ints = (officer * self._slot + first) * self._slot + second
        return code

    def add(self, picks: list[tuple[Ints, Ints, Ints]]) -> None:
        """Keep the schedules of one evaluation's per-officer solutions."""
        if self._relax.most > 2:
            self._add_long(picks)
            return
        (one, p1, s1), (two, p2a, s2a), (_, p2b, s2b) = picks
        n_s = self._n_s
        self._codes.update(self._code(one, p1 * n_s + s1 + 1, np.zeros_like(one)).tolist())
        self._codes.update(
            self._code(two, p2a * n_s + s2a + 1, p2b * n_s + s2b + 1).tolist())

    def _add_long(self, picks: list[tuple[Ints, Ints, Ints]]) -> None:
        """Schedules of any length: the parts' deployments gathered by officer, in start
        order."""
        if not picks:
            return
        officer, posting, start = (np.concatenate(x) for x in zip(*picks, strict=True))
        if not len(officer):
            return
        order = np.lexsort((start, officer))
        officer, posting, start = officer[order], posting[order], start[order]
        cuts = np.flatnonzero(np.diff(officer)) + 1
        for o, p, s in zip(np.split(officer, cuts), np.split(posting, cuts),
                           np.split(start, cuts), strict=True):
            self._long.add((int(o[0]), tuple(zip(p.tolist(), s.tolist(), strict=True))))

    def add_plan(self, plan: Plan) -> None:
        """Keep a whole plan's schedules too, where the pool can hold them (``schedules_of``)."""
        if self._relax.most > 2:
            self._long.update(self.schedules_of(plan).items())
            return
        rows = [(o, *([p * self._n_s + s + 1 for p, s in schedule] + [0, 0])[:2])
                for o, schedule in self.schedules_of(plan).items()]
        if rows:
            officer, first, second = np.array(rows, dtype=np.int64).T
            self._codes.update(self._code(officer, first, second).tolist())

    def schedules_of(self, plan: Plan) -> dict[int, Schedule]:
        """Each officer's schedule in ``plan``, by officer index, where the relaxation allows
        each start and the officer has at most as many deployments as fit
        (``Relaxation.most``): the schedules of the plan the pool can hold."""
        inst = self._relax.inst
        officer_index = {o.id: i for i, o in enumerate(inst.officers)}
        posting_index = {p.id: i for i, p in enumerate(inst.postings)}
        mine: dict[int, list[tuple[int, int]]] = {}
        for d in sorted(plan.deployments, key=lambda d: d.start):
            mine.setdefault(officer_index[d.officer], []).append(
                (posting_index[d.posting], inst.rules.month_of(d.start)))
        most = max(self._relax.most, 2)
        return {o: tuple(schedule) for o, schedule in mine.items()
                if len(schedule) <= most and self.price(o, tuple(schedule)) is not None}

    def copy(self) -> Columns:
        """The pool as it stands, for another thread to read while steps add to this one."""
        other = Columns(self._relax)
        other._codes = set(self._codes)  # one C call: the GIL makes it a consistent snapshot
        other._long = set(self._long)
        return other

    @property
    def rows(self) -> Relaxation:
        """What each posting and month still needs and has room for once officers carried
        over are counted (``need``, ``room``), and each mix requirement's row (``mix_posting``,
        ``mix_members``, ``mix_need``, ``mix_open``): the rows the pool's schedules must meet
        together, as the relaxation prices them."""
        return self._relax

    def _kept(self) -> list[tuple[int, Schedule]]:
        """Every schedule kept, with the empty schedule of every officer, in a fixed order."""
        n_o = self._relax.shape[0]
        if self._relax.most > 2:
            return sorted(self._long.union((o, ()) for o in range(n_o)))
        slot, n_s = self._slot, self._n_s
        codes = sorted(self._codes.union(o * slot * slot for o in range(n_o)))
        out: list[tuple[int, Schedule]] = []
        for code in codes:
            officer, rest = divmod(code, slot * slot)
            out.append((officer, tuple(divmod(x - 1, n_s) for x in divmod(rest, slot) if x)))
        return out

    def priced(self, dearer: bool = True) -> list[tuple[int, Schedule, int]]:
        """(officer index, schedule, price) for every schedule kept, with the empty schedule
        of every officer, in a fixed order; with ``dearer``, a schedule whose cheapest
        training relies on one session for both deployments is there once more, priced with
        a session for each (:meth:`Relaxation.options`)."""
        out: list[tuple[int, Schedule, int]] = []
        for officer, schedule in self._kept():
            options = self._relax.options(officer, schedule)
            out.extend((officer, schedule, price) for price in options[:None if dearer else 1])
        return out

    def price(self, officer: int, schedule: Schedule) -> int | None:
        """What the schedule costs the officer at the least (:meth:`Relaxation.options`);
        None if a start is not open to them."""
        options = self._relax.options(officer, schedule)
        return options[0] if options else None


@dataclass(frozen=True)
class Prices:
    """What the rounds after the steps price (``lower_bound``'s ``master``): the headcount
    minima (``need`` shaped, 0 to ``weights.unmet_demand``), the mix minima (``mix_need``
    shaped, at least 0), the headcount maxima (``room`` shaped, at least 0) and a seat in each
    session named (at least 0)."""

    headcount: Floats
    mix: Floats
    room: Floats
    seats: dict[str, float]


@dataclass(frozen=True)
class Margins:
    """At one set of prices, how much more than their least each officer's schedules cost
    them in the relaxation (:meth:`Relaxation.margins`).

    Why: the relaxation's value is a sum of every officer's least, so a plan costs at least
    that value plus what each officer's own schedule in it costs above their least. A plan
    cheaper than one in hand, which costs at most ``upper - 1``, can therefore only give an
    officer a schedule whose margin is at most ``upper - 1 - value``; every start whose
    margin is above that is ruled out for that officer, a start whose margin ``alone`` is
    above it only in a pair, a pair whose margin is above it is ruled out, and an officer whose
    ``idle`` margin is above it must deploy."""

    value: float
    starts: Floats  # [officer, posting, start]: least over the schedules with that start
    idle: Floats  # [officer]: the schedule without deployments
    # [officer, posting, start]: the schedule of that one deployment (INF where the officer
    # may not start).
    alone: Floats
    # With ``within`` (:meth:`Relaxation.margins`): every pair of starts an officer may take
    # together whose starts both have margins at most ``within``, as rows [officer, first
    # posting, first start, second posting, second start], and each pair's own margin. A pair
    # above the slack is ruled out as a schedule even where each of its starts is not.
    pairs: Ints
    pair_margins: Floats


class OutOfTime(Exception):
    """The time given ran out while the relaxation was being set up."""


class Relaxation:
    """The per-officer problems of the relaxation, set up once; ``evaluate`` prices them."""

    def __init__(self, inst: Instance, candidates: Candidates, deadline: float,
                 stop: Callable[[], bool] | None = None) -> None:
        rules = inst.rules
        self.inst = inst
        officers = inst.officers
        postings = inst.postings
        n_o, n_p = len(officers), len(postings)
        starts = list(rules.start_months)
        n_s = (max(starts) + 1) if starts else 0
        n_m = rules.months
        candidates.require_known("the bound")
        self.length = rules.deployment_months
        self.spacing = rest.spacing(inst)

        index = {o.id: i for i, o in enumerate(officers)}
        self.groups = _course_groups(inst)
        # Training classes: one per distinct least training cost of a start (0 first).
        self._classes: dict[float, int] = {0.0: 0}
        eligible = np.zeros((n_o, n_p, n_s), dtype=bool)
        cost_class = np.zeros((n_o, n_p, n_s), dtype=np.int64)
        # Postings that share requirements share their candidate lists (``Candidates``), so
        # each list is priced once per start and written into every such posting at once.
        priced: dict[tuple[int, tuple[object, ...], int],
                     tuple[Sequence[str], Ints, Ints]] = {}
        for p_i, p in enumerate(postings):
            if time.perf_counter() > deadline or (stop is not None and stop()):
                raise OutOfTime
            needs = requirements(p)
            for s in starts:
                if not self._room(inst, p.id, s):
                    continue  # the window runs into a closed or full month: no plan starts it
                pool = candidates(p.id, s)
                known = priced.get((id(pool), needs, s))
                if known is None or known[0] is not pool:
                    known = (pool, *self._price(inst, pool, needs, s, index))
                    priced[id(pool), needs, s] = known
                _, rows, classes = known
                ok = classes >= 0
                eligible[rows[ok], p_i, s] = True
                cost_class[rows[ok], p_i, s] = classes[ok]
        self.eligible = eligible
        self.miss = np.array([[preferences.price(inst, o, p.id) for p in postings]
                              for o in officers], dtype=float).reshape(n_o, n_p)

        # Starts by the load a deployment adds (its hardship over the months inside the
        # horizon): the fairness price of a schedule depends on these classes alone.
        loads = [[fairness.deployment_load(inst, p, s) for s in range(n_s)] for p in postings]
        kinds = sorted({x for row in loads for x in row})
        self.hard_values = np.array(kinds, dtype=float)
        self.hard_class = np.array([[kinds.index(x) for x in row] for row in loads],
                                   dtype=int).reshape(n_p, n_s)  # [posting, start]
        self.cost_values = np.array(sorted(self._classes, key=self._classes.__getitem__))
        self.cost_class = cost_class
        self.past = np.array([fairness.past_load(inst, o.id) for o in officers], dtype=float)

        carried = np.zeros((n_p, n_m))
        minimum = np.zeros((n_p, n_m))
        maximum = np.zeros((n_p, n_m))
        for p_i, p in enumerate(postings):
            for t in range(n_m):
                carried[p_i, t] = len(inst.carried_over.get((p.id, t), ()))
                minimum[p_i, t], maximum[p_i, t] = inst.demand(p.id, t)
        self.need = minimum - carried
        self.room = maximum - carried  # for planned officers; the bound itself leaves it out

        # One row per mix requirement of a posting: who counts, and how many more are needed in
        # each open month (closed months need none, so their multiplier stays at 0).
        self.mix_posting: list[int] = []
        self.mix_members: list[npt.NDArray[np.bool_]] = []
        mix_need: list[Floats] = []
        for p_i, p in enumerate(postings):
            for _, count, counts in mix_requirements(p):
                members = np.array([counts(o) for o in officers], dtype=bool)
                row = np.zeros(n_m)
                for t in range(n_m):
                    if inst.demand(p.id, t)[1] == 0:
                        continue
                    here = inst.carried_over.get((p.id, t), ())
                    row[t] = count - sum(1 for o in here if counts(inst.officer_by_id[o]))
                self.mix_posting.append(p_i)
                self.mix_members.append(members)
                mix_need.append(row)
        self.mix_need = np.array(mix_need).reshape(len(mix_need), n_m)
        self.mix_open = np.array(
            [[inst.demand(postings[p_i].id, t)[1] > 0 for t in range(n_m)]
             for p_i in self.mix_posting], dtype=bool).reshape(len(mix_need), n_m)
        # Each posting's headcount multiplier is capped at what an officer-month short there
        # costs (its priority times the weight), as the mix's are at theirs.
        self.cap_unmet: Floats = np.array([[float(coverage.weight(inst, p))] for p in postings]
                                          ).reshape(n_p, 1)
        self.cap_mix = float(skill_mix.weight(inst))
        # What a seat over a session's count costs the pool's relaxation in the bound's first
        # rounds (``rotation.solve.combine``'s "month"), so the most a seat is priced there.
        self.cap_seat = float(coverage.weight(inst))
        self.shape = (n_o, n_p, n_s, n_m)
        self.most = tours_that_fit(inst)
        # Whether schedules of more than two deployments must count them (the cap binds
        # before the horizon does); otherwise their load alone is their state (``_many``).
        cap = deployment_limit.limit(inst)
        self._counted = cap is not None and cap == self.most and cap < tours_that_fit(
            inst, capped=False)
        # Prices depend on the officer and the schedule alone; every pool of this relaxation
        # shares them, so the second combination prices only what the steps since the first
        # have added.
        self._options: dict[tuple[int, Schedule], tuple[int, ...]] = {}
        self._seats_taken: dict[tuple[int, Schedule], dict[int, tuple[Seat, ...]]] = {}
        self._sessions: dict[Seat, tuple[Session, ...]] = {}
        self._seated: tuple[tuple[tuple[str, float], ...], Relaxation] | None = None
        self._prepare()

    @staticmethod
    def _room(inst: Instance, posting: str, start: int) -> bool:
        """Whether every month of a deployment starting then has room under the maximum (the
        months inside the horizon: on a rolling horizon the rest count for nothing)."""
        for t in range(start, min(start + inst.rules.deployment_months, inst.rules.months)):
            if inst.demand(posting, t)[1] - len(inst.carried_over.get((posting, t), ())) <= 0:
                return False
        return True

    def _price(self, inst: Instance, pool: Sequence[str], needs: tuple[Requirement, ...],
               start: int, index: dict[str, int]) -> tuple[Ints, Ints]:
        """Rows of ``pool`` and the training class of each to start then (-1: no session can
        prepare them): :meth:`_training_costs`, seats free."""
        rows = np.array([index[o] for o in pool], dtype=np.int64)
        total = self._training_costs(inst, pool, needs, start, {})
        classes = np.full(len(pool), -1, dtype=np.int64)
        for value in np.unique(total[np.isfinite(total)]).tolist():
            classes[total == value] = self._classes.setdefault(value, len(self._classes))
        return rows, classes

    def _training_costs(self, inst: Instance, pool: Sequence[str],
                        needs: tuple[Requirement, ...], start: int, seats: dict[str, float]
                        ) -> Floats:
        """What training for a deployment from ``start`` costs each officer of ``pool`` at the
        least (INF where no session can prepare them): the sum, over course groups, of the
        least a session costs, its weeks at the training weight plus its seat's price in
        ``seats``, for the dearest requirement of the group they lack. Only sessions with a
        seat that end before the first day count, since an enrolment may not overlap the
        deployment it prepares for."""
        first, last = inst.rules.deployment_span(start)
        weight = float(training.price(inst, 1))
        # The dearest lacking requirement of each course group, per officer of the pool; the
        # pool's officers are looked up in sets, a requirement at a time (at 5,000 officers a
        # session look-up per officer and requirement took half of a 20 s set-up).
        dearest: dict[int, Floats] = {}
        for need in needs:
            holding = meeting(inst, need, start)
            least = inst.least_among((o for o in pool if o not in holding), need, first, last,
                                     lambda q: weight * q.weeks + seats.get(q.id, 0.0))
            price = np.array([0.0 if o in holding else least.get(o, INF) for o in pool])
            group = self.groups[need]
            dearest[group] = np.maximum(dearest[group], price) if group in dearest else price
        total: Floats = sum(dearest.values(), np.zeros(len(pool)))
        return total

    def _with_seats(self, seats: dict[str, float]) -> Relaxation:
        """This relaxation with each seat's price in ``seats`` paid on top of its session's
        weeks wherever training is priced (itself where no seat is priced above 0).

        Why: rounds priced by the pool's relaxation price the sessions' seats, and a step's
        array passes price training by class alone. Moving the seat limits into the objective
        at prices of at least 0 keeps the value a bound, as in :meth:`evaluate_exactly`; a
        start's training then costs its least session with the seat's price on top, so the
        classes are drawn afresh and the arrays laid out again (``_prepare``). Only starts that
        some priced session could prepare are priced anew. The last copy is kept: a round's
        value and its proof ask for the same prices."""
        key = tuple(sorted((q, float(price)) for q, price in seats.items() if price > 0))
        if not key:
            return self
        kept = self._seated
        if kept is not None and kept[0] == key:
            return kept[1]
        inst = self.inst
        priced = dict(key)
        ids = [o.id for o in inst.officers]
        n_s = self.shape[2]
        cost = np.where(self.eligible, self.cost_values[self.cost_class], INF)
        for p_i, posting in enumerate(inst.postings):
            needs = requirements(posting)
            for s in inst.rules.start_months:
                rows = np.flatnonzero(self.eligible[:, p_i, s]) if s < n_s else ()
                if not len(rows):
                    continue
                span = inst.rules.deployment_span(s)
                if not any(q.id in priced for need in needs
                           for q in inst.sessions_for(need, *span)):
                    continue
                cost[rows, p_i, s] = self._training_costs(inst, [ids[o] for o in rows], needs,
                                                          s, priced)
        out = copy.copy(self)
        out._seated = None
        out._classes = {0.0: 0}
        cost_class: Ints = np.zeros(self.cost_class.shape, dtype=np.int64)
        for value in np.unique(cost[self.eligible]).tolist():
            cost_class[self.eligible & (cost == value)] = out._classes.setdefault(
                value, len(out._classes))
        out.cost_class = cost_class
        out.cost_values = np.array(sorted(out._classes, key=out._classes.__getitem__))
        out._prepare()
        self._seated = (key, out)
        return out

    def _seat_charge(self, prices: Prices) -> float:
        """What the seats' prices give back: each session's seats at its seat's price."""
        sessions = self.inst.session_by_id
        return float(sum(price * sessions[q].seats for q, price in prices.seats.items()))

    def options(self, officer: int, schedule: Schedule) -> tuple[int, ...]:
        """What the schedule may cost the officer, cheapest first: fairness and preferences
        exactly, training as :meth:`training_options` has it. Empty if a start is not open to
        them or no session can prepare a deployment."""
        found = self._options.get((officer, schedule))
        if found is None:
            found = self._options[officer, schedule] = tuple(
                price for price, _ in self._priced(officer, schedule, seats=False))
        return found

    def seats_taken(self, officer: int, schedule: Schedule, price: int) -> tuple[Seat, ...]:
        """The seats the schedule's option at ``price`` takes (none for a price it has not).
        Kept apart from the prices, which cases too large for the choice to count seats in
        ask for by the hundred thousand."""
        found = self._seats_taken.get((officer, schedule))
        if found is None:
            found = self._seats_taken[officer, schedule] = dict(
                self._priced(officer, schedule, seats=True))
        return found.get(price, ())

    def _priced(self, officer: int, schedule: Schedule, seats: bool
                ) -> tuple[tuple[int, tuple[Seat, ...]], ...]:
        """:meth:`options`, each with the seats its training takes if ``seats``."""
        if not all(self.eligible[officer, p, s] for p, s in schedule):
            return ()
        load = self.past[officer]
        cost = 0.0
        for p, s in schedule:
            load += self.hard_values[self.hard_class[p, s]]
            cost += self.miss[officer, p]
        training = self.training_options(officer, schedule, seats)
        if training is None:
            return ()
        fair = fairness.excess_cost(self.inst, float(load))
        priced: dict[int, tuple[Seat, ...]] = {}
        for spent, taken in training:
            # At one price, the option taking fewer seats: with training weighed at 0, a pair
            # prepared by one session and by a session each cost the same, and the choice,
            # holding seats hard, would count two seats where one serves.
            price = round(float(cost + (spent + fair)))
            if price not in priced or len(taken) < len(priced[price]):
                priced[price] = taken
        return tuple(sorted(priced.items()))

    def sessions_of(self, seat: Seat) -> tuple[Session, ...]:
        """The sessions that can fill a seat, whoever sits it: with a seat, over before each
        first day, meeting every requirement until each last day; in the instance's order."""
        found = self._sessions.get(seat)
        if found is None:
            ids: set[str] | None = None
            for need, first, last in seat:
                meets = {q.id for q in self.inst.sessions_for(need, first, last)}
                ids = meets if ids is None else ids & meets
            found = self._sessions[seat] = tuple(
                q for q in self.inst.sessions if ids is not None and q.id in ids)
        return found

    def training(self, officer: int, schedule: Schedule) -> float | None:
        """What a schedule's training is taken to cost at the least (None if no session can
        prepare a deployment): the first of :meth:`training_options`."""
        options = self.training_options(officer, schedule)
        return None if options is None else options[0][0]

    def training_options(self, officer: int, schedule: Schedule, seats: bool = True
                         ) -> list[tuple[float, tuple[Seat, ...]]] | None:
        """What a schedule's training is taken to cost when the combination weighs it, with the
        seats it takes (None if no session can prepare a deployment): per deployment and course
        group, the least session for the group's dearest requirement the officer lacks (as
        ``_price``); but where both of two deployments lack requirements of one group, that
        group costs at most the least session that meets them all before the first deployment
        and still counts on the last day of each deployment that lacks them. Pricing a pair at
        the dearer of its two deployments, as the bound may, made the choice take pairs that
        then needed two sessions (two countries' briefings, or one that lapsed between the
        deployments), and pricing both in full passed over pairs that one session serves.
        Where that one session is no dearer, a second option follows with a session for each
        deployment, so that the choice, which counts seats, can take the pair when the joint
        sessions are full (the seats are left empty unless ``seats``). Seats and clashes are
        left out of the prices, as in the bound. The first is never below the bound's price of
        the pair (each group costs at least what either deployment needs of it alone), but it
        is an estimate, not a bound: where one group holds several requirements, sessions
        shared in part can cost less."""
        inst = self.inst
        rules = inst.rules
        o = inst.officers[officer]
        weight = float(training.price(inst, 1))
        spans = [rules.deployment_span(s) for _, s in schedule]
        lacking: list[dict[Requirement, float]] = []
        for (p, s), (first, last) in zip(schedule, spans, strict=True):
            mine: dict[Requirement, float] = {}
            for need in requirements(inst.postings[p]):
                if o.id in meeting(inst, need, s):
                    continue
                weeks = inst.least_weeks(o, need, first, last)
                if weeks is None:
                    return None
                mine[need] = weight * weeks
            lacking.append(mine)
        cheapest = apart = 0.0
        cheapest_seats: list[Seat] = []
        apart_seats: list[Seat] = []
        joined = False
        for group in sorted({self.groups[need] for mine in lacking for need in mine}):
            mine_in = [[need for need in mine if self.groups[need] == group] for mine in lacking]
            cost = sum(max((lacking[k][need] for need in needs), default=0.0)
                       for k, needs in enumerate(mine_in))
            alone = [frozenset((need, *spans[k]) for need in needs)
                     for k, needs in enumerate(mine_in) if needs] if seats else []
            apart += cost
            apart_seats += alone
            if len(mine_in) == 2 and all(mine_in):
                # One session before the first deployment, still valid on each one's last day.
                joint = 0.0
                for k, needs in enumerate(mine_in):
                    for need in needs:
                        weeks = inst.least_weeks(o, need, spans[0][0], spans[k][1])
                        joint = max(joint, INF if weeks is None else weight * weeks)
                both: Seat = frozenset((need, spans[0][0], spans[k][1])
                                       for k, needs in enumerate(mine_in) for need in needs)
                # No dearer is enough (with training weighed at 0 both cost nothing, and one
                # session takes one seat where a session each takes two), if some session
                # meets the whole group for both: at a tie only one option can be listed.
                if joint < cost or (joint == cost and self.sessions_of(both)):
                    cheapest += joint
                    if seats:
                        cheapest_seats.append(both)
                    joined = True
                    continue
            cheapest += cost
            cheapest_seats += alone
        options = [(cheapest, tuple(cheapest_seats))]
        if joined:
            options.append((apart, tuple(apart_seats)))
        return options

    def fair(self, load: Floats) -> Floats:
        return fairness.excess_cost(self.inst, load)

    def _reduced(self, lam: Floats, mu: Floats) -> Floats:
        """What each start costs each officer before training and fairness, [officer, posting,
        start]: its preference miss less what its months earn at ``lam`` and, for the mix
        requirements the officer counts for, at ``mu``."""
        reduced: Floats = self.miss[:, :, None] - self._earnings(lam, mu)[self._sig]
        return reduced

    def _window_sums(self, per_month: Floats) -> Floats:
        """For each row and start month, the sum over the deployment's months (those inside
        the horizon: on a rolling horizon the months after it earn nothing)."""
        n_s = self.shape[2]
        rows, n_m = per_month.shape
        cum: Floats = np.concatenate(
            [np.zeros((rows, 1)), np.cumsum(per_month, axis=1),
             np.repeat(np.sum(per_month, axis=1, keepdims=True),
                       max(0, n_s + self.length - 1 - n_m), axis=1)], axis=1
        )
        out: Floats = cum[:, self.length:self.length + n_s] - cum[:, :n_s]
        return out

    def _prepare(self) -> None:
        """Index arrays that depend only on the case, so each evaluation is a few array passes.

        A start's reduced cost is its officer's preference miss at the posting less what its
        months earn, and what they earn depends only on the posting, the mix rows the officer
        counts for there, and the month. So officer-posting pairs are labelled by that
        signature: an evaluation sums the multipliers once per signature and month (460
        signatures at 5,000 officers) and every open start looks its earnings up there, the
        sums taken in the same order as over the full array, so every value is what the full
        array gives, to the last bit.

        What the evaluation needs is the cheapest start of each (training class, start month,
        hardship, officer). Groups of starts of the same size lie side by side, so their
        minima are minima over whole rows, and ``best`` is laid out [class, month, hardship,
        officer], so the passes over months read whole blocks of officers, and ``evaluate``
        takes each officer's cheapest single and pair by one ``argmin`` over all classes and
        hardships: at 5,000 officers (6.1 M open starts in 1.4 M groups) an evaluation takes
        about a tenth of a second.
        """
        n_o, n_p, n_s, _ = self.shape
        n_h, n_c = len(self.hard_values), len(self.cost_values)
        # Signatures: per posting, the distinct sets of its mix rows an officer counts for.
        rows_of: dict[int, list[int]] = {}
        for j, p_i in enumerate(self.mix_posting):
            rows_of.setdefault(p_i, []).append(j)
        sig = np.zeros((n_o, n_p), dtype=np.int64)
        sig_posting: list[int] = []
        sig_rows: list[list[int]] = []
        for p_i in range(n_p):
            rows = rows_of.get(p_i, [])
            # Each officer's rows as the bits of a number (rows beyond 62 as a tuple).
            counts = [self.mix_members[j] for j in rows]
            if len(rows) <= 62:
                code = sum((c.astype(np.int64) << k for k, c in enumerate(counts)),
                           np.zeros(n_o, dtype=np.int64))
                kinds, inverse = np.unique(code, return_inverse=True)
                members = [[j for k, j in enumerate(rows) if int(kind) >> k & 1]
                           for kind in kinds]
            else:
                many, inverse = np.unique(np.stack(counts, axis=1), axis=0, return_inverse=True)
                members = [[j for j, m in zip(rows, kind, strict=True) if m] for kind in many]
            sig[:, p_i] = len(sig_posting) + inverse.reshape(-1)
            sig_posting += [p_i] * len(members)
            sig_rows += members
        self._sig = sig
        self._sig_posting = np.array(sig_posting, dtype=np.int64)
        # For each mix row, the signatures that earn it, as lists and as a 0/1 matrix.
        self._row_sigs = [np.array([k for k, rows in enumerate(sig_rows) if j in rows],
                                   dtype=np.int64) for j in range(len(self.mix_posting))]
        self._row_incidence = np.zeros((len(self.mix_posting), len(sig_posting)))
        for j, sigs in enumerate(self._row_sigs):
            self._row_incidence[j, sigs] = 1.0

        flat = np.flatnonzero(self.eligible)
        s, o = flat % n_s, flat // (n_p * n_s)
        p = flat // n_s % n_p
        kind = (self.cost_class.reshape(-1)[flat] * n_s + s) * n_h + self.hard_class[p, s]
        # Sorted by kind, officers ascending within each as they come (numpy sorts small
        # integers stably by radix: at 5,000 officers 0.1 s against 0.5 s for the whole key).
        small = np.int16 if n_c * n_s * n_h < 2**15 else np.int64
        order = np.argsort(kind.astype(small), kind="stable")
        target = kind[order] * n_o + o[order]  # where in ``best`` the start counts
        first = np.ones(len(target), dtype=bool)
        first[1:] = target[1:] != target[:-1]
        begins = np.flatnonzero(first)
        lengths = np.diff(np.append(begins, len(target)))
        # Groups of the same size side by side, the first start of each, then the second...:
        # the least of a block of groups is then a minimum over whole rows (numpy's
        # ``minimum.reduceat`` pays per group, and at 5,000 officers there are 1.4 M).
        self._blocks: list[tuple[int, int, Ints]] = []
        picked: list[Ints] = []
        at = 0
        for size in np.unique(lengths).tolist():
            groups = np.flatnonzero(lengths == size)
            picked.append(order[(begins[groups][None, :] + np.arange(size)[:, None]).reshape(-1)])
            self._blocks.append((at, size, target[begins[groups]]))
            at += size * len(groups)
        chosen = np.concatenate(picked) if picked else np.zeros(0, dtype=np.int64)
        self._miss_at = self.miss[o, p][chosen]
        self._earn_at = (sig[o, p] * n_s + s)[chosen]
        # Scratch space for ``evaluate``, which a step calls some thousand times: fresh arrays
        # of this size cost more in page faults than the passes over them.
        self._value = np.empty(len(chosen))
        self._best = np.empty(n_c * n_s * n_h * n_o)
        self._all_postings = np.arange(n_p)[None, :]
        # The fairness excess of one deployment and of a pair, per officer: it depends on the
        # hardships only, never on the multipliers.
        loads = self.past[None, :] + self.hard_values[:, None]
        self._single_fair = self.fair(loads)  # [hardship, officer]
        self._pair_fair = self.fair(self.past[None, None, :] + (
            self.hard_values[:, None, None] + self.hard_values[None, :, None]))  # [h1, h2, o]
        self._by_price = np.argsort(self.cost_values, kind="stable")
        # Each start's training class, -1 where it is not open: one small look-up per start
        # for ``_postings`` instead of two large ones.
        self._class_at = np.where(self.eligible, self.cost_class, -1).astype(
            np.int8 if len(self.cost_values) < 128 else np.int64)

    def _earnings(self, lam: Floats, mu: Floats) -> Floats:
        """What a start earns at ``lam``, ``mu``, per signature and start month (see
        ``_prepare``): the headcount's window sum, then each mix row's, in the rows' order."""
        earn = self._window_sums(lam)[self._sig_posting]
        if len(self.mix_posting):
            mix_earn = self._window_sums(mu)
            for j, sigs in enumerate(self._row_sigs):
                earn[sigs] += mix_earn[j]
        return earn

    def _class_upto(self, best: Floats, rows: Ints, h: Ints, rank: Ints, s: Ints) -> Ints:
        """The cheapest training class, among the ``rank + 1`` cheapest, of each officer's best
        start in hardship ``h`` at month ``s`` (the cheaper class on ties)."""
        at = best[self._by_price[None, :], s[:, None], h[:, None], rows[:, None]]
        at = np.where(np.arange(len(self._by_price))[None, :] <= rank[:, None], at, INF)
        out: Ints = self._by_price[np.argmin(at, axis=1)]
        return out

    def _postings(self, earn: Floats, rows: Ints, h: Ints, c: Ints, s: Ints) -> Ints:
        """The posting behind each chosen (officer, hardship, class, start): the cheapest of
        the hardship's postings of that class, the first on ties."""
        if not len(rows):
            return np.zeros(0, dtype=np.int64)
        o, t = rows[:, None], s[:, None]
        fits = (self.hard_class[self._all_postings, t] == h[:, None]) & (
            self._class_at[o, self._all_postings, t] == c[:, None])
        masked = np.where(fits, self.miss[rows] - earn[self._sig[rows], t], INF)
        out: Ints = np.argmin(masked, axis=1)
        return out

    @cached_property
    def _state_keys(self) -> dict[tuple[int, float], int]:
        """The states of :meth:`_many` by (count, load), numbered: the empty schedule (0, 0)
        first, then every load a schedule of one or more deployments can reach, with their
        count where the cap binds (else 1). Loads past the fairness threshold
        (:func:`constraints.fairness.linear_from`) are one state at the threshold: beyond it
        each unit costs every officer the same, so it is paid on the way in (``_ways``)."""
        return self._ways[0]

    @cached_property
    def _ways(self) -> tuple[dict[tuple[int, float], int],
                            list[list[tuple[int, int, float]]]]:
        """``_state_keys``, and per state every way in: the state before, the hardship class of
        the deployment, and the fairness paid on the way (the load it takes past the
        threshold, at the weight per unit)."""
        values = self.hard_values.tolist()
        threshold, per_unit = fairness.linear_from(self.inst, self.past)
        index: dict[tuple[int, float], int] = {(0, 0.0): 0}
        ways: list[list[tuple[int, int, float]]] = [[]]
        frontier = [(0, 0.0)]
        for _ in range(self.most):
            reached = []
            for count, load in frontier:
                before = index[count, load]
                for h, value in enumerate(values):
                    key = (count + 1 if self._counted else 1, min(load + value, threshold))
                    if key not in index:
                        index[key] = len(index)
                        ways.append([])
                        reached.append(key)
                    way = (before, h, per_unit * max(0.0, load + value - threshold))
                    if way not in ways[index[key]]:
                        ways[index[key]].append(way)
            frontier = reached
        # Numbered by how many ways lead in (the empty state first), so that ``_transitions``
        # can take states of like width together.
        order = [0, *sorted(range(1, len(ways)), key=lambda k: len(ways[k]))]
        new = {old: k for k, old in enumerate(order)}
        keys = sorted(index, key=lambda key: new[index[key]])  # in their new order
        return ({key: new[index[key]] for key in keys},
                [[(new[before], h, paid) for before, h, paid in ways[old]] for old in order])

    @cached_property
    def _states(self) -> Floats:
        """Each state's load (``_state_keys``; the threshold for loads past it)."""
        return np.array([load for _, load in self._state_keys], dtype=float)

    @cached_property
    def _transitions(self) -> tuple[Ints, Ints, list[tuple[int, int, Ints, Ints, Floats]]]:
        """Every way into each state but the empty one, [state - 1, way]: the state before (the
        "no state" row where a state has fewer ways than another) and the hardship class of the
        deployment that leads in; and the same in groups of states of like width, [lo, hi)
        with the fairness paid on each way (``_ways``), so that one wide state (the one past
        the threshold, with ways from every state within a deployment's load of it) does not
        widen every row."""
        _, ways = self._ways
        nowhere = len(ways)
        width = max((len(w) for w in ways[1:]), default=1)
        source = np.full((len(ways) - 1, width), nowhere, dtype=np.int64)
        hardship = np.zeros((len(ways) - 1, width), dtype=np.int64)
        paid = np.zeros((len(ways) - 1, width, 1))
        for k, w in enumerate(ways[1:]):
            source[k, :len(w)] = [before for before, _, _ in w]
            hardship[k, :len(w)] = [h for _, h, _ in w]
            paid[k, :len(w), 0] = [extra for _, _, extra in w]
        groups: list[tuple[int, int, Ints, Ints, Floats]] = []
        lo = 1
        while lo < len(ways):
            # States are in order of width: a group grows while padding it to its widest
            # state at most doubles its cells, or it stays small (a gather more costs more).
            hi, cells = lo + 1, len(ways[lo])
            while hi < len(ways) and ((hi + 1 - lo) * len(ways[hi]) <= max(
                    64, 2 * (cells + len(ways[hi])))):
                cells += len(ways[hi])
                hi += 1
            wide = max(len(ways[hi - 1]), 1)
            groups.append((lo, hi, source[lo - 1:hi - 1, :wide], hardship[lo - 1:hi - 1, :wide],
                           paid[lo - 1:hi - 1, :wide]))
            lo = hi
        return source, hardship, groups

    def _schedules(self, cost: Floats, trace: bool, by_month: bool = False
                   ) -> tuple[Floats, npt.NDArray[np.int32] | None,
                              npt.NDArray[np.int16] | None]:
        """The least cost of a schedule ending in each state, per officer ([state, officer]),
        from each start's cost [month, hardship class, officer]: starts spaced by at least
        ``spacing``, at most ``most`` of them; with ``by_month``, of the schedules whose starts
        are all in or before each month ([month, state, officer]). With ``trace``, per month,
        state and officer, the month of the last start of the least schedule up to then, and
        the way into the state it took (``_transitions``)."""
        n_s, _, n_o = cost.shape
        n_st = len(self._states)
        _, _, groups = self._transitions
        empty = np.full((n_st + 1, n_o), INF)  # the last row stands for "no state"
        empty[0] = 0.0
        best = np.full((n_s, n_st + 1, n_o), INF)  # [month, state]: least ending by then
        when = np.zeros((n_s, n_st, n_o), dtype=np.int32) if trace else None
        which = np.zeros((n_s, n_st, n_o), dtype=np.int16) if trace else None
        for t in range(n_s):
            earlier = best[t - self.spacing] if t >= self.spacing else empty
            for lo, hi, source, hardship, paid in groups:
                # Every way into these states at once: [state, way, officer].
                step = earlier[source] + cost[t][hardship] + paid
                if when is None or which is None:
                    here = step.min(axis=1)
                    if t:
                        np.minimum(best[t - 1, lo:hi], here, out=here)
                    best[t, lo:hi] = here
                else:
                    taken = step.argmin(axis=1)  # the first of the least, as ways are listed
                    here = step.min(axis=1)
                    previous = best[t - 1, lo:hi] if t else np.full_like(here, INF)
                    later = here < previous
                    when[t, lo:hi] = np.where(later, t, when[t - 1, lo:hi] if t else 0)
                    which[t, lo:hi] = np.where(later, taken, which[t - 1, lo:hi] if t else 0)
                    best[t, lo:hi] = np.minimum(previous, here)
            best[t, 0] = 0.0  # a first deployment may start after any month
        return (best[:, :n_st] if by_month else best[n_s - 1, :n_st]), when, which

    def _many(self, best: Floats) -> tuple[Floats, list[tuple[Ints, Ints, Ints, Ints]]]:
        """Each officer's least cost where more than two deployments may fit, and the
        deployments it takes as (officers, hardship classes, training classes, start months)
        parts, one per deployment from the last.

        Why a dynamic programme: pairs are few enough to price by class, but three or four
        starts are not. Over start months, the state is the load so far (and the count where
        the cap binds), since the fairness excess depends on the schedule's whole load; each
        start adds its cheapest posting of a hardship class. Training is priced as for a
        pair, at the dearest class of the schedule's deployments (one session may prepare them
        all, so that is a lower bound): the schedule is priced at each class rank in turn,
        its starts allowed any class up to it, and the least over the ranks kept."""
        n_c, n_s, _, n_o = best.shape
        rows = np.arange(n_o)
        loads = self._states
        source, hardship, _ = self._transitions  # for the trace: every state's ways in
        idle = self.fair(self.past)
        none = np.zeros(0, dtype=np.int64)
        if len(loads) == 1 or not n_o or not n_s:
            return idle, [(none, none, none, none)]  # nowhere to go
        ends = self.fair(self.past[None, :] + loads[:, None])[1:]  # [state, officer]
        upto = np.empty_like(best)  # [class rank, month, hardship, officer]
        upto[0] = best[self._by_price[0]]
        for j in range(1, n_c):
            np.minimum(upto[j - 1], best[self._by_price[j]], out=upto[j])
        # Every rank at once, side by side as if each were more officers: one pass of the
        # programme instead of one per rank (its cost is in the passes, not their width).
        side = upto.transpose(1, 2, 0, 3).reshape(n_s, -1, n_c * n_o)
        least, _, _ = self._schedules(side, trace=False)
        by_rank = ((least[1:].reshape(-1, n_c, n_o) + ends[:, None, :]).min(axis=0)
                   + self.cost_values[self._by_price][:, None])
        rank = np.argmin(by_rank, axis=0)
        deploy = by_rank[rank, rows] < idle
        total = np.where(deploy, by_rank[rank, rows], idle)
        parts: list[tuple[Ints, Ints, Ints, Ints]] = []
        going = np.flatnonzero(deploy)
        if len(going):
            # Each deploying officer's schedule at their rank, traced back from its end.
            mine = np.moveaxis(upto[rank[going], :, :, going], 0, -1)  # [month, hardship, o]
            least, when, which = self._schedules(mine, trace=True)
            assert when is not None and which is not None
            state = 1 + np.argmin(least[1:] + ends[:, going], axis=0)
            at = np.arange(len(going))
            last = np.full(len(going), n_s - 1)
            while len(at):
                s = when[last, state, at]
                way = which[s, state, at].astype(np.int64)
                h = hardship[state - 1, way]
                officers = going[at]
                parts.append((officers, h,
                              self._class_upto(best, officers, h, rank[officers], s),
                              s.astype(np.int64)))
                state = source[state - 1, way]
                keep = state > 0  # not yet the schedule's first start
                at, state, last = at[keep], state[keep], (s - self.spacing)[keep]
        if not parts:
            parts.append((none, none, none, none))
        return total, parts

    def _one_or_two(self, best: Floats) -> tuple[Floats, list[tuple[Ints, Ints, Ints, Ints]]]:
        """Each officer's least cost where at most two deployments fit, from the cheapest start
        per [class, month, hardship, officer], and the deployments it takes as (officers,
        hardship classes, training classes, start months) parts."""
        n_c, n_s, n_h, n_o = best.shape
        # Nothing, one deployment, or two spaced ones: the cheapest for each officer.
        total = self.fair(self.past)
        choice = np.zeros(n_o, dtype=np.int64)  # 0 none, 1 single, 2 pair
        single = (np.zeros(n_o, dtype=np.int64), np.zeros(n_o, dtype=np.int64),
                  np.zeros(n_o, dtype=np.int64))
        rows = np.arange(n_o)
        if self.most >= 1 and n_s:
            # The cheapest start of each class, per hardship and officer (the first on ties),
            # then the cheapest single: the first (hardship, class) on ties.
            when = np.argmin(best, axis=1)  # [class, hardship, officer]
            least = np.take_along_axis(best, when[:, None], axis=1)[:, 0]
            cost = (least.transpose(1, 0, 2) + self.cost_values[None, :, None]
                    + self._single_fair[:, None, :]).reshape(n_h * n_c, n_o)
            k = np.argmin(cost, axis=0)
            cheapest = cost[k, rows]
            better = cheapest < total
            total = np.where(better, cheapest, total)
            choice[better] = 1
            h_k, c_k = k // n_c, k % n_c
            single[0][better] = h_k[better]
            single[1][better] = c_k[better]
            single[2][better] = when[c_k, h_k, rows][better]
        pair = [np.zeros(n_o, dtype=np.int64) for _ in range(6)]
        if self.most >= 2 and n_s > self.spacing:
            later = n_s - self.spacing
            # A pair pays for the dearer of its two training classes. So price every pair at
            # each class ``j`` in turn (cheapest first) and let both deployments take any class
            # up to it: the least over ``j`` is the pair's exact least price, and it needs
            # n_h x n_h x n_c start sums instead of (n_h x n_c)^2.
            upto = np.empty_like(best)  # [class rank, month, hardship, officer]
            upto[0] = best[self._by_price[0]]
            for j in range(1, n_c):
                np.minimum(upto[j - 1], best[self._by_price[j]], out=upto[j])
            # The cheapest start from each month on, for the months a second deployment may
            # start: second[:, t] is from month t + spacing on.
            second = np.empty((n_c, later, n_h, n_o))
            second[:, -1] = upto[:, -1]
            for t in range(later - 2, -1, -1):
                np.minimum(second[:, t + 1], upto[:, t + self.spacing], out=second[:, t])
            # The cheapest pair per class rank, first and second hardship:
            # [rank, first, second, officer].
            least_pair = np.full((n_c, n_h, n_h, n_o), INF)
            both = np.empty_like(least_pair)
            for t in range(later):
                np.add(upto[:, t, :, None, :], second[:, t, None, :, :], out=both)
                np.minimum(least_pair, both, out=least_pair)
            cost = (least_pair + self._pair_fair[None]
                    + self.cost_values[self._by_price][:, None, None, None]
                    ).reshape(n_c * n_h * n_h, n_o)
            # The cheapest pair: the first (rank, first, second hardship) on ties.
            k = np.argmin(cost, axis=0)
            cheapest = cost[k, rows]
            better = cheapest < total
            total = np.where(better, cheapest, total)
            choice[better] = 2
            dearest = k // (n_h * n_h)  # rank of the pair's dearer class
            pair[0][better] = (k // n_h % n_h)[better]
            pair[3][better] = (k % n_h)[better]
            two = np.flatnonzero(choice == 2)
            if len(two):
                first_h, rank, second_h = pair[0][two], dearest[two], pair[3][two]
                # The first start of the cheapest pair, then the second's earliest cheapest
                # start from the end of the rest on; each takes its cheapest class up to
                # ``rank`` (the cheaper on ties).
                s1 = np.argmin(upto[rank, :later, first_h, two]
                               + second[rank, :, second_h, two], axis=1)
                after = np.where(np.arange(n_s)[None, :] >= (s1 + self.spacing)[:, None],
                                 upto[rank, :, second_h, two], INF)
                s2 = np.argmin(after, axis=1)
                pair[2][two], pair[5][two] = s1, s2
                pair[1][two] = self._class_upto(best, two, first_h, rank, s1)
                pair[4][two] = self._class_upto(best, two, second_h, rank, s2)
        # Which deployments each officer took: the singles, the pairs' first and their second
        # deployments.
        one, two_rows = rows[choice == 1], rows[choice == 2]
        parts: list[tuple[Ints, Ints, Ints, Ints]] = [
            (one, single[0][one], single[1][one], single[2][one])] + [
            (two_rows, pair[h_k][two_rows], pair[c_k][two_rows], pair[s_k][two_rows])
            for h_k, c_k, s_k in ((0, 1, 2), (3, 4, 5))]
        return total, parts

    def _cheapest(self, earn: Floats, value: Floats, best_flat: Floats) -> Floats:
        """The cheapest start per [training class, month, hardship class, officer] (INF where
        there is none), before training and fairness, from the earnings ``earn``; ``value``
        and ``best_flat`` are where it works (``evaluate``'s scratch arrays, or fresh ones)."""
        n_o, _, n_s, _ = self.shape
        best_flat.fill(INF)
        # Every index is in range; "clip" only spares numpy a buffered copy that "raise" makes.
        np.take(earn.reshape(-1), self._earn_at, out=value, mode="clip")
        np.subtract(self._miss_at, value, out=value)
        for at, size, targets in self._blocks:
            best_flat[targets] = value[at:at + size * len(targets)].reshape(size, -1).min(axis=0)
        return best_flat.reshape(len(self.cost_values), n_s, len(self.hard_values), n_o)

    def evaluate(self, lam: Floats, mu: Floats) -> tuple[float, Floats, Floats]:
        """The relaxation's value at ``lam``, ``mu``, and its subgradients. Not reentrant: it
        works in the relaxation's scratch arrays, and leaves the officers' choices in
        ``picks``."""
        _, n_p, n_s, _ = self.shape
        earn = self._earnings(lam, mu)
        best = self._cheapest(earn, self._value, self._best)

        total, parts = self._many(best) if self.most > 2 else self._one_or_two(best)
        where = self._postings(earn, *(np.concatenate(x) for x in zip(*parts, strict=True)))
        cut = np.cumsum([len(part[0]) for part in parts])[:-1]
        picks = [(part[0], at, part[3])
                 for part, at in zip(parts, np.split(where, cut), strict=True)]

        self.picks = picks
        # Deployments started per posting and month, and per mix row and month: counted per
        # signature, then summed over the signatures that count for each row.
        o_all, p_all, s_all = (np.concatenate(part) for part in zip(*picks, strict=True))
        starts = np.bincount(p_all * n_s + s_all, minlength=n_p * n_s).reshape(
            n_p, n_s).astype(float)
        n_sig = len(self._sig_posting)
        by_sig = np.bincount(self._sig[o_all, p_all] * n_s + s_all,
                             minlength=n_sig * n_s).reshape(n_sig, n_s).astype(float)
        mix_starts = self._row_incidence @ by_sig
        value_total = float(np.sum(total) + np.sum(lam * self.need) + np.sum(mu * self.mix_need))
        grad_lam = self.need - self._present(starts)
        grad_mu = np.where(self.mix_open, self.mix_need - self._present(mix_starts), 0.0)
        return value_total, grad_lam, grad_mu

    def evaluate_exactly(self, prices: Prices) -> float:
        """The relaxation's value at ``prices``, every officer's schedules priced one by one
        (``picks`` holds each officer's best). A pair's training is priced course group by
        course group: where both deployments lack the one same requirement of a group, the
        cheaper of one session that meets it for both and a session each; otherwise the
        dearer of the two, as in ``evaluate``. Each seat costs its price on top of its weeks,
        a month at a posting earns its minimum's price less its maximum's, and the value gives
        back every session's seats and every maximum's room at their price.

        Why: ``evaluate`` prices any pair at its dearer deployment's training, since one session
        may prepare both, and leaves seats out; the choice prices the pair with one session only
        where one can serve both, and counts seats, so rounds priced by the choice's relaxation
        (``lower_bound``'s ``master``) but valued as ``evaluate`` values them levelled off below
        it. Pricing every pair takes seconds at 500 officers, too slow for the steps, so only those
        rounds do it. Moving the seat limits into the objective with prices of at least 0 keeps the
        value a lower bound, as it does for the headcount and mix minima; so does moving the
        maxima, which the choice's relaxation may price where a minimum equals its maximum: with
        the minima's prices alone, such a case was valued far below zero."""
        return self._exactly(prices, with_margins=False).value

    def margins(self, prices: Prices, within: float | None = None) -> Margins:
        """:meth:`evaluate_exactly`, with every officer's margin at each open start, of each
        start alone and without deployments (:class:`Margins`); with ``within``, also every
        pair of starts whose starts' margins are both at most that, and the pair's margin.
        Where more than two deployments fit, as :meth:`evaluate_priced` values (``_margins_of_
        many``): no pairs, and ``alone`` INF. Leaves ``picks`` alone, so it may run beside
        :meth:`evaluate`."""
        if self.most > 2:
            return self._margins_of_many(prices)
        return self._exactly(prices, with_margins=True, within=within)

    def _margins_of_many(self, prices: Prices) -> Margins:
        """The value :meth:`evaluate_priced` gives where more than two deployments fit (seats
        priced into training, the maxima's prices a rebate on the minima's), with each
        officer's margin at each open start: the least of their schedules that take it, less
        their least.

        How: per training rank, as :meth:`_many` prices a schedule, the officer's problem is
        solved forward (schedules whose starts all come before a month) and backward (all
        after it); a schedule through a start joins one of each, spaced by the rest, with the
        start between, and pays fairness on the three loads together. That is each start's
        least exactly, in the arrays of one evaluation per rank."""
        seated = self._with_seats(prices.seats)
        if seated is not self:  # seats priced into training, and given back in the value
            found = seated._margins_of_many(replace(prices, seats={}))
            return replace(found, value=found.value - self._seat_charge(prices))
        n_o, n_p, n_s, _ = self.shape
        n_h, n_c = len(self.hard_values), len(self.cost_values)
        lam, mu = prices.headcount - prices.room, prices.mix
        earn = self._earnings(lam, mu)
        best = self._cheapest(earn, np.empty(len(self._value)), np.empty(len(self._best)))
        reduced = self._reduced(lam, mu)
        idle = self.fair(self.past)
        total = idle.copy()
        # through[rank, month, hardship, officer]: the least schedule at that rank through a
        # start in that month and hardship class, the start's own cost left out.
        through = np.full((n_c, n_s, n_h, n_o), INF)
        loads = self._states
        if len(loads) > 1 and n_o and n_s:
            ends = self.fair(self.past[None, :] + loads[:, None])  # [state, officer]
            joins = self._joins
            upto = best[self._by_price[0]].copy()
            nothing = np.full((len(loads), n_o), INF)  # only the empty schedule
            nothing[0] = 0.0
            for j in range(n_c):
                if j:
                    np.minimum(upto, best[self._by_price[j]], out=upto)
                price = float(self.cost_values[self._by_price[j]])
                forward, _, _ = self._schedules(upto, trace=False, by_month=True)
                backward, _, _ = self._schedules(upto[::-1], trace=False, by_month=True)
                total = np.minimum(total, (forward[-1, 1:] + ends[1:]).min(axis=0) + price)
                gap = self.spacing
                before = np.stack([forward[s - gap] if s >= gap else nothing
                                   for s in range(n_s)])  # [month, state, officer]
                after = np.stack([backward[n_s - 1 - s - gap] if s + gap < n_s else nothing
                                  for s in range(n_s)])
                for (a, h), (b, fair) in joins.items():
                    joined = (before[:, a, None, :] + after[:, b, :] + fair[None]).min(axis=1)
                    np.minimum(through[j, :, h], joined + price, out=through[j, :, h])
            # A start of training rank r may be in a schedule priced at any rank from r up.
            through = np.minimum.accumulate(through[::-1], axis=0)[::-1]
        rank = np.argsort(self._by_price)[self.cost_class]  # [officer, posting, start]
        o, p, s = np.nonzero(self.eligible)
        starts = np.full((n_o, n_p, n_s), INF)
        starts[o, p, s] = (through[rank[o, p, s], s, self.hard_class[p, s], o]
                           + reduced[o, p, s] - total[o])
        charge = float(np.sum(prices.room * np.maximum(self.room, 0.0)))
        value = float(np.sum(total) + np.sum(lam * self.need) + np.sum(mu * self.mix_need)
                      + np.sum(prices.room * self.need) - charge)
        return Margins(value, starts, idle - total, np.full((n_o, n_p, n_s), INF),
                       np.zeros((0, 5), dtype=np.int64), np.zeros(0))

    def schedules_within(self, prices: Prices, margins: Margins, within: float,
                         limit: int = LISTED_SCHEDULES) -> Options | None:
        """Where more than two deployments fit: each officer's schedules whose margin at
        ``prices`` (``margins`` is :meth:`margins` there) is at most ``within``, priced one by
        one as :meth:`_many` prices them; None past ``limit`` schedules in all.

        Only the starts whose own margin is within it can be in one, so each officer's are
        combined, spaced by the rest, up to ``most`` of them."""
        seated = self._with_seats(prices.seats)
        if seated is not self:  # training priced with the seats, as the margins were
            return seated.schedules_within(replace(prices, seats={}), margins, within, limit)
        reduced = self._reduced(prices.headcount - prices.room, prices.mix)
        least = self.fair(self.past) - margins.idle
        rank = np.argsort(self._by_price)
        out: Options = []
        count = tried = 0
        for o in range(self.shape[0]):
            mine: list[tuple[Schedule, float]] = []
            if margins.idle[o] <= within:
                mine.append(((), float(margins.idle[o])))
            near = sorted(zip(*np.nonzero(margins.starts[o] <= within), strict=True),
                          key=lambda ps: ps[1])
            starts = [(int(p), int(s), float(reduced[o, p, s]),
                       float(self.hard_values[self.hard_class[p, s]]),
                       int(rank[self.cost_class[o, p, s]])) for p, s in near]
            # Depth first over starts in month order: (next start's index, schedule, its
            # starts' own cost, load, dearest training rank).
            stack: list[tuple[int, Schedule, float, float, int]] = [(0, (), 0.0, 0.0, -1)]
            while stack:
                at, sched, cost, load, dearest = stack.pop()
                if len(sched) >= self.most:
                    continue
                for k in range(at, len(starts)):
                    p, s, own, hard, r = starts[k]
                    if sched and s < sched[-1][1] + self.spacing:
                        continue
                    tried += 1
                    if tried > 2 * limit:  # pure Python: a few seconds' trying at most
                        return None
                    grown = (*sched, (p, s))
                    top = max(dearest, r)
                    fair = float(self.fair(np.array([self.past[o] + load + hard]))[0])
                    margin = (cost + own + fair + float(self.cost_values[self._by_price[top]])
                              - float(least[o]))
                    if margin <= within:
                        mine.append((grown, margin))
                        count += 1
                        if count > limit:
                            return None
                    stack.append((k + 1, grown, cost + own, load + hard, top))
            out.append(mine)
        return out

    @cached_property
    def _joins(self) -> dict[tuple[int, int], tuple[Ints, Floats]]:
        """For ``_margins_of_many``: per state before a start and the start's hardship class,
        the states after it that a schedule may join them with (within the cap where it
        binds), and the fairness of the three loads together, [state after, officer]; none
        for a state already at the cap."""
        keys = list(self._state_keys)
        values = self.hard_values.tolist()
        out: dict[tuple[int, int], tuple[Ints, Floats]] = {}
        for a, (count_a, load_a) in enumerate(keys):
            for h, value in enumerate(values):
                after = [b for b, (count_b, _) in enumerate(keys)
                         if not self._counted or count_a + 1 + count_b <= self.most]
                if not after:
                    continue  # a schedule at the cap already: no start may follow it
                totals = np.array([load_a + value + keys[b][1] for b in after])
                out[a, h] = (np.array(after, dtype=np.int64),
                             self.fair(self.past[None, :] + totals[:, None]))
        return out

    def _exactly(self, prices: Prices, with_margins: bool, within: float | None = None
                 ) -> Margins:
        """:meth:`evaluate_exactly`'s value and :class:`Margins`; without ``with_margins`` the
        starts' margins are left at INF (the pairs' grid is what costs)."""
        inst = self.inst
        weight = float(training.price(inst, 1))
        lam, mu, seat_prices = prices.headcount, prices.mix, prices.seats
        n_o, n_p, n_s, _ = self.shape
        reduced = self._reduced(lam - prices.room, mu)
        needs, lacks, sole = self._lacking
        n_g = sole.shape[3]
        ids = [o.id for o in inst.officers]
        index = {o: i for i, o in enumerate(ids)}
        starts = [s for s in inst.rules.start_months if s < n_s]
        spans = {s: inst.rules.deployment_span(s) for s in starts}

        def least(officers: Iterable[int], need: Requirement, first: date, last: date
                  ) -> Floats:
            """Each officer's least cost of meeting ``need`` over the span, INF if none."""
            out: Floats = np.full(n_o, INF)
            found = inst.least_among((ids[o] for o in officers), need, first, last,
                                     lambda q: weight * q.weeks + seat_prices.get(q.id, 0.0))
            if found:
                out[[index[o] for o in found]] = list(found.values())
            return out

        # What each requirement costs each officer lacking it for a deployment from each start
        # (0 for those who meet it).
        alone: Floats = np.zeros((len(needs), n_o, n_s))
        for k, need in enumerate(needs):
            for s in starts:
                alone[k, :, s] = np.where(lacks[k, :, s],
                                          least(np.flatnonzero(lacks[k, :, s]), need, *spans[s]),
                                          0.0)
        # Per posting and group: the group's cost (its dearest requirement lacking).
        group_cost: Floats = np.zeros((n_o, n_p, n_s, n_g))
        for p_i, posting in enumerate(inst.postings):
            for need in requirements(posting):
                k, g = needs.index(need), self.groups[need]
                group_cost[:, p_i, :, g] = np.maximum(group_cost[:, p_i, :, g], alone[k])
        # One session for both deployments: before the first, still counting on the second's
        # last day, for officers lacking the requirement for both.
        joint: Floats = np.full((len(needs), n_o, n_s, n_s), INF)
        if self.most >= 2:
            for k, need in enumerate(needs):
                for s1 in starts:
                    for s2 in starts:
                        if s2 < s1 + self.spacing:
                            continue
                        both = np.flatnonzero(lacks[k, :, s1] & lacks[k, :, s2])
                        if len(both):
                            joint[k, both, s1, s2] = least(both, need, spans[s1][0],
                                                           spans[s2][1])[both]

        total = self.fair(self.past)
        idle = total.copy()
        least_with: Floats = np.full((n_o, n_p * n_s), INF)
        solo: Floats = np.full((n_o, n_p * n_s), INF)
        pair_rows: list[Ints] = []  # with ``within``: [officer, first, second] flat starts
        pair_margins: list[Floats] = []
        singles: list[tuple[int, int, int]] = []
        pairs: list[tuple[int, int, int, int, int]] = []
        flat_reduced = reduced.reshape(n_o, -1)
        flat_cost = group_cost.reshape(n_o, n_p * n_s, n_g)
        flat_sole = sole.reshape(n_o, n_p * n_s, n_g)
        for o in range(n_o):
            open_ = np.flatnonzero(self.eligible[o].reshape(-1))
            if not len(open_) or self.most < 1:
                continue
            at_p, at_s = open_ // n_s, open_ % n_s
            h = self.hard_class[at_p, at_s]
            r = flat_reduced[o, open_]
            cost = flat_cost[o, open_]
            one = r + cost.sum(axis=1) + self._single_fair[h, o]
            best_one = int(np.argmin(one))
            best = float(one[best_one])
            pick: tuple[int, ...] = (best_one,)
            if with_margins:
                solo[o, open_] = one
            two: Floats = np.zeros(0)
            a = b = np.zeros(0, dtype=np.int64)
            if self.most >= 2:
                a, b = np.nonzero(at_s[None, :] >= at_s[:, None] + self.spacing)
                if len(a):
                    ca, cb = cost[a], cost[b]
                    ka, kb = flat_sole[o, open_][a], flat_sole[o, open_][b]
                    same = (ka >= 0) & (ka == kb) & (ca > 0) & (cb > 0)
                    shared = joint[np.maximum(ka, 0), o, at_s[a][:, None], at_s[b][:, None]]
                    groups = np.where(same, np.minimum(shared, ca + cb),
                                      np.where((ca > 0) & (cb > 0), np.maximum(ca, cb), ca + cb))
                    two = r[a] + r[b] + groups.sum(axis=1) + self._pair_fair[h[a], h[b], o]
                    best_two = int(np.argmin(two))
                    if two[best_two] < best:
                        best, pick = float(two[best_two]), (int(a[best_two]), int(b[best_two]))
                    if with_margins:  # a start's least: its single's, or a pair's with it
                        grid = np.full((len(open_), len(open_)), INF)
                        grid[a, b] = two
                        one = np.minimum(one, np.minimum(grid.min(axis=0), grid.min(axis=1)))
            if with_margins:
                least_with[o, open_] = one
            if best < total[o]:
                total[o] = best
                if len(pick) == 1:
                    singles.append((o, int(at_p[pick[0]]), int(at_s[pick[0]])))
                else:
                    pairs.append((o, int(at_p[pick[0]]), int(at_s[pick[0]]), int(at_p[pick[1]]),
                                  int(at_s[pick[1]])))
            if within is not None and len(two):
                # Margins are taken from the officer's least, known only now.
                near = one - total[o] <= within
                both = near[a] & near[b]
                pair_rows.append(np.stack([np.full(int(both.sum()), o), open_[a[both]],
                                           open_[b[both]]], axis=1))
                pair_margins.append(two[both] - total[o])
        one_rows = np.array(singles, dtype=np.int64).reshape(-1, 3).T
        two_rows = np.array(pairs, dtype=np.int64).reshape(-1, 5).T
        if not with_margins:
            # Margins are for the proof, which may run on its own thread beside the steps:
            # the choices the steps read after each evaluation stay theirs.
            self.picks = [(one_rows[0], one_rows[1], one_rows[2]),
                          (two_rows[0], two_rows[1], two_rows[2]),
                          (two_rows[0], two_rows[3], two_rows[4])]
        sessions = inst.session_by_id
        charge = sum(price * sessions[q].seats for q, price in seat_prices.items())
        charge += float(np.sum(prices.room * np.maximum(self.room, 0.0)))
        value = float(np.sum(total) + np.sum(lam * self.need) + np.sum(mu * self.mix_need)
                      - charge)
        rows = (np.concatenate(pair_rows) if pair_rows else np.zeros((0, 3))).astype(np.int64)
        return Margins(value, least_with.reshape(n_o, n_p, n_s) - total[:, None, None],
                       idle - total, solo.reshape(n_o, n_p, n_s) - total[:, None, None],
                       np.stack([rows[:, 0], rows[:, 1] // n_s, rows[:, 1] % n_s,
                                 rows[:, 2] // n_s, rows[:, 2] % n_s], axis=1),
                       np.concatenate(pair_margins) if pair_margins else np.zeros(0))

    def evaluate_priced(self, prices: Prices) -> float:
        """The relaxation's value at ``prices`` (``picks`` holds each officer's best): by
        :meth:`evaluate_exactly` up to ``EXACT_PAIRS`` pairs, otherwise as a step prices, each
        seat's price on top of its session's weeks (:meth:`_with_seats`), the seats given back
        at their price, and the maxima's prices a rebate on the minima's."""
        if self.exact:
            return self.evaluate_exactly(prices)
        seated = self._with_seats(prices.seats)
        value, _, _ = seated.evaluate(prices.headcount - prices.room, prices.mix)
        self.picks = seated.picks
        return (value - float(np.sum(prices.room * (np.maximum(self.room, 0.0) - self.need)))
                - self._seat_charge(prices))

    @property
    def exact(self) -> bool:
        """Whether :meth:`evaluate_priced` prices exactly: up to ``EXACT_PAIRS`` pairs, where at
        most two deployments fit (one by one, schedules of three or more are too many)."""
        return self.most <= 2 and self._pairs <= EXACT_PAIRS

    @property
    def provable(self) -> bool:
        """Whether :meth:`margins` values prices as :meth:`evaluate_priced` does, so that the
        proof may start from any prices the bound kept: where it prices exactly, and where
        more than two deployments fit (both then as a step prices)."""
        return self.exact or self.most > 2

    @cached_property
    def _pairs(self) -> int:
        """Pairs of starts open to an officer, summed over officers (spacing aside): what
        :meth:`evaluate_exactly` weighs one by one."""
        open_ = self.eligible.reshape(self.shape[0], -1).sum(axis=1).astype(np.int64)
        return int(np.sum(open_ * open_) // 2)

    @cached_property
    def _lacking(self) -> tuple[list[Requirement], npt.NDArray[np.bool_], Ints]:
        """What :meth:`evaluate_exactly` needs whatever the prices: the requirements in a fixed
        order, who lacks each for a deployment from each start ([requirement, officer, start]),
        and per posting and course group the one requirement lacking ([officer, posting,
        start, group]; -1 if none or several)."""
        inst = self.inst
        n_o, n_p, n_s, _ = self.shape
        needs = sorted(self.groups, key=str)
        n_g = max(self.groups.values(), default=-1) + 1
        ids = [o.id for o in inst.officers]
        lacks = np.zeros((len(needs), n_o, n_s), dtype=bool)
        for k, need in enumerate(needs):
            for s in inst.rules.start_months:
                if s < n_s:
                    holding = meeting(inst, need, s)
                    lacks[k, :, s] = [o not in holding for o in ids]
        sole = np.full((n_o, n_p, n_s, n_g), -1, dtype=np.int64)
        for p_i, posting in enumerate(inst.postings):
            count = np.zeros((n_o, n_s, n_g), dtype=np.int64)
            for need in requirements(posting):
                k, g = needs.index(need), self.groups[need]
                count[:, :, g] += lacks[k]
                sole[:, p_i, :, g] = np.where(lacks[k], k, sole[:, p_i, :, g])
            sole[:, p_i] = np.where(count == 1, sole[:, p_i], -1)
        return needs, lacks, sole

    def schedules(self, picks: list[tuple[Ints, Ints, Ints]]) -> Schedules:
        """The deployments of one evaluation's per-officer solutions, by id, in start order."""
        officers, postings = self.inst.officers, self.inst.postings
        out = [(officers[o].id, postings[p].id, int(s))
               for rows, where, when in picks for o, p, s in zip(rows, where, when, strict=True)]
        return sorted(out, key=lambda d: (d[2], d[1], d[0]))

    def _present(self, starts: Floats) -> Floats:
        """Officers present per row and month, from deployments started per row and month."""
        n_m = self.shape[3]
        # Whole counts: the sums by cumulative difference are exact.
        cum = np.zeros((starts.shape[0], n_m + 1))
        width = min(starts.shape[1], n_m)
        cum[:, 1:width + 1] = starts[:, :width]
        np.cumsum(cum, axis=1, out=cum)
        out: Floats = cum[:, 1:] - cum[:, np.maximum(np.arange(1, n_m + 1) - self.length, 0)]
        return out


def tours_that_fit(inst: Instance, capped: bool = True) -> int:
    """Most deployments one officer can start in the horizon: as many as the rest spacing
    leaves room for among the start months, and no more than the deployment limit (unless
    not ``capped``)."""
    starts = inst.rules.start_months
    fit = 1 + (len(starts) - 1) // rest.spacing(inst) if len(starts) else 0
    cap = deployment_limit.limit(inst)
    return min(fit, cap) if capped and cap is not None else fit


def _course_groups(inst: Instance) -> dict[Requirement, int]:
    """Requirements of the case's postings, numbered by group: two requirements share a group
    when a course grants both (or each shares one with a third). No session serves two groups,
    so an officer's training costs at least the sum, over groups, of what each group needs."""
    needs = sorted({need for p in inst.postings for need in requirements(p)}, key=str)
    group = list(range(len(needs)))

    def root(i: int) -> int:
        while group[i] != i:
            i = group[i]
        return i

    for course in inst.courses:
        granted = [i for i, need in enumerate(needs) if need.granted_by(course)]
        for i in granted[1:]:
            group[root(i)] = root(granted[0])
    roots = sorted({root(i) for i in range(len(needs))})
    return {need: roots.index(root(i)) for i, need in enumerate(needs)}


