"""The Lagrangian bound beside the neighbourhood search, with what it hands on: plans combined
from its schedules or led by them, and proofs from its prices. The only module of the engine that
starts threads.

The threads and their rules:

- *the bound* (``rotation-bound``): the bound's steps and rounds (:mod:`rotation.solve.bound`),
  then possibly a proof; it publishes each rise of the bound (``value``, under the lock) and
  queues plans to make at its offers;
- *the plan maker* (``rotation-plans``): makes the queued plans one at a time, in the order
  offered, so the bound's steps never wait for them; each lands in its slot;
- *a proof beside the steps* (``rotation-proof``, up to 600 officers, no work limit): at most one
  at a time;
- *HiGHS on the whole model* (``rotation-mip``, up to ``MIP_UP_TO`` officers where more than two
  deployments fit, no work limit): started by the bound's thread once its steps and rounds are
  over below the search's plan, so that it takes the bound's core rather than share one; one
  solve, which publishes its bound as a proof does and hands its plan to the search as a made
  plan; HiGHS cannot be interrupted, so it is held to ``MIP_SECONDS`` within the time limit and
  a solve that ends first does not wait for it;
- the caller's thread runs the search and asks ``offers`` before each step.

All of them only read the instance and its remembered answers; what they share (the bound shown,
the statistics, the counts of combinations and proofs under way) is written under one lock, and
the bound shown only ever rises. One ``Stop`` ends every search under way at the end of a solve.
CP-SAT, HiGHS and numpy release the interpreter while they work.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial

from rotation.domain import Instance
from rotation.plan import Plan
from rotation.solve.bound import Bound, lower_bound, proven
from rotation.solve.combine import BLOCK, combine, master_prices, staffing_seconds
from rotation.solve.first_plan import first_plan
from rotation.solve.mip import solve_mip
from rotation.solve.model import Candidates, Stop
from rotation.solve.proof import PROOF_WORK, Proof, prove
from rotation.solve.relaxation import Columns, Prices, Relaxation, Schedules, tours_that_fit
from rotation.validate import Verdict, validate

__all__ = ["OFFER_EVERY", "BoundBeside"]

STOP_GRACE = 2.0
"""Seconds a solve waits, once it is over, for the bound's step under way."""

PRICED_UP_TO = BLOCK
"""Officers up to which the bound, once its steps settle, goes on in rounds priced by its pool's
linear relaxation (:func:`rotation.solve.combine.master_prices`): where blocks would choose for
the whole pool at once. At 500 officers a round takes a few seconds and lifts the bound well
above the steps' value; at 5,000 each took about 30 s and stayed far below it."""

OFFER_EVERY = 4
"""Neighbourhood steps per plan led by the bound's schedules, for every 200,000 candidate
starts (rounded up, at least one), when a work limit makes the search replay: the k-th such
plan is weighed before that many times k steps, waiting for it if need be, so the same case and
seed give the same plan. The bound's set-up and steps grow with the candidate starts and a step
of the search does not, hence the scaling: at 500 officers (155,000 starts) the first offers
come about when the search has taken four steps, while at 5,000 officers a wait at every fourth
step had the search idle for most of its time. Without a work limit a led plan is weighed as
soon as it is ready."""

PROBE_SLACK = 0.2
"""How far below one under the best plan (``upper - 1 - value``, the proof's slack) the value at
the bound's centre must be before a proof is tried during its steps (``BoundBeside``'s probe).
The proof gets quicker as the slack shrinks, and the steps close it quickly: on the 50-officer
case, below this slack it takes a tenth of a second or less, hundreds of steps before the steps
settle."""

PROBE_WORK = 0.5
"""Deterministic work (CP-SAT's count, about seconds) a proof tried during the bound's steps may
take: it shares two cores with the steps and the combinations, and the steps settle anyway,
after which the proof gets its full ``rotation.solve.proof.PROOF_WORK``."""

COMBINE_AT = (1, 2, 3)
"""Which of the bound's offers (counted from 1) have their pool combined into a plan
(:mod:`rotation.solve.combine`): the first (after 50 steps, see ``rotation.solve.bound.OFFERS``)
from the first plan, the later ones (after 100 and 200 steps) from the best combined plan so
far. Past 200 steps the pool's relaxation hardly improves, and a later pool is only combined
later. Only the last of them also leads the greedy, after its combination, as a fallback:
beside a combined plan the led ones came to nothing, and at 5,000 officers each holds the plan
thread for a minute."""


MIP_UP_TO = 150
"""Officers up to which HiGHS solves the whole model beside the search where more than two
deployments fit (``BoundBeside``'s ``rotation-mip`` thread), once the bound's steps and rounds
are over: there the proof from the bound's prices is not tried, and HiGHS's cuts sometimes
prove what the Lagrangian bound cannot (the 50-officer case with heavy leave: 549 optimal in
8 s alone, where the bound stays near 536). Its model grows with the case (at 500 officers it
found no plan in 60 s and took 2.4 GB). Started with the bound's steps, it took the core they
and the combinations need: on the 50-officer cases its plans and bound came too late for a
10 s limit and the bound's own fell by 15 to 25."""

MIP_SECONDS = 60.0
"""Most seconds HiGHS may take beside the search (within the time limit): it cannot be
interrupted, so a solve that ends first leaves it running this long at most."""


class _Slot:
    """A plan to be made from one of the bound's offers, in the order the offers came (with a
    work limit the search takes them up at fixed steps)."""

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.made: tuple[Plan, Verdict] | None = None  # None once ready: none was made


class BoundBeside:
    """The Lagrangian bound (:mod:`rotation.solve.bound`), computed on a thread beside the
    neighbourhood search: the search proves no bound itself, and with one CP-SAT worker a
    second core is otherwise idle. Its relaxed schedules also lead the greedy to whole plans,
    and the pool of every schedule its steps chose is combined into one (``offers``); the
    search takes them up when they beat its own: at 500 officers the combined plan costs 2,600
    where 60 s of search from the plain greedy's plan reached 3,200.

    Plans are made on a third thread, one after another in the order offered, so that the
    bound's steps never wait for them: at 5,000 officers a led greedy takes about a minute and
    the combination one to two. The search waits for the combinations, so the bound, HiGHS and
    the staffing have its core: at 5,000 officers a combination on the bound's own thread held
    the bound back until the time limit, and beside a running search it did not finish in
    time. Up to 600 officers a proof may also run beside the steps on a thread of its own
    (``probe``). All threads only read the instance and its remembered answers (the proof's
    margins leave the relaxation's choices to the steps); CP-SAT, HiGHS and numpy release the
    interpreter while they work."""

    def __init__(self, inst: Instance, candidates: Candidates, first: Plan,
                 upper: int, deadline: float, replay_every: int | None, seed: int) -> None:
        self.value: int | None = None
        self.failed = False
        self._inst = inst
        self._rules = candidates.rules
        # Plans made from the bound's offers, led greedy and combined, in the order offered.
        self._slots: list[_Slot] = []
        # What was made of each kind: "led" and "combined" plans, and failures of either. A
        # combination may still be finishing when the solve reads them (HiGHS cannot be
        # interrupted), hence the lock, which also guards the count of combinations ahead.
        self._stats: dict[str, int] = {}
        self._lock = threading.Lock()
        self._taken = 0
        self._every = replay_every
        self._deadline = deadline
        self._upper = upper  # the first plan's cost
        self._first = first
        self._stop = Stop()  # ends the bound's steps, a combination under way and the rest
        self._result: Bound | None = None
        self._steps = 0  # steps taken so far, for a bound whose last step is still under way
        self._rounds = 0  # ...and rounds
        self._began = 0.0  # when the bound's thread started (``start``)
        self._tasks: queue.Queue[tuple[str, Callable[[], Plan | None], _Slot] | None] = (
            queue.Queue())
        self._combinations = 0  # queued or under way: the search waits while there are any
        self._proving = 0  # proofs under way (``_prove``): during the steps and after them
        self._probing: list[threading.Thread] = []  # a proof tried during the steps
        self._held: tuple[Plan, int] | None = None  # the best combined plan made so far
        # Until the last offer whose pool is combined, the search waits for it (``offers``).
        self._combination_ahead = True
        # Called on the search's thread while it waits for plans (progress displays).
        self.on_wait: Callable[[], None] = lambda: None
        # Stops the search's step under way (``listen``), and the cost of the search's plan
        # as it last said (``offers``).
        self._cut: Callable[[], None] = lambda: None
        self._holding: int | None = None
        offered = 0

        latest: list[Columns] = []  # the bound's pool, which its rounds go on adding to

        def lead(schedules: Schedules, columns: Columns) -> None:
            nonlocal offered
            offered += 1
            latest[:] = [columns]
            # Too close to the deadline a combination would only hold the search up: it needs
            # time for a block or two and the staffing.
            room = deadline - time.perf_counter() > 2 * staffing_seconds(inst)
            if offered in COMBINE_AT and room:
                pool = columns.copy()
                self._task("combined", lambda: self._combine(candidates, pool, first, seed))
            # With no time for this one, there is none for a later one: the search goes on.
            self._combination_ahead = offered < max(COMBINE_AT) and room
            if offered == max(COMBINE_AT):  # after the combinations, a fallback
                self._task("led", lambda: first_plan(inst, candidates, schedules))

        master = partial(master_prices, inst) if len(inst.officers) <= PRICED_UP_TO else None
        met = partial(master_prices, inst, mix_met=True) if master is not None else None
        held = partial(master_prices, inst, seats_held=True) if master is not None else None
        # Where rounds price the pool, a proof may follow them (``_prove``).
        self._provable = master is not None

        tried: list[Prices] = []  # the prices a proof was tried from before the rounds ended
        settled = threading.Event()  # a proof has settled the case (the bound shows it)

        probed: list[float] = []  # the slack of each proof tried during the steps
        probing = self._probing  # ...the last of them, which may still run

        def probe(relax: Relaxation, prices: Prices, value: float, steps: int) -> bool:
            """Prove from the steps' centre beside them, on a thread of its own, once its value
            is within ``PROBE_SLACK`` of one below the best plan made from the offers; True
            once a proof has settled the case. The plans still being made are not waited for:
            a proof only needs some plan at its ``upper``. A proof that fails is tried again
            only when the slack has halved, within ``PROBE_WORK``. Never under a work limit
            (as ``settle``)."""
            if settled.is_set():
                return True
            if replay_every is not None or not self._provable or self._stop.is_set():
                return False
            if probing and probing[0].is_alive():
                return False
            slack = self._best_offered() - 1 - value
            if slack >= PROBE_SLACK or (probed and slack > probed[-1] / 2):
                return False
            probed.append(slack)
            bound = Bound(proven(value), steps, 0.0, 0, relax, prices)

            def attempt() -> None:
                try:
                    proof = self._prove(candidates, bound, seed, work=PROBE_WORK, wait=False)
                except Exception:  # the proof after the steps is still to come, and says why
                    self._count("proof_probes_failed")
                    return
                if proof is not None and proof.settled:
                    settled.set()

            probing[:] = [threading.Thread(target=attempt, name="rotation-proof", daemon=True)]
            probing[0].start()
            return False

        def settled_by_now() -> bool:
            """Wait for a proof tried during the steps, if one runs; whether a proof has
            settled the case."""
            while probing and probing[0].is_alive() and not self._stop.is_set():
                probing[0].join(0.05)
            return settled.is_set()

        def settle(relax: Relaxation, prices: Prices, value: float) -> bool:
            """Prove from the steps' own prices before the pool's rounds, when the plans made
            so far are all ready and the best is one above the bound: at S the rounds after
            them never rise above them, and the proof needs only the best prices. Under a
            work limit the rounds always come first, so that what is proven does not depend
            on how soon the plans were made."""
            if replay_every is not None:
                return False
            if settled_by_now():
                return True
            if not all(slot.ready.is_set() for slot in self._slots):
                return False
            if proven(value) < self._best_offered() - 1:
                return False
            tried.append(prices)
            proof = self._prove(candidates, Bound(proven(value), 0, 0.0, 0, relax, prices), seed)
            if proof is None or not proof.settled:
                return False
            settled.set()
            return True

        def run() -> None:
            try:
                self._result = lower_bound(inst, candidates, upper, deadline,
                                           stop=self._stop.is_set, better=self._better,
                                           schedules=lead, stepped=self._stepped, master=master,
                                           rounded=self._rounded, settle=settle, probe=probe,
                                           met=met, seats_held=held)
                prices = self._result.prices
                self._combine_rounds(candidates, latest, first, seed)
                # What a proof raised the bound to is shown (``_raise``) and reported from
                # there (``finish``). From prices a proof was tried from already, it would
                # fail again.
                if (not settled_by_now() and prices is not None
                        and all(p is not prices for p in tried) and not self._stop.is_set()):
                    self._prove(candidates, self._result, seed)
                # The bound can rise no further by its own means: HiGHS takes its core.
                holding, value = self._holding, self.value
                if (self._mip is not None and not self._stop.is_set()
                        and (holding is None or value is None or value < holding)):
                    self._mip.start()
            except Exception:  # the plan does not depend on the bound: keep what was proven
                self.failed = True
                raise

        self._thread = threading.Thread(target=run, name="rotation-bound", daemon=True)
        self._mip: threading.Thread | None = None
        if (replay_every is None and len(inst.officers) <= MIP_UP_TO
                and tours_that_fit(inst) > 2):
            self._mip = threading.Thread(target=partial(self._highs, candidates),
                                         name="rotation-mip", daemon=True)
        self._maker = threading.Thread(target=self._make, name="rotation-plans", daemon=True)

    def _task(self, kind: str, make: Callable[[], Plan | None]) -> None:
        slot = _Slot()
        self._slots.append(slot)
        if kind == "combined":
            with self._lock:
                self._combinations += 1  # from now until it is made: the search waits for it
        self._tasks.put((kind, make, slot))

    def _make(self) -> None:
        """Make the offered plans in turn until the solve is over."""
        while (task := self._tasks.get()) is not None:
            kind, make, slot = task
            try:
                if not self._stop.is_set():
                    self._keep(kind, make, slot)
            finally:
                slot.ready.set()  # an answer either way, so nobody waits for it in vain
                if kind == "combined":
                    with self._lock:
                        self._combinations -= 1
                self._tasks.task_done()

    def _keep(self, kind: str, make: Callable[[], Plan | None], slot: _Slot) -> None:
        try:
            plan = make()
            verdict = validate(self._inst, plan, self._rules) if plan is not None else None
        except Exception:  # a plan from the bound is a bonus: the bound goes on without it
            plan = verdict = None
        if plan is None or verdict is None:
            self._count(f"{kind}_plans_failed")
            return
        slot.made = (plan, verdict)
        self._count(f"{kind}_plans")
        if verdict.ok:
            best = f"best_{kind}_plan_objective"
            with self._lock:
                self._stats[best] = min(self._stats.get(best, verdict.objective),
                                        verdict.objective)
            if kind == "combined" and verdict.objective < self._best_offered():
                self._held = (plan, verdict.objective)

    def _combine_rounds(self, candidates: Candidates, latest: list[Columns], first: Plan,
                        seed: int) -> None:
        """Combine the pool once more after the rounds, which added the schedules their prices
        pick, when the plans made so far stand more than one above the bound (the proof, which
        waits for this plan, can then rule out little). Why: the combinations come at the
        bound's early offers, before the rounds price the sessions' seats; where seats bind (a
        certificate bottleneck) the schedules that respect them come only from the rounds.
        Without a work limit only: the search takes up plans as they come."""
        result = self._result
        if (self._every is not None or result is None or result.rounds == 0 or not latest
                or result.value is None or result.value >= self._best_offered() - 1
                or self._stop.is_set()
                or self._deadline - time.perf_counter() <= 2 * staffing_seconds(self._inst)):
            return
        pool = latest[0].copy()
        self._task("combined", lambda: self._combine(candidates, pool, first, seed))

    def _combine(self, candidates: Candidates, pool: Columns, first: Plan,
                 seed: int) -> Plan | None:
        # A later pool starts from the best combined plan so far (made before it: plans are
        # made one at a time), so its blocks can only trade up from there.
        plans = [first] if self._held is None else [self._held[0], first]
        tally: dict[str, int] = {}
        try:
            return combine(self._inst, candidates, pool, plans, self._deadline, seed,
                           self._stop, tally)
        finally:
            with self._lock:
                for key, value in tally.items():  # summed over the combinations
                    self._stats[key] = self._stats.get(key, 0) + value

    def _best(self) -> tuple[Plan, int]:
        """The best plan made from the offers so far, or the first plan, with its cost; read
        at once (the plan maker may hold a cheaper one by the next line)."""
        held = self._held
        return held if held is not None else (self._first, self._upper)

    def _best_offered(self) -> int:
        """The cost of the best plan made from the offers so far, or of the first plan."""
        return self._best()[1]

    def _prove(self, candidates: Candidates, bound: Bound, seed: int,
               work: float = PROOF_WORK, wait: bool = True) -> Proof | None:
        """Prove the best plan made from the offers optimal, or find the optimum, from the
        bound's prices (:func:`rotation.solve.proof.prove`) within ``work``; what was proven, if
        anything (the bound shown rises to it at once). With ``wait``, the plans offered so far
        are made first, and the search's own plan is not asked for, so that the verdict does
        not depend on how fast the search went."""
        for slot in list(self._slots) if wait else []:
            while not slot.ready.wait(0.05):
                if self._stop.is_set():
                    return None
        held, upper = self._best()
        began = time.perf_counter()
        with self._lock:
            self._proving += 1
        try:
            proof = prove(bound, candidates, upper, self._deadline, seed, self._stop, work,
                          self._raise, held)
        finally:
            with self._lock:
                self._proving -= 1
        with self._lock:  # summed over the tries
            self._stats["proof_ms"] = (self._stats.get("proof_ms", 0)
                                       + round(1000 * (time.perf_counter() - began)))
            self._stats["proof_tries"] = self._stats.get("proof_tries", 0) + 1
            if proof is not None:
                self._stats["proof_starts"] = proof.starts
        if proof is None or self._stop.is_set():
            return None
        if proof.plan is not None:
            verdict = validate(self._inst, proof.plan, self._rules)
            if not verdict.ok or verdict.objective != proof.bound:
                self._count("proof_plans_failed")  # the model and the validator disagree
                return None
            slot = _Slot()
            slot.made = (proof.plan, verdict)
            slot.ready.set()
            self._slots.append(slot)
            self._count("proof_plans")
            self._news(found=True)
        self._raise(proof.bound)
        return proof

    def _highs(self, candidates: Candidates) -> None:
        """HiGHS on the whole model (:func:`rotation.solve.mip.solve_mip`) until the deadline or
        ``MIP_SECONDS``: its bound is shown like a proof's, and its plan, if the validator finds
        it keeps every hard rule, is handed to the search. Never under a work limit: when it
        ends depends on the machine."""
        began = time.perf_counter()
        seconds = min(self._deadline - began, MIP_SECONDS)
        if seconds <= 0 or self._stop.is_set():
            return
        try:
            answer = solve_mip(candidates, seconds)
            verdict = (validate(self._inst, answer.plan, self._rules)
                       if answer.plan is not None else None)
        except Exception:  # a second opinion: the search and the bound go on without it
            self._count("mip_failed")
            return
        with self._lock:
            self._stats["mip_ms"] = round(1000 * (time.perf_counter() - began))
            if answer.bound is not None:
                self._stats["mip_bound"] = answer.bound
        if self._stop.is_set():
            return
        if verdict is not None and verdict.ok and answer.plan is not None:
            slot = _Slot()
            slot.made = (answer.plan, verdict)
            slot.ready.set()
            self._slots.append(slot)
            self._count("mip_plans")
            with self._lock:
                self._stats["best_mip_plan_objective"] = verdict.objective
            self._news(found=True)
        if answer.bound is not None:
            self._raise(answer.bound)

    def _show(self, value: int) -> bool:
        """Show ``value`` as the bound if above the one shown (the steps' rises and a proof's
        come from two threads); whether it was."""
        with self._lock:
            if self.value is not None and value <= self.value:
                return False
            self.value = value
            return True

    def _better(self, value: int) -> None:
        """A rise of the steps' own bound."""
        self._show(value)

    def _raise(self, value: int) -> None:
        """A proof's bound: shown as the steps' are, and news for the search."""
        if self._show(value):
            self._news()

    def listen(self, cut: Callable[[], None]) -> None:
        """Take the function that stops the search's step under way (see ``_news``)."""
        self._cut = cut

    def _news(self, found: bool = False) -> None:
        """A proof raised the bound or ``found`` the optimum: without a work limit, stop the
        search's step under way, so that it sees this at once rather than once its step is
        over, if the news can end or hold the search: a plan, or a bound at most one below the
        search's plan as it last said. Under a work limit the steps are left alone: the plan
        must not depend on when the proof ended."""
        if self._every is not None:
            return
        holding, value = self._holding, self.value
        if found or holding is None or (value is not None and value >= holding - 1):
            self._cut()

    def _stepped(self, done: int) -> None:
        self._steps = done

    def _rounded(self, done: int) -> None:
        self._rounds = done

    def _count(self, key: str) -> None:
        with self._lock:
            self._stats[key] = self._stats.get(key, 0) + 1

    def stats(self) -> dict[str, int]:
        """What was made from the bound's offers so far (see ``_stats``)."""
        with self._lock:
            return dict(self._stats)

    def start(self) -> None:
        self._began = time.perf_counter()
        self._thread.start()
        self._maker.start()

    def _busy(self) -> bool:
        """Whether the bound's thread or the plan maker may still add a plan."""
        return self._thread.is_alive() or self._tasks.unfinished_tasks > 0

    def offers(self, steps: int, interrupted: Callable[[], bool], holding: int | None = None
               ) -> list[tuple[Plan, Verdict]]:
        """Plans made from the bound's offers (led or combined) not yet handed to the search,
        once the combinations are made (the search waits for them: meanwhile it gained little
        on the greedy's plan, far short of the combined plans, while slowing the bound and the
        combination beside it): with a work limit, those due by ``steps`` (one every
        ``replay_every`` steps; waiting for them while the bound runs, within the time limit),
        otherwise whatever is ready, in the order offered.

        While the search's plan (of cost ``holding``) is one above the bound, where a proof may
        follow the bound's steps, the search waits for the steps and any proof: it can only end
        by a plan at the bound, which the proof finds as well, and meanwhile it slows the steps
        and notices the proof only once its own step is over. Not for the rounds from the pool,
        which at 500 officers take most of a minute and may well end without a proof (too many
        starts left open), the search's last chance to find the plan at the bound. Further
        above, the search may well find a cheaper plan meanwhile, and is not held."""

        self._holding = holding
        if holding is not None and holding <= max(self.value or 0, 0):
            return []  # the plan in hand is optimal (no plan costs below 0): nothing to wait for

        def waiting() -> bool:
            return (not interrupted() and time.perf_counter() < self._deadline
                    and self._busy())

        def one_above() -> bool:
            return (self._provable and holding is not None and self.value is not None
                    and holding - self.value == 1 and self._thread.is_alive()
                    and (self._rounds == 0 or self._proving > 0))

        while waiting() and (self._combinations > 0 or one_above() or (
                self._combination_ahead and self._thread.is_alive())):
            self.on_wait()
            time.sleep(0.05)
        slots = self._slots
        due = len(slots)
        if self._every is not None:
            due = steps // self._every
            while waiting() and (len(slots) < due or not all(
                    slot.ready.is_set() for slot in slots[self._taken:due])):
                self.on_wait()
                time.sleep(0.05)
        fresh: list[tuple[Plan, Verdict]] = []
        while self._taken < min(due, len(slots)) and slots[self._taken].ready.is_set():
            made = slots[self._taken].made
            if made is not None:
                fresh.append(made)
            self._taken += 1
        # A plan handed on now may itself be one above the bound: wait as for the search's own,
        # rather than let the search start a step that would notice a proof only once over.
        costs = [verdict.objective for _, verdict in fresh if verdict.ok]
        if costs and (holding is None or min(costs) < holding):
            holding = self._holding = min(costs)
            while waiting() and one_above():
                self.on_wait()
                time.sleep(0.05)
        return fresh

    def finish(self, wait_until: float | None) -> Bound:
        """The bound reached: at once (``wait_until`` None), or after the thread's own steps
        end, but no later than ``wait_until``."""
        try:
            while wait_until is not None and self._thread.is_alive():
                left = wait_until - time.perf_counter()
                if left <= 0:
                    break
                self._thread.join(min(left, 0.2))
        except KeyboardInterrupt:
            pass  # Ctrl-C while waiting: the bound stops here, the plan is kept
        self._stop.set()
        self._tasks.put(None)  # the plan maker ends after the plan under way, if any
        # A step under way ends at its next check; the solve does not wait long for it: what
        # the thread has published so far is proven already. A combination under way is not
        # waited for either: it ends when HiGHS returns, and its plan would come too late.
        self._thread.join(STOP_GRACE)
        if self._mip is not None and self._mip.is_alive() and wait_until is not None:
            # HiGHS is held to the time limit: its bound, if it comes by then, stands.
            self._mip.join(max(0.0, wait_until + STOP_GRACE - time.perf_counter()))
        # A proof tried beside the steps stops its CP-SAT search at once and asks no further
        # question (its Python work, margins and model, may take a moment); a CP-SAT search
        # still running when the interpreter exits would abort the process.
        for thread in self._probing:
            thread.join(STOP_GRACE)
        if self._result is not None:
            # The bound shown is the steps' and rounds' best, or a proof's above it, settled or
            # not (a later question undecided): proven either way.
            if self.value is not None and (self._result.value is None
                                           or self.value > self._result.value):
                return replace(self._result, value=self.value)
            return self._result
        # The thread is still in a step (at 5,000 officers one may take longer than the grace
        # beside the other threads) or a round (the pool's relaxation): what it proved and how
        # far it got stand.
        return Bound(self.value, self._steps, time.perf_counter() - self._began, self._rounds)


