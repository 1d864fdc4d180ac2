"""A proven lower bound for cases solved by neighbourhood search, where CP-SAT proves none.

Neighbourhood search only ever sees part of the model, so it cannot say how far its plan is from
the best one. This module bounds the optimum from below by Lagrangian relaxation: the headcount
and skill-mix minima, the rows that tie officers together, move into the objective with
multipliers (``lambda`` per posting and month in ``[0, weights.unmet_demand]``, since unmet
demand is already priced at that weight; ``mu`` per mix requirement and open month, at least 0),
and what is left falls apart into one small problem per officer, solved exactly for all of them
at once (:mod:`rotation.solve.relaxation`, which says what each keeps of the rules). For every
plan that keeps the hard rules the relaxed objective is at most the real one.

Any multipliers give a valid bound; steps of the volume algorithm (:class:`_Volume`) raise it.
On small cases, rounds priced by the combination's linear relaxation follow the steps
(``lower_bound``'s ``master``); those also price each session's seats and every pair's training
as it can be met (:meth:`Relaxation.evaluate_exactly`), which the steps' array passes cannot.
The bound is the best value seen, rounded up since every cost is an integer.

Where an officer can fit more than two deployments (the deployment limit and the horizon's length
say so), the pool keeps schedules of any length and the rounds price as the steps do (training at
the dearest deployment's), but for each seat's price on top of its session's weeks; the proof
takes the prices of either, priced the same way (``Relaxation.provable``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from rotation.domain import Instance
from rotation.solve.model import Candidates
from rotation.solve.relaxation import (
    Columns,
    Floats,
    Ints,
    OutOfTime,
    Prices,
    Relaxation,
    Schedules,
)

__all__ = ["MASTER_ROUNDS", "OFFERS", "Bound", "Master", "lower_bound", "proven"]

INF = math.inf

# Steps at most: the small cases settle well within it; at 5,000 officers the steps still rise
# after 1,500, so a faster machine may use more of the benchmark's 300 s. The same count gives
# the same bound.
ITERATIONS = 3000

VOLUME_F = 1.0
"""The volume algorithm's first step factor (of the distance to ``upper``)."""

VOLUME_ALPHA = 0.1
"""Most weight a new subgradient gets in the volume algorithm's running direction: heavier
weights levelled the bound off lower, lighter ones reached about the same value later."""

VOLUME_AIM = 0.1
"""The volume algorithm aims its steps at most this share above the centre's value, or at
``upper`` if that is nearer. The plan in hand can be far above the bound (the greedy's 33,429 at
5,000 officers, where the steps settle near 20,000), and aiming there makes every step too long
until the factor has shrunk by as much."""

VOLUME_RED = 20
"""Steps in a row without a better value after which the volume algorithm's step factor
shrinks (by ``VOLUME_SHRINK``)."""

VOLUME_SHRINK = 0.66

VOLUME_END = 1e-5
"""Step factor below which the volume algorithm has settled."""

OFFERS = (50, 100, 200, 300, 400, 600, 800, 1000, 1500)
"""Steps after which the relaxed schedules at the best multipliers so far are handed on (see
``lower_bound``'s ``schedules``), and once more when the steps settle. The pools of the first
three are combined into plans (:mod:`rotation.solve.combine`) and the third also leads the
greedy (``rotation.solve.beside.COMBINE_AT``); the later ones are passed over. The first comes
early because its pool is combined, which at 5,000 officers takes one to two minutes."""

MASTER_ROUNDS = 40
"""Most rounds of pricing the whole pool's linear relaxation (``lower_bound``'s ``master``)
after the steps settle: more than the 24-28 after which the pool stopped growing at 500
officers."""

SMOOTH = 0.3
"""Share of the way back to the best prices so far that each round with seats held takes
(:func:`_rounds_with_seats_held`): a smoothed column generation. On the 50-officer bottleneck
case of seed 2 they reach 8,241, the pool's relaxation's own value; a first version, seats held
from the first round and unsmoothed, swung between -20,341 and 8,241 and ended at the first
three rounds that raised nothing, at 1,561."""

HELD_STALL = 5
"""Rounds in a row with seats held that do not raise the value after which they end."""

MASTER_STALL = 3
"""Rounds in a row that do not raise the value after which the rounds end, the pool's growth
aside. The value swings from round to round and is soon at its best; rounds past the best
value only delay what follows them (the proof, :mod:`rotation.solve.proof`)."""


@dataclass(frozen=True)
class Bound:
    """The best proven lower bound found, and how it was reached: ``iterations`` subgradient
    steps, then ``rounds`` priced by the pool's linear relaxation. Where a round the proof can
    use (``Relaxation.provable``) proves as much as the best value, the first such round's
    ``relaxation`` and ``prices`` are kept, from which :meth:`Relaxation.margins` tells which
    starts a cheaper plan could still use (see :mod:`rotation.solve.proof`)."""

    value: int | None
    iterations: int
    seconds: float
    rounds: int = 0
    relaxation: Relaxation | None = field(default=None, repr=False)
    prices: Prices | None = field(default=None, repr=False)


Master = Callable[[Columns, float], Prices | None]
"""Prices from a pool by a deadline: :func:`rotation.solve.combine.master_prices`."""


def lower_bound(inst: Instance, candidates: Candidates, upper: int, deadline: float,
                iterations: int = ITERATIONS, stop: Callable[[], bool] | None = None,
                better: Callable[[int], None] | None = None,
                schedules: Callable[[Schedules, Columns], None] | None = None,
                stepped: Callable[[int], None] | None = None,
                master: Master | None = None,
                rounded: Callable[[int], None] | None = None,
                settle: Callable[[Relaxation, Prices, float], bool] | None = None,
                probe: Callable[[Relaxation, Prices, float, int], bool] | None = None,
                met: Master | None = None, seats_held: Master | None = None) -> Bound:
    """A proven lower bound on the optimum, by at most ``iterations`` subgradient steps aimed
    at most at ``upper`` (the cost of a plan in hand), ending by ``deadline`` (a
    ``time.perf_counter()`` value) or when ``stop`` says so. Every step's value is itself
    proven, so ``better`` hears of each rise as it happens; ``stepped`` hears the count of
    steps taken after each. Within the step count, the same case gives the same bound.

    ``schedules`` is handed the relaxed solution at the best multipliers so far after each
    step count in ``OFFERS``, and when the steps settle, unless it is the one handed last:
    each officer's best schedule under those prices, which can lead a greedy to a plan (see
    :func:`rotation.solve.first_plan.first_plan`). With it comes every schedule chosen at any
    step so far (:class:`Columns`), from which :func:`rotation.solve.combine.combine` makes a
    plan. What is handed on depends only on the step count, like the bound.

    With ``master``, once the steps settle or reach ``iterations``, at most ``MASTER_ROUNDS``
    rounds follow, while time is left: the linear relaxation of choosing one schedule per
    officer from the pool prices the minima, every officer's schedules are priced anew at
    those prices (a proven value like any step's), and the schedules chosen join the pool;
    they end when a round adds none, or after ``MASTER_STALL`` rounds in a row that did not
    raise the value. Where the proof can use the rounds' prices, the first prices at the steps'
    own best multipliers instead. The steps level off below the relaxation's value (at 500 officers,
    2,491 where these rounds reach 2,569). The prices of the first round that proves the most
    among those the proof can use (the steps' own on a tie), if it proves as much as the best
    value, come back with the bound (``Bound.prices``). ``rounded`` hears the count of rounds
    after each, as ``stepped`` does of steps.

    ``settle`` is handed the relaxation, the prices and the value of the round at the steps'
    own prices, when it proves as much as the best value: if it settles the case by other
    means (the proof, :mod:`rotation.solve.proof`), it says so and the rounds end there: on
    small cases the rounds after it raise nothing and only delay the proof, which needs only
    the best prices.

    ``probe`` is handed the same after every step, where the proof can use the prices: the
    centre's multipliers as prices, its value and the step count. If it settles the case the
    steps end there, with no more offers and no rounds: on small cases the proof from the
    centre succeeds hundreds of steps before the steps settle.

    ``seats_held`` prices the pool with no session given more officers than its seats
    (``master_prices``'s ``seats_held``): see :func:`_rounds_with_seats_held`, tried after the
    rounds when one of them priced a seat at the cap a seat over has there.

    ``met`` prices the pool with every mix minimum met (``master_prices``'s ``mix_met``): see
    :func:`_rounds_with_mix_met`, tried after the rounds when they leave the plan in hand
    unproven.

    The multipliers move by the volume algorithm (:class:`_Volume`).
    """
    began = time.perf_counter()
    try:
        relax = Relaxation(inst, candidates, deadline, stop)
    except OutOfTime:
        return Bound(None, 0, time.perf_counter() - began)
    n_p, n_m = relax.need.shape
    lam = np.zeros((n_p, n_m))
    mu = np.zeros(relax.mix_need.shape)
    best = -INF
    done = 0
    volume = _Volume(lam, mu, relax.cap_unmet, relax.cap_mix, upper)
    best_picks: list[tuple[Ints, Ints, Ints]] = []
    offered_picks: list[tuple[Ints, Ints, Ints]] | None = None  # the same again is not offered
    settled = False
    columns = Columns(relax) if schedules is not None or master is not None else None
    no_room = np.zeros(relax.room.shape)  # the steps price no maximum: the centre's prices
    while done < iterations and time.perf_counter() < deadline and not (stop and stop()):
        value, g_lam, g_mu = relax.evaluate(lam, mu)
        done += 1
        if stepped is not None:
            stepped(done)
        if columns is not None:
            columns.add(relax.picks)
        if value > best + 1e-9:
            if better is not None and (best == -INF or proven(value) != proven(best)):
                better(proven(value))
            best = value
            best_picks = relax.picks
        if columns is not None and done in OFFERS and best_picks is not offered_picks:
            _offer(schedules, relax.schedules(best_picks), columns)
            offered_picks = best_picks
        if best >= upper - 1e-6:
            break  # the plan in hand is optimal: nothing left to offer
        volume.heard(lam, mu, value, g_lam, g_mu)
        if (probe is not None and relax.provable
                and probe(relax, Prices(*volume.centre, no_room, {}), volume.value, done)):
            break  # settled by other means: neither offers nor rounds are needed
        step_to = volume.next() if volume.factor >= VOLUME_END else None
        if step_to is None:
            settled = True  # the steps have shrunk to nothing, or the centre is optimal
            break
        lam, mu = step_to
    else:
        settled = done >= iterations
    if columns is not None and settled and best_picks is not offered_picks:
        _offer(schedules, relax.schedules(best_picks), columns)
    rounds = 0
    # The prices of the first round the proof can use that proves the most, kept if it proves as
    # much as the best value. On a tie the earlier round's are kept, the steps' own first: the
    # pool's relaxation prices at a vertex, which leaves many starts at a margin of 0 and the
    # proof slower. Kept even without a rise over the steps: the steps may reach what the rounds
    # reach, and the proof needs the prices, not a rise.
    priced: Prices | None = None
    priced_value = -INF
    stalled = 0
    best_prices = Prices(*volume.centre, no_room, {})  # what the best value was priced at
    closed = False  # a proof settled the case during the rounds
    capped = False  # a round priced a seat at what a seat over costs the pool's relaxation
    if master is not None and columns is not None and settled and best < upper - 1e-6:
        # Where the proof can use them, the first prices at the steps' own best multipliers:
        # it proves at least what the steps proved (priced exactly, each pair's training as it
        # can be met, never below the dearer of the two), so its prices serve the proof even
        # when the pool's relaxation prices worse.
        own: Prices | None = None
        if relax.provable:
            own = Prices(*volume.centre, no_room, {})
        while (rounds < MASTER_ROUNDS and stalled < MASTER_STALL
               and time.perf_counter() < deadline and not (stop and stop())):
            pooled = own is None  # priced by the pool's relaxation
            prices, own = (master(columns, deadline), None) if pooled else (own, None)
            if prices is None:
                break
            capped = capped or _seat_at_cap(relax, prices)
            value, rounds = _round(relax, prices, rounds, rounded)
            stalled += 1
            if value > best + 1e-9:
                if better is not None and proven(value) != proven(best):
                    better(proven(value))
                best, stalled, best_prices = value, 0, prices
            if relax.provable and (priced is None or proven(value) > proven(priced_value)):
                priced, priced_value = prices, value
            if (not pooled and settle is not None and proven(value) >= proven(best)
                    and settle(relax, prices, value)):
                closed = True
                break
            grown = len(columns)
            columns.add(relax.picks)
            if (pooled and len(columns) == grown) or best >= upper - 1e-6:
                break  # the pool holds every schedule the relaxation wants at these prices
    if (capped and seats_held is not None and columns is not None and not closed
            and best < upper - 1e-6):
        held = _rounds_with_seats_held(relax, seats_held, columns, best, upper, deadline,
                                       stop, better, rounded, rounds)
        if held.best_prices is not None and held.value > best + 1e-9:
            best, best_prices = held.value, held.best_prices
            if relax.provable:
                priced, priced_value = held.best_prices, held.value
        rounds = held.rounds
    if priced is not None and proven(priced_value) < proven(best):
        priced = None  # worth less than the best: the proof would leave too much open
    # Checked before the rounds with the mix met, not after: where they raise the best, the
    # proof still starts from these prices (asking about some costs the bound has ruled out
    # already), and on the 50-officer case of seed 7 it proves 470 optimal from them, where
    # with no prices it proved nothing in 10 s.
    if (met is not None and columns is not None and settled and not closed
            and best < upper - 1e-6 and relax.mix_need.size):
        more = _rounds_with_mix_met(relax, met, columns, best, best_prices, upper, deadline,
                                    stop, better, rounded, rounds)
        best, rounds = more.value, more.rounds
        if more.prices is not None and (priced is None
                                        or proven(more.priced_value) > proven(priced_value)):
            priced, priced_value = more.prices, more.priced_value
    return Bound(proven(best) if best > -INF else None, done, time.perf_counter() - began,
                 rounds, relax if priced is not None else None, priced)


@dataclass(frozen=True)
class _MixMet:
    """What the rounds with the mix met proved (``value``), the rounds counted so far, and
    prices the proof may use, with their value (None where it may not)."""

    value: float
    rounds: int
    prices: Prices | None
    priced_value: float


def _rounds_with_mix_met(relax: Relaxation, met: Master, columns: Columns, best: float,
                         best_prices: Prices, upper: int, deadline: float,
                         stop: Callable[[], bool] | None,
                         better: Callable[[int], None] | None,
                         rounded: Callable[[int], None] | None, rounds: int) -> _MixMet:
    """The bound split in two: plans that leave some supervisor or specialist short, and
    plans that meet every mix minimum.

    Why: the mix is soft, so its prices stop at its weight, and the pool's relaxation may
    leave a sliver of a specialist short where meeting it in whole would cost more; at 500
    officers that held the rounds at 2,568.0 below an optimum of 2,569, which the proof could
    not close (17,699 starts at a margin of 0). But a plan short of anyone pays the weight at
    least once on top of everything else, so it costs at least the weight plus the value at
    the best prices with the mix priced at 0 (a bound on the rest of its cost). A plan that
    meets the mix is bounded by prices with no cap on the mix, from rounds of the pool's
    relaxation with the mix required (``met``). Every plan costs at least the lesser of the
    two; tried only where the first is above what is proven already.

    The rounds end at the first that does not raise the value: the proof waits for them, and
    where the split helps (500 officers; the 50-officer case of seed 7, from 458 to 469) its
    first round already does. The proof may take the second's prices only where the first
    alone rules out every plan cheaper than ``upper``, since its margins hold only for plans
    that meet the mix."""
    if time.perf_counter() >= deadline or (stop and stop()):
        return _MixMet(best, rounds, None, -INF)
    zero_mix = Prices(best_prices.headcount, np.zeros_like(best_prices.mix), best_prices.room,
                      best_prices.seats)
    short = relax.cap_mix + relax.evaluate_priced(zero_mix)
    kept: Prices | None = None
    kept_value = -INF
    while (proven(short) > proven(best) and rounds < 2 * MASTER_ROUNDS
           and time.perf_counter() < deadline and not (stop and stop())):
        prices = met(columns, deadline)
        if prices is None:
            break
        value, rounds = _round(relax, prices, rounds, rounded)
        if (relax.provable and proven(short) >= upper
                and (kept is None or proven(value) > proven(kept_value))):
            kept, kept_value = prices, value
        grown = len(columns)
        columns.add(relax.picks)
        lifted = min(value, short)
        if lifted <= best + 1e-9:
            break
        if better is not None and proven(lifted) != proven(best):
            better(proven(lifted))
        best = lifted
        if len(columns) == grown or best >= upper - 1e-6:
            break
    return _MixMet(best, rounds, kept, kept_value)


def _between(centre: Prices, pooled: Prices, share: float) -> Prices:
    """Prices ``share`` of the way from ``pooled`` back to ``centre``, the best so far."""
    seats = {q: share * centre.seats.get(q, 0.0) + (1 - share) * pooled.seats.get(q, 0.0)
             for q in set(centre.seats) | set(pooled.seats)}
    return Prices(share * centre.headcount + (1 - share) * pooled.headcount,
                  share * centre.mix + (1 - share) * pooled.mix,
                  share * centre.room + (1 - share) * pooled.room, seats)


def _seat_at_cap(relax: Relaxation, prices: Prices) -> bool:
    """Whether a seat is priced at what one over costs the pool's relaxation in the first
    rounds (``Relaxation.cap_seat``)."""
    return any(price >= relax.cap_seat - 1e-6 for price in prices.seats.values())


@dataclass(frozen=True)
class _Held:
    """What the rounds with seats held proved (``value``), at which prices (None if none
    raised the value), and the rounds counted so far."""

    value: float
    best_prices: Prices | None
    rounds: int


def _rounds_with_seats_held(relax: Relaxation, held: Master, columns: Columns, best: float,
                            upper: int, deadline: float, stop: Callable[[], bool] | None,
                            better: Callable[[int], None] | None,
                            rounded: Callable[[int], None] | None, rounds: int) -> _Held:
    """More rounds, the pool's relaxation holding every session to its seats.

    Why: the pool's relaxation lets a session take more officers than it has seats at the
    price of an officer-month unmet, which keeps its prices tame while the pool is young; but
    where seats are scarce (a certificate bottleneck, two seats a session) a seat is worth
    whole tours, and the rounds priced it at that cap: on the 50-officer bottleneck case they
    levelled off at 21,145 against plans of 57,578. Seats are a hard rule, so any price of at
    least 0 keeps the value a bound; held hard, the seats' prices reach what a seat is worth
    (12,000 there) and the value 57,564.

    Held hard, the first rounds swing widely (their prices price schedules the pool lacks),
    so from the second on each round's prices are taken ``SMOOTH`` of the way back to the
    best of these rounds so far (whether or not it beat the rounds before them), and the
    rounds end after ``HELD_STALL`` in a row that do not raise the value."""
    found: Prices | None = None  # the prices that raised the value, if any
    centre: Prices | None = None  # the best of these rounds' prices so far
    centre_value = -INF
    stalled = 0
    value = best
    while (rounds < 2 * MASTER_ROUNDS and stalled < HELD_STALL
           and time.perf_counter() < deadline and not (stop and stop())):
        prices = held(columns, deadline)
        if prices is None:
            break
        if centre is not None:
            prices = _between(centre, prices, SMOOTH)
        now, rounds = _round(relax, prices, rounds, rounded)
        stalled += 1
        if now > centre_value:
            centre, centre_value = prices, now
        if now > value + 1e-9:
            if better is not None and proven(now) != proven(value):
                better(proven(now))
            value, found, stalled = now, prices, 0
        grown = len(columns)
        columns.add(relax.picks)
        if len(columns) == grown or value >= upper - 1e-6:
            break
    return _Held(value, found, rounds)


def _round(relax: Relaxation, prices: Prices, rounds: int,
           rounded: Callable[[int], None] | None) -> tuple[float, int]:
    """A round's value at ``prices`` and the count of rounds with it, which ``rounded`` hears."""
    value = relax.evaluate_priced(prices)
    if rounded is not None:
        rounded(rounds + 1)
    return value, rounds + 1


class _Volume:
    """Barahona and Anbil's volume algorithm, which moves the bound's multipliers.

    Why: a plain subgradient step moves from wherever the last step landed along that one
    point's subgradient, which over thousands of multipliers zig-zags, so the steps level off
    well below the relaxation's best (at 500 officers 2,448, where the choice's own relaxation
    proves 2,509 with the same pricing). Here the multipliers move only from a centre, the best
    point so far, along a running average of the subgradients seen (the subgradient of an
    average of the relaxed solutions, which tends to a fractional solution of the choice), and
    a trial point becomes the centre only when its value is better. The step is a share
    (``factor``) of the distance from the centre's value to its aim (``VOLUME_AIM`` above it,
    or ``upper`` if nearer): it grows when a better point also points the same way, and
    shrinks after ``VOLUME_RED`` worse ones in a row. Every value evaluated is still a proven
    bound, whatever the path.
    """

    def __init__(self, lam: Floats, mu: Floats, cap: Floats | float, cap_mix: float,
                 upper: float) -> None:
        self.centre = (lam, mu)
        self.cap = cap
        self.cap_mix = cap_mix
        self.upper = upper
        self.value = -INF
        self.direction: tuple[Floats, Floats] | None = None
        # The centre's own subgradient, and the direction of the last step taken.
        self.own: tuple[Floats, Floats] = (np.zeros_like(lam), np.zeros_like(mu))
        self.moved: tuple[Floats, Floats] = self.own
        self.factor = VOLUME_F
        self.red = 0

    def heard(self, lam: Floats, mu: Floats, value: float, g_lam: Floats, g_mu: Floats
              ) -> None:
        """Take in the value and subgradients at the point last evaluated (the first time, the
        centre itself)."""
        if self.direction is None:
            self.value, self.direction = value, (g_lam, g_mu)
            self.own = (g_lam, g_mu)
            return
        d_lam, d_mu = self.direction
        # The weight that makes the new direction shortest, within its bounds: a short
        # average subgradient means a nearly feasible average solution.
        diff_lam, diff_mu = g_lam - d_lam, g_mu - d_mu
        spread = float(np.sum(diff_lam * diff_lam) + np.sum(diff_mu * diff_mu))
        alpha = VOLUME_ALPHA
        if spread > 0:
            alpha = -float(np.sum(d_lam * diff_lam) + np.sum(d_mu * diff_mu)) / spread
            alpha = min(max(alpha, VOLUME_ALPHA / 10), VOLUME_ALPHA)
        self.direction = (alpha * g_lam + (1 - alpha) * d_lam, alpha * g_mu + (1 - alpha) * d_mu)
        if value > self.value:
            if float(np.sum(g_lam * self.moved[0]) + np.sum(g_mu * self.moved[1])) >= 0:
                self.factor = min(self.factor * 1.1, 2.0)
            self.centre, self.value, self.red = (lam, mu), value, 0
            self.own = (g_lam, g_mu)
        else:
            self.red += 1
            if self.red >= VOLUME_RED:
                self.factor *= VOLUME_SHRINK
                self.red = 0

    def next(self) -> tuple[Floats, Floats] | None:
        """The next point to evaluate; None when the centre is optimal (its own subgradient,
        kept within the multipliers' ranges, is zero)."""
        lam, mu = self.centre
        assert self.direction is not None
        norm = 0.0
        for d_lam, d_mu in (self.direction, self.own):
            d_lam, d_mu = _inward(lam, d_lam, self.cap), _inward(mu, d_mu, self.cap_mix)
            norm = float(np.sum(d_lam * d_lam) + np.sum(d_mu * d_mu))
            if norm > 0:
                break
            # The average points only out of range (trial points past the centre asked for
            # lower prices where it has none): start it again from the centre's own.
            self.direction = self.own
        if norm == 0:
            return None
        self.moved = (d_lam, d_mu)
        aim = self.upper
        if self.value > 0:
            aim = min(aim, self.value * (1 + VOLUME_AIM) + 1)
        step = self.factor * (aim - self.value) / norm
        return (np.clip(lam + step * d_lam, 0.0, self.cap),
                np.clip(mu + step * d_mu, 0.0, self.cap_mix))


def _inward(at: Floats, direction: Floats, cap: Floats | float) -> Floats:
    """``direction`` without the components that would leave the multipliers' range [0, cap]
    at ``at``: they would only be clipped back. The caps are the soft rows' own weights (a
    multiplier above what a shortfall costs would price more than the rule does)."""
    out: Floats = np.where(((at <= 0) & (direction < 0)) | ((at >= cap) & (direction > 0)),
                           0.0, direction)
    return out


def _offer(schedules: Callable[[Schedules, Columns], None] | None, relaxed: Schedules,
           columns: Columns) -> None:
    """Hand on a relaxed solution unless it deploys nobody (multipliers still at zero)."""
    if relaxed and schedules is not None:
        schedules(relaxed, columns)


def proven(value: float) -> int:
    """The integer bound a relaxation value proves. Floating point sums carry tiny errors and
    every cost is an integer, so round up only past them."""
    return math.ceil(value - 1e-6 - 1e-9 * abs(value))
