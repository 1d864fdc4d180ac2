"""Training: officers who lack a prerequisite are enrolled in a course session in time.

A deployment whose officer does not already meet a requirement (a course, or a language level)
needs an enrolment in a session of a course that grants it, ending at least
``training.min_days_before_deployment`` days before the first day, with the grant still valid on
the last day. (A lead of 0 still means the day before at the latest: a course counts only when
completed before the first day.) What a session grants dates from its last day: the course counts
as completed that day and expires ``validity_months`` later on the same day of the month (the
month's last day when that month is shorter); a language level is valid from that day to the day
before. Hard, all of it:

- every enrolment prepares the officer for one of their planned deployments: a later one,
  starting at least the lead days after the session ends, at a posting that requires something
  the course grants (in a re-plan, an enrolment kept as published is exempt: the officer is in
  that course already);
- no session has more enrolments than seats;
- an officer is never in a session on a day they are deployed, on leave, on a past deployment,
  or in another session.

Soft: each enrolment costs ``weights.training`` per week away (days rounded up to whole weeks),
so officers who are already qualified are preferred when all else is equal.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from datetime import timedelta
from typing import Any

from ortools.sat.python import cp_model

from constraints.base import Penalty, Rule
from constraints.variables import Variables
from rotation.domain import Instance, Requirement, Session, requirements, weeks_away
from rotation.plan import Plan, Violation

NAME = "training"


def add(model: cp_model.CpModel, v: Variables, inst: Instance) -> list[Penalty]:
    if not inst.sessions:
        return []
    length = inst.rules.deployment_months
    serves: dict[tuple[str, str], list[Any]] = defaultdict(list)
    # Starts of one officer in one month that lack the same requirement share one row: at most
    # one of them can be chosen (one posting at a time) and they qualify by the same sessions,
    # since which sessions count depends only on the officer, the requirement and the dates.
    lacking: dict[tuple[str, int, Requirement], list[Any]] = defaultdict(list)
    # Which sessions could prepare an officer for a requirement then does not depend on the
    # plan, so neighbourhood search, which builds a model per step, asks only once (at 5,000
    # officers this part was half of each step's model building).
    options = inst.memo(NAME)
    needs_of: dict[str, tuple[Requirement, ...]] = {}
    for (officer_id, posting_id, start), x in list(v.items()):
        needs = needs_of.get(posting_id)
        if needs is None:
            needs = needs_of[posting_id] = requirements(inst.posting_by_id[posting_id])
        for need in needs:
            key = (officer_id, start, need)
            if key not in options:
                officer = inst.officer_by_id[officer_id]
                first, last = inst.rules.deployment_span(start)
                options[key] = None if need.met_by(officer, first, last) else tuple(
                    q.id for q in inst.qualifying_sessions(officer, need, first, last))
            if options[key] is not None:
                lacking[key].append(x)
    for key, starts in lacking.items():
        officer_id = key[0]
        sessions = options[key]
        model.add(cp_model.LinearExpr.sum(starts)
                  <= cp_model.LinearExpr.sum([v.enrolment(officer_id, q) for q in sessions]))
        for q in sessions:
            serves[officer_id, q].extend(starts)
    for (officer_id, session_id), deployments in serves.items():
        # Nobody is sent on a course that prepares them for none of their deployments.
        model.add(v.enrolment(officer_id, session_id)
                  <= cp_model.LinearExpr.sum(list(dict.fromkeys(deployments))))

    by_officer: dict[str, list[tuple[Session, Any]]] = defaultdict(list)
    for (officer_id, session_id), e in v.enrolments():
        session = inst.session_by_id[session_id]
        by_officer[officer_id].append((session, e))
        for t in range(inst.rules.month_of(session.start), inst.rules.month_of(session.end) + 1):
            deployed = v.officer_window(officer_id, t - length + 1, t)
            if deployed:
                model.add_at_most_one([e, *deployed])
    for items in by_officer.values():
        # Sessions in order of their first day: each clashes only with those that start before
        # it ends, so the pairs are found without trying every two of an officer's sessions.
        items.sort(key=lambda item: (item[0].start, item[0].id))
        for i, (qa, ea) in enumerate(items):
            for qb, eb in items[i + 1:]:
                if qb.start > qa.end:
                    break
                model.add_at_most_one([ea, eb])
    for session in inst.sessions:
        enrolled = [e for _, e in v.enrolled_in(session.id)]
        seats = v.seats_left(session)
        if len(enrolled) > seats:
            model.add(sum(enrolled) <= seats)

    weight = inst.rules.weights.training
    terms = [inst.session_by_id[s].weeks * e for (_, s), e in v.enrolments()]
    return [Penalty(NAME, weight * sum(terms))] if terms and weight else []


def check(inst: Instance, plan: Plan) -> list[Violation]:
    out = []
    seats = Counter(e.session for e in plan.enrolments)
    for session_id, taken in sorted(seats.items()):
        session = inst.session_by_id.get(session_id)
        if session is not None and taken > session.seats:
            out.append(
                Violation(
                    NAME,
                    f"session {session_id} ({session.course}, {session.start}) has {taken} "
                    f"officers enrolled for {session.seats} "
                    f"seat{'s' if session.seats != 1 else ''}",
                )
            )
    lead = timedelta(days=inst.rules.training_lead_days)
    for e in plan.enrolments:
        session = inst.session_by_id.get(e.session)
        officer = inst.officer_by_id.get(e.officer)
        course = inst.course_by_id.get(e.course)
        if session is None or officer is None or course is None:
            out.append(Violation(NAME, f"{e.officer} in session {e.session}: unknown officer, "
                                 "course or session"))
            continue
        kept = inst.replan is not None and inst.replan.pinned_enrolment(e.officer, e.session)
        if not kept and not any(
            e.end + lead <= d.start
            and any(need.granted_by(course) for need in requirements(inst.posting_by_id[d.posting]))
            for d in plan.for_officer(e.officer)
            if d.posting in inst.posting_by_id
        ):
            out.append(
                Violation(NAME, f"{e.officer} is enrolled in {e.session} ({e.course}) but has no "
                          "later deployment that needs it")
            )
        if (session.course, session.start, session.end) != (e.course, e.start, e.end):
            out.append(
                Violation(NAME, f"{e.officer}'s enrolment in {e.session} says {e.course} "
                          f"{e.start}..{e.end}; the session is {session.course} "
                          f"{session.start}..{session.end}")
            )
        for d in plan.for_officer(e.officer):
            if d.start <= e.end and e.start <= d.end:
                out.append(
                    Violation(NAME, f"{e.officer} is in session {e.session} ({e.start}..{e.end}) "
                              f"while deployed to {d.posting} ({d.start}..{d.end})")
                )
        for u in officer.unavailability:
            if u.overlaps(e.start, e.end):
                out.append(
                    Violation(NAME, f"{e.officer} is in session {e.session} ({e.start}..{e.end}) "
                              f"while unavailable {u.start}..{u.end}")
                )
        for past in officer.history:
            if past.start <= e.end and e.start <= past.end:
                out.append(
                    Violation(NAME, f"{e.officer} is in session {e.session} ({e.start}..{e.end}) "
                              f"while deployed to {past.posting} ({past.start}..{past.end})")
                )
    for a, b in itertools.combinations(plan.enrolments, 2):
        if a.officer == b.officer and a.start <= b.end and b.start <= a.end:
            out.append(
                Violation(NAME, f"{a.officer} is in sessions {a.session} and {b.session} at once")
            )
    return out


def price(inst: Instance, weeks: int) -> int:
    """What ``weeks`` of training away cost under this rule."""
    return inst.rules.weights.training * weeks


def cost(inst: Instance, plan: Plan) -> int:
    return price(inst, sum(weeks_away(e.start, e.end) for e in plan.enrolments))


RULE = Rule(
    NAME,
    hard=True,
    summary="Missing prerequisites are trained in time, within seats, without clashes.",
    add=add,
    check=check,
    cost=cost,
)
