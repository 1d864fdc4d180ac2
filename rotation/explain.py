"""Plans explained in words a planner can act on.

For each posting and month left short (of officers, or of supervisors and specialists): how
many officers qualify on their own records, how many more training could qualify in time, and
how full the sessions that could train them are. For an officer: why each tour is there (what
removing it would cost) and why every other start is not (the rule it would break, in the
rule's own words, or what adding it would cost, rule by rule). For a posting and month: who
could have been there and why each was not. Reads only the instance and the plan, never the
solver: the rules' checkers and costs are the judges.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from constraints import RULES, Rule, eligibility, skill_mix
from rotation.domain import Instance, Officer, Posting, Session, requirements
from rotation.errors import InputError, Problem
from rotation.plan import Deployment, Enrolment, MixShortfall, Plan, Shortfall, Violation

__all__ = ["OfficerWhy", "Why", "explain_mix", "explain_officer", "explain_posting",
           "explain_shortfall", "why"]


def _starts_covering(inst: Instance, month: int) -> list[int]:
    length = inst.rules.deployment_months
    return [s for s in inst.rules.start_months if s <= month < s + length]


def _qualified(inst: Instance, officer: Officer, posting: Posting, start: int) -> bool:
    first, last = inst.rules.deployment_span(start)
    return officer.is_available(first, last) and all(
        need.met_by(officer, first, last) for need in requirements(posting)
    )


def explain_shortfall(inst: Instance, plan: Plan, gap: Shortfall) -> str:
    """One sentence on why ``gap`` exists: who qualifies, who could, which sessions are full."""
    head = f"{inst.posting_by_id[gap.posting].name} needs {gap.required} officers in " \
           f"{gap.month} and has {gap.assigned}"
    return _who_could(inst, plan, gap.posting, gap.month, head, "officers", lambda o: True)


def explain_mix(inst: Instance, plan: Plan, gap: MixShortfall) -> str:
    """One sentence on why supervisors or specialists are missing, worded as for headcount:
    how many hold the role, how many of them qualify or could be trained, where they are."""
    counts = next((c for label, _, c in skill_mix.requirements(inst.posting_by_id[gap.posting])
                   if label == gap.role), None)
    head = skill_mix.describe(inst, gap)
    if counts is None:
        return head + "."
    holders = sum(1 for o in inst.officers if counts(o))
    head += f": {holders} officers of the case are {gap.role}"
    return _who_could(inst, plan, gap.posting, gap.month, head, "of those", counts)


def _who_could(inst: Instance, plan: Plan, posting_id: str, label: str, head: str, who: str,
               counts: Callable[[Officer], bool]) -> str:
    """``head``, then who among the officers ``counts`` lets through qualifies on their own
    records, who could be trained in time and in which sessions, and how many of the qualified
    serve elsewhere that month."""
    posting = inst.posting_by_id[posting_id]
    month = inst.rules.month_of_label(label)
    starts = _starts_covering(inst, month)
    pool = [o for o in inst.officers if counts(o)]
    own = [o for o in pool if any(_qualified(inst, o, posting, s) for s in starts)]
    sessions: dict[str, Session] = {}
    trainable = []
    for o in pool:
        if o in own:
            continue
        found = False
        for s in starts:
            first, last = inst.rules.deployment_span(s)
            if not o.is_available(first, last):
                continue
            needs = [n for n in requirements(posting) if not n.met_by(o, first, last)]
            options = [inst.qualifying_sessions(o, n, first, last) for n in needs]
            if all(options):
                found = True
                for group in options:
                    sessions.update((q.id, q) for q in group)
        if found:
            trainable.append(o)
    needs_text = ", ".join(str(n) for n in requirements(posting)) or "no special requirements"
    text = (f"{head}; {len(own)} {who} meet its requirements ({needs_text}) on their own "
            "records")
    if trainable:
        taken = {q: sum(1 for e in plan.enrolments if e.session == q) for q in sessions}
        seats = "; ".join(
            f"{q.id} ({q.course}, {q.start}..{q.end}): {q.seats - taken[q.id]} of {q.seats} "
            "seats left"
            for q in sorted(sessions.values(), key=lambda q: q.start)
        )
        text += f"; {len(trainable)} more could be trained in time, in sessions {seats}"
    elif inst.sessions:
        text += "; no session ends early enough to train anyone else for it"
    first, last = inst.rules.month_start(month), inst.rules.month_end(month)
    elsewhere = sum(
        1
        for o in own
        if any(
            d.posting != posting.id and d.start <= last and first <= d.end
            for d in plan.for_officer(o.id)
        )
    )
    if elsewhere:
        text += f"; {elsewhere} of those are deployed to other postings that month"
    return text + "."


# ---------------------------------------------------------------------------------------------
# Why an officer is where they are, and why not elsewhere


@dataclass(frozen=True)
class Why:
    """Why one tour (``officer`` at ``posting`` from ``start``, a ``YYYY-MM`` month) is, or is
    not, in a plan, in the rules' own words.

    ``kind``: ``deployed``; ``broken`` (adding it would break the hard rules in ``broken``:
    leave, rest, one posting at a time, eligibility, a full posting, the deployment limit...);
    or ``not needed`` (it would break nothing, and ``delta`` says what adding it, with the
    training in ``training``, would change in the objective, rule by rule: the plan is cheaper
    without it). For a tour that is there, ``delta`` says what removing it would change."""

    officer: str
    posting: str
    start: str
    kind: str
    broken: tuple[Violation, ...] = ()
    delta: Mapping[str, int] = field(default_factory=dict)
    training: tuple[Enrolment, ...] = ()

    @property
    def cost(self) -> int:
        return sum(self.delta.values())

    @property
    def reason(self) -> str:
        """The rule that keeps the tour out, of those it would break: the officer's own facts
        (leave, credentials, training) first, then the rest of their plan (another tour, rest,
        the limit), then the posting (its maximum)."""
        rules = {v.rule for v in self.broken}
        return min(rules, key=lambda r: (_FIRST.index(r) if r in _FIRST else len(_FIRST), r),
                   default="")

    @property
    def text(self) -> str:
        terms = ", ".join(f"{rule} {value:+d}" for rule, value in self.delta.items() if value)
        if self.kind == "deployed":
            if self.cost > 0:
                return f"serving: without this tour the plan would cost {self.cost} more ({terms})"
            return "serving" + (f" (removing the tour would change the cost by {self.cost:+d}: "
                                f"{terms})" if terms else "")
        if self.kind == "broken":
            first = self.reason
            shown = [v.message for v in self.broken if v.rule == first][:2]
            more = len(self.broken) - len(shown)
            return "; ".join(shown) + (f" (and {more} more)" if more else "")
        trained = (" with " + ", ".join(f"{e.session} ({e.course})" for e in self.training)
                   if self.training else "")
        if self.cost > 0:
            return f"not needed: adding this tour{trained} would cost {self.cost} more ({terms})"
        if self.cost < 0:
            return (f"adding this tour{trained} would save {-self.cost} ({terms}): the plan is "
                    "not the best one")
        return f"not needed: adding this tour{trained} would change nothing in the cost"


_FIRST = ["availability", "eligibility", "training", "one-at-a-time", "rest",
          "deployment-limit", "coverage"]


def _month_start(inst: Instance, label: str) -> int:
    return inst.rules.month_of_label(label)


def _around(plan: Plan, officer: str, posting: str) -> Plan:
    """The part of a plan a tour of ``officer`` at ``posting`` can change the checks and costs
    of: every tour at that posting and all of the officer's, every enrolment (seats). Checks and
    costs are sums over postings and officers, so what the tour changes is the same here as in
    the whole plan, at a fraction of the work."""
    return Plan(tuple(d for d in plan.deployments if d.posting == posting or d.officer == officer),
                plan.enrolments)


def _costs(inst: Instance, plan: Plan, rules: Sequence[Rule]) -> dict[str, int]:
    return {rule.name: rule.cost(inst, plan) for rule in rules if rule.cost is not None}


def _broken(inst: Instance, plan: Plan, rules: Sequence[Rule]) -> set[Violation]:
    return {v for rule in rules if rule.hard for v in rule.check(inst, plan)}


def _delta(inst: Instance, before: Plan, after: Plan, rules: Sequence[Rule]) -> dict[str, int]:
    a, b = _costs(inst, before, rules), _costs(inst, after, rules)
    return {name: b[name] - a[name] for name in b if b[name] != a[name]}


def _training_for(inst: Instance, plan: Plan, officer: Officer, posting: Posting, start: int
                  ) -> tuple[Enrolment, ...] | None:
    """The shortest sessions with a seat left that would qualify the officer for a tour from
    ``start`` where their own records and planned training do not; None if a requirement has
    no such session."""
    first, last = inst.rules.deployment_span(start)
    taken = Counter(e.session for e in plan.enrolments)
    out: list[Enrolment] = []
    for need in requirements(posting):
        if need.met_by(officer, first, last):
            continue
        options = [q for q in inst.qualifying_sessions(officer, need, first, last)
                   if taken[q.id] < q.seats]
        if not options:
            return None
        q = min(options, key=lambda q: (q.weeks, q.start, q.id))
        out.append(Enrolment(officer.id, q.course, q.id, q.start, q.end))
    return tuple(out)


def why(inst: Instance, plan: Plan, officer_id: str, posting_id: str, start: int,
        rules: Sequence[Rule] = RULES) -> Why:
    """Why the tour of ``officer_id`` at ``posting_id`` from start month ``start`` is, or is not,
    in ``plan``: judged by the rules' own checkers and costs on the plan with the tour added
    (or removed)."""
    officer = inst.officer_by_id[officer_id]
    posting = inst.posting_by_id[posting_id]
    first, last = inst.rules.deployment_span(start)
    label = inst.rules.month_label(start)
    tour = Deployment(officer_id, posting_id, first, last)
    around = _around(plan, officer_id, posting_id)
    if tour in plan.deployments:
        without = Plan(tuple(d for d in around.deployments if d != tour), around.enrolments)
        return Why(officer_id, posting_id, label, "deployed",
                   delta=_delta(inst, around, without, rules))
    before = _broken(inst, around, rules)
    added = Plan((*around.deployments, tour), around.enrolments)
    new = _broken(inst, added, rules) - before
    training: tuple[Enrolment, ...] = ()
    if any(v.rule == "eligibility" for v in new):
        qualified = eligibility.trained(inst, officer, plan, first)
        sessions = _training_for(inst, plan, qualified, posting, start)
        if sessions:
            trained = Plan(added.deployments, (*added.enrolments, *sessions))
            retry = _broken(inst, trained, rules) - before
            if not any(v.rule == "eligibility" for v in retry):
                added, new, training = trained, retry, sessions
    if new:
        ordered = tuple(sorted(new, key=lambda v: (v.rule, v.message)))
        return Why(officer_id, posting_id, label, "broken", broken=ordered, training=training)
    return Why(officer_id, posting_id, label, "not needed",
               delta=_delta(inst, around, added, rules), training=training)


@dataclass(frozen=True)
class OfficerWhy:
    """An officer's tours and, posting by posting, why each other start is not in the plan:
    runs of consecutive start months for the same reason (the cheapest of a run of tours that
    are not needed)."""

    officer: str
    tours: tuple[Why, ...]
    elsewhere: tuple[tuple[str, str, str, Why], ...]  # (posting, first start, last start, why)


def explain_officer(inst: Instance, plan: Plan, officer_id: str,
                    rules: Sequence[Rule] = RULES) -> OfficerWhy:
    """Why ``officer_id`` serves where and when they do, and why not elsewhere."""
    if officer_id not in inst.officer_by_id:
        raise InputError(Problem(f"officer '{officer_id}' is not in the case '{inst.name}'",
                                 field="--officer"))
    month_of = inst.rules.month_of
    tours = tuple(why(inst, plan, officer_id, d.posting, month_of(d.start), rules)
                  for d in plan.for_officer(officer_id)
                  if month_of(d.start) in inst.rules.start_months)
    there = {(t.posting, t.start) for t in tours}
    runs: list[tuple[str, str, str, Why]] = []
    for p in inst.postings:
        run: list[Why] = []
        for s in inst.rules.start_months:
            if (p.id, inst.rules.month_label(s)) in there:
                w = None
            else:
                w = why(inst, plan, officer_id, p.id, s, rules)
            if run and (w is None or not _same_reason(run[-1], w)):
                runs.append(_run(p.id, run))
                run = []
            if w is not None:
                run.append(w)
        if run:
            runs.append(_run(p.id, run))
    return OfficerWhy(officer_id, tours, tuple(runs))


def _same_reason(a: Why, b: Why) -> bool:
    return a.kind == b.kind and a.reason == b.reason


def _run(posting: str, run: list[Why]) -> tuple[str, str, str, Why]:
    shown = min(run, key=lambda w: w.cost) if run[0].kind == "not needed" else run[0]
    return posting, run[0].start, run[-1].start, shown


def explain_posting(inst: Instance, plan: Plan, posting_id: str, month: str,
                    rules: Sequence[Rule] = RULES) -> tuple[Why, ...]:
    """Officer by officer, whether they are at ``posting_id`` in ``month`` and, if not, why not:
    of the tours that would cover that month, the one that serves, else the cheapest that is
    not needed, else the first reason the rules give."""
    if posting_id not in inst.posting_by_id:
        raise InputError(Problem(f"unknown posting '{posting_id}'; the case has "
                                 f"{', '.join(inst.posting_by_id)}", field="--posting"))
    try:
        t = _month_start(inst, month)
    except ValueError:
        raise InputError(Problem(f"'{month}' is not a month; write YYYY-MM",
                                 field="--month")) from None
    if not 0 <= t < inst.rules.months:
        raise InputError(Problem(f"{month} lies outside the horizon", field="--month"))
    starts = _starts_covering(inst, t)
    out = []
    for o in inst.officers:
        options = [why(inst, plan, o.id, posting_id, s, rules) for s in starts]
        if not options:
            continue
        rank = {"deployed": 0, "not needed": 1, "broken": 2}
        out.append(min(options, key=lambda w: (rank[w.kind], w.cost if w.kind == "not needed"
                                               else 0)))
    return tuple(out)


def explain_infeasible(inst: Instance, found: Sequence[tuple[str, int, bool | None]],
                       rules: Sequence[Rule] = RULES) -> list[str]:
    """A case with no plan, in words: for each rule in conflict (rule name, rows let go, whether a
    plan exists without them, as :func:`rotation.solve.diagnose.conflicts` found), what its own
    checker finds in the facts alone (an empty plan: history and tours kept as they are), who
    those facts are, and what letting them go would buy.

    Relief is claimed only as the diagnosis found it: a plan exists (True: one was found and
    validated), letting them go is not enough (False: proven, with the other rules named), or
    not decided in the time given (None). The diagnosis lets go every fact of a rule at once
    (all the months over a maximum), so the words speak of them all."""
    by_name = {rule.name: rule for rule in rules}
    out = []
    for name, rows, relaxed in found:
        rule = by_name.get(name)
        facts = [v.message for v in rule.check(inst, Plan(()))] if rule is not None else []
        text = f"{name} ({rule.summary if rule else 'a rule'}): {rows} of its constraints " \
               "cannot hold with the others"
        if facts:
            text += "; " + "; ".join(facts[:5]) + (f" (and {len(facts) - 5} more)"
                                                    if len(facts) > 5 else "")
        if name == "coverage":
            text += _continuing(inst)
        who = "those officers" if name == "coverage" else "these facts"
        if relaxed is True:
            text += (f". Letting {who} go would give a plan: one was found that breaks no hard "
                     f"rule but these facts; {_relief(name)}")
        elif relaxed is False:
            others = sorted({other for other, _, _ in found if other != name})
            text += (f". Letting {who} go is not enough: other rules conflict as well"
                     + (f" ({', '.join(others)})" if others else ""))
        else:
            text += (f". Whether a plan exists once {who} are let go is undecided: in the "
                     "time given none was found, nor proven impossible")
        out.append(text + ".")
    return out


def _continuing(inst: Instance) -> str:
    """Who fills the months where officers continuing a tour (from history, or kept in a
    re-plan) are more than the posting's maximum."""
    parts = []
    for (posting, t), ids in sorted(inst.carried_over.items()):
        _, hi = inst.demand(posting, t)
        if len(ids) > hi:
            parts.append(f"{inst.posting_by_id[posting].name} {inst.rules.month_label(t)}: "
                         + ", ".join(ids))
    return ("; officers continuing a tour there: " + "; ".join(parts[:5])) if parts else ""


def _relief(rule: str) -> str:
    """How to let the facts go. For coverage both ways keep the plan found valid: it adds no
    one where the posting is over its maximum, so it holds with the maximum raised to the
    officers continuing there, or with fewer of them."""
    if rule == "coverage":
        return ("to get it, raise the posting's maximum in those months to the officers "
                "continuing there (demand.csv, or a headcount change), or end those tours "
                "before those months")
    return f"to get it, relax the rule '{rule}' where it binds"
