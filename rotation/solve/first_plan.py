"""A first plan built the way a planner would, month by month, to give the search a start.

Why it exists: on pools of hundreds of officers CP-SAT can spend its whole time limit without
finding any plan at all, while a staffing officer with a spreadsheet would have one in minutes.
This module does what that officer does: walk the months in order and, wherever a posting is
below its minimum (mix first, then headcount), send the cheapest officer who is free, eligible
and, if needed, can still be trained in a session with a seat left. Larger cases start the
neighbourhood search from it; the whole model keeps it as a fallback (and a hint, when large).

The plan respects every hard rule by construction: it only uses starts the model allows
(availability, eligibility with training, history) and checks rest, one posting at a time, the
deployment limit, maxima, seats and training clashes itself. Minimum headcount and mix, both
soft, are attempted, not guaranteed; the validator has the last word.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

from constraints import deployment_limit, fairness, preferences, rest, training
from constraints.eligibility import meeting
from constraints.skill_mix import requirements as mix_requirements
from rotation.domain import Instance, Officer, Posting, Requirement, Session, requirements
from rotation.plan import Deployment, Enrolment, Plan
from rotation.solve.model import Candidates

__all__ = ["first_plan"]

SHORTLIST = 60
"""Officers weighed for each place: the cheapest of the first this many who can go. Weighing
everyone made the first plan take minutes at 5,000 officers; past a few dozen the choice
hardly improved (measured on the benchmark cases)."""

@dataclass
class _Officer:
    """What the greedy has committed one officer to so far."""

    officer: Officer
    load: int
    starts: list[int] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)


class _Greedy:
    def __init__(self, inst: Instance, candidates: Candidates) -> None:
        self.inst = inst
        self.candidates = candidates
        rules = inst.rules
        self.length = rules.deployment_months
        # Two starts closer than this would break one-at-a-time (no rest) or the rest rule.
        self.spacing = rest.spacing(inst)
        self.limit = deployment_limit.limit(inst)
        self.state = {o.id: _Officer(o, fairness.past_load(inst, o.id)) for o in inst.officers}
        self.present: dict[tuple[str, int], list[str]] = defaultdict(list)
        for key, ids in inst.carried_over.items():
            self.present[key].extend(ids)
        self.seats: dict[str, int] = defaultdict(int)
        self.last_start = rules.start_months.stop - 1
        self.ranked: dict[tuple[str, int], list[str]] = {}
        self.deployments: list[Deployment] = []
        self.enrolments: list[Enrolment] = []
        self.mix_roles = [c for p in inst.postings for _, _, c in mix_requirements(p)]
        # How many mix roles an officer could fill anywhere: asked for every option weighed
        # (1.4 M at 5,000 officers), so counted once per officer.
        self.roles: dict[str, int] = {}
        # Candidates grouped by how many requirements they lack on their own records, per
        # requirements and start: postings that share requirements share the grouping.
        self.by_lacking: dict[tuple[tuple[Requirement, ...], int],
                              tuple[Sequence[str], list[list[str]]]] = {}
        # Officers proposed per (posting, start) (see ``first_plan``), and whether the rules
        # allow a proposal.
        self.lead: dict[tuple[str, int], list[str]] = defaultdict(list)
        self.allows = candidates.allows

    # -- what a month still needs ------------------------------------------------------------
    def _months(self, t: int) -> range:
        """Month ``t``, or from the last possible start on, every month left: only a start
        then can still reach them, so their needs are claimed before others take the officers."""
        if t == self.last_start:
            return range(t, self.inst.rules.months)
        return range(t, t + 1)

    def _headcount_gap(self, p: Posting, t: int) -> int:
        return max(self.inst.demand(p.id, m)[0] - len(self.present[p.id, m])
                   for m in self._months(t))

    def _mix_gap(self, p: Posting, t: int, counts: Callable[[Officer], bool],
                 minimum: int) -> int:
        by_id = self.inst.officer_by_id
        return max(
            (minimum - sum(1 for o in self.present[p.id, m] if counts(by_id[o]))
             for m in self._months(t) if self.inst.demand(p.id, m)[1] > 0),
            default=0,
        )

    # -- can an officer go, and at what cost -------------------------------------------------
    def _sessions_for(self, s: _Officer, p: Posting, start: int) -> list[Session] | None:
        """New sessions the officer needs for this deployment, or None if it cannot be done."""
        inst = self.inst
        first, last = inst.rules.deployment_span(start)
        months = range(start, start + self.length)
        picked: list[Session] = []
        for need in requirements(p):
            if s.officer.id in meeting(inst, need, start):
                continue
            options = inst.qualifying_sessions(s.officer, need, first, last)
            ids = {q.id for q in options}
            if any(q.id in ids for q in s.sessions + picked):
                continue
            usable = [q for q in options if self._can_sit(s, q, picked, months)]
            if not usable:
                return None
            picked.append(min(usable, key=lambda q: (q.weeks, -q.start.toordinal(), q.id)))
        return picked

    def _can_sit(self, s: _Officer, q: Session, picked: list[Session], months: range) -> bool:
        if self.seats[q.id] >= q.seats:
            return False
        rules = self.inst.rules
        held = range(rules.month_of(q.start), rules.month_of(q.end) + 1)
        for start in [*s.starts, months.start]:
            if held.start < start + self.length and start <= held.stop - 1:
                return False
        return not any(q.start <= o.end and o.start <= q.end for o in s.sessions + picked)

    def _option(self, officer_id: str, p: Posting, start: int
                ) -> tuple[tuple[int, int, int, str], list[Session]] | None:
        s = self.state[officer_id]
        inst = self.inst
        rules = inst.rules
        if self.limit is not None and len(s.starts) >= self.limit:
            return None
        if any(abs(start - other) < self.spacing for other in s.starts):
            return None
        held = [(rules.month_of(q.start), rules.month_of(q.end)) for q in s.sessions]
        if any(a < start + self.length and start <= b for a, b in held):
            return None
        sessions = self._sessions_for(s, p, start)
        if sessions is None:
            return None
        cost = training.price(inst, sum(q.weeks for q in sessions))
        cost += preferences.price(inst, s.officer, p.id)
        added = fairness.deployment_load(inst, p, start)
        cost += fairness.excess_cost(inst, s.load + added) - fairness.excess_cost(inst, s.load)
        # Among equals, keep officers the mix will need elsewhere for later.
        roles = self.roles.get(officer_id)
        if roles is None:
            roles = self.roles[officer_id] = sum(1 for c in self.mix_roles if c(s.officer))
        return (cost, roles, len(s.starts), officer_id), sessions

    def _has_room(self, p: Posting, start: int) -> bool:
        """Whether a deployment starting then fits under the maximum in every month it covers
        and leaves room for the months after it."""
        for t in range(start, min(start + self.length, self.inst.rules.months)):
            if len(self.present[p.id, t]) >= self.inst.demand(p.id, t)[1]:
                return False
        return self._leaves_room_for_the_end(p, start)

    def _leaves_room_for_the_end(self, p: Posting, start: int) -> bool:
        """Whether a deployment starting then leaves room, under the maximum, for the officers
        the months after it still need.

        A month after the deployment ends can only be staffed by starts later than this one,
        and when the deployment reaches into the months from the last possible start on,
        every such later deployment is there too, in those months. At 5,000 officers the greedy
        filled the months before the last start to their maximum with earlier starts, and the
        horizon's last month, which only the last start reaches, stayed one officer short.
        """
        end = start + self.length - 1
        if start >= self.last_start or end < self.last_start:
            return True
        later = max((self.inst.demand(p.id, k)[0] - len(self.present[p.id, k])
                     for k in range(end + 1, self.inst.rules.months)), default=0)
        if later <= 0:
            return True
        return all(len(self.present[p.id, t]) + 1 + later <= self.inst.demand(p.id, t)[1]
                   for t in range(self.last_start, end + 1))

    def _ranked(self, p: Posting, start: int) -> list[str]:
        """Candidates for a start, those who need no training and asked for the posting first,
        so that the shortlist holds the officers a planner would look at first. Ties keep the
        case's officer order."""
        key = (p.id, start)
        ranked = self.ranked.get(key)
        if ranked is None:
            needs = requirements(p)
            pool = self.candidates(p.id, start)
            known = self.by_lacking.get((needs, start))
            if known is not None and known[0] is pool:  # the same list: the same officers
                groups = known[1]
            else:
                groups = self._group_by_lacking(p, pool, start)
                self.by_lacking[needs, start] = (pool, groups)
            by_id = self.inst.officer_by_id

            def elsewhere(officer_id: str) -> bool:
                return preferences.missed(by_id[officer_id], p.id)

            ranked = []
            for group in groups:
                ranked.extend(o for o in group if not elsewhere(o))
                ranked.extend(o for o in group if elsewhere(o))
            self.ranked[key] = ranked
        return ranked

    def _group_by_lacking(self, p: Posting, pool: Sequence[str], start: int) -> list[list[str]]:
        met = [meeting(self.inst, need, start) for need in requirements(p)]
        groups: list[list[str]] = [[] for _ in range(len(met) + 1)]
        for officer_id in pool:
            groups[sum(1 for ids in met if officer_id not in ids)].append(officer_id)
        return groups

    # -- committing --------------------------------------------------------------------------
    def _assign(self, officer_id: str, p: Posting, start: int, sessions: list[Session]) -> None:
        s = self.state[officer_id]
        first, last = self.inst.rules.deployment_span(start)
        s.starts.append(start)
        s.load += fairness.deployment_load(self.inst, p, start)
        for t in range(start, start + self.length):
            self.present[p.id, t].append(officer_id)
        self.deployments.append(Deployment(officer_id, p.id, first, last))
        for q in sessions:
            s.sessions.append(q)
            self.seats[q.id] += 1
            self.enrolments.append(Enrolment(officer_id, q.course, q.id, q.start, q.end))

    def _fill(self, p: Posting, t: int, gap: Callable[[], int],
              who: Callable[[Officer], bool]) -> None:
        """Start deployments until month ``t`` has what it needs, or nobody can go.

        A start in ``t`` itself is tried first; failing that, a start up to a deployment's
        length earlier that still covers ``t`` (the months before are already planned, so this
        only adds where the maximum leaves room). That also staffs the months after the last
        possible start. Officers the lead proposes for one of these starts go before anyone
        else.
        """
        starts = [s for s in range(t, t - self.length, -1) if s in self.inst.rules.start_months]
        while gap() > 0:
            chosen = None
            for start in starts:
                proposed = self._proposed(p, start)
                chosen = self._cheapest(p, start, who, proposed, len(proposed))
                if chosen is not None:
                    break
            else:
                for start in starts:
                    chosen = self._cheapest(p, start, who, self._ranked(p, start), SHORTLIST)
                    if chosen is not None:
                        break
            if chosen is None:
                return
            start, (key, sessions) = chosen
            self._assign(key[3], p, start, sessions)

    def _cheapest(self, p: Posting, start: int, who: Callable[[Officer], bool],
                  officers: Sequence[str], shortlist: int
                  ) -> tuple[int, tuple[tuple[int, int, int, str], list[Session]]] | None:
        """The cheapest of the first ``shortlist`` of ``officers`` who can go, with the
        sessions they need."""
        if not self._has_room(p, start):
            return None  # nobody can start there then (asked once, not for every officer)
        best = None
        found = 0
        for officer_id in officers:
            if not who(self.state[officer_id].officer):
                continue
            option = self._option(officer_id, p, start)
            if option is None:
                continue
            if best is None or option[0] < best[0]:
                best = option
            found += 1
            if found >= shortlist:
                break
        return None if best is None else (start, best)

    def _proposed(self, p: Posting, start: int) -> list[str]:
        """Officers the lead proposes for this start whom the rules allow there."""
        by_id = self.inst.officer_by_id
        return [o for o in self.lead.get((p.id, start), ())
                if self.allows(by_id[o], p, start)]

    def run(self, lead: Sequence[tuple[str, str, int]] = ()) -> Plan:
        for officer_id, posting_id, start in lead:
            self.lead[posting_id, start].append(officer_id)
        # Postings of higher priority first: under shortage, they get the officers.
        postings = sorted(self.inst.postings, key=lambda p: -p.priority)
        for t in self.inst.months:
            for p in postings:
                for _, minimum, counts in mix_requirements(p):
                    self._fill(p, t, partial(self._mix_gap, p, t, counts, minimum), counts)
            for p in postings:
                self._fill(p, t, partial(self._headcount_gap, p, t), _anyone)
        return Plan(tuple(sorted(self.deployments)), tuple(sorted(self.enrolments)))


def _anyone(officer: Officer) -> bool:
    return True


def first_plan(inst: Instance, candidates: Candidates,
               lead: Sequence[tuple[str, str, int]] = ()) -> Plan:
    """A plan that meets as much of the demand as a month-by-month greedy choice can.

    ``lead`` lists (officer, posting, start month) deployments to prefer: wherever the greedy
    fills a gap, it first tries the officers proposed for a start that covers it, and only then
    everyone else. The proposals are the schedules of the Lagrangian bound
    (:mod:`rotation.solve.bound`) or the combination's choice among them
    (:mod:`rotation.solve.combine`), which weigh every officer's whole horizon at once where
    the greedy sees one month at a time.

    Raises :class:`rotation.solve.model.UnknownRules` for a rule set the greedy does not build
    in: its plan would break such a rule where the candidate lists cannot see it.
    """
    candidates.require_known("the first plan")
    return _Greedy(inst, candidates).run(lead)
