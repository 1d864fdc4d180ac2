"""Re-planning a published version: keep what has started, change as little as the changes need.

A re-plan starts from the latest published version of a case, not from the case files: its
stored input, with the planner's changes applied (:mod:`rotation.changes`). Deployments and
enrolments that started before the freeze date stay as published (pinned); one the changes end
early (an officer withdrawn or on leave mid-tour, a credential revoked) is cut the day before
and the gap staffed again. Everything from the freeze date on is planned anew, with the
stability rule (:mod:`constraints.stability`) counting what moves against the published plan.

How the solver sees it: the pinned deployments become history (they count toward coverage, the
mix, rest and fairness as a continuing tour does), the pinned enrolments become the courses and
credentials they give, every officer is away before the freeze and the sessions that start
before it have no seat left, so nothing new starts earlier. The plan it returns, with the
pinned part added back, is judged by the validator on the changed case itself (a re-plan's
:class:`rotation.domain.Replan` tells its rules what is pinned); its costs differ from the
solver's only by what the pinned part costs, a constant.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from constraints.eligibility import reasons, trained
from rotation.changes import load_changes
from rotation.domain import (
    Instance,
    InvalidObject,
    PastDeployment,
    Replan,
    Session,
    SolverSettings,
    Unavailability,
)
from rotation.errors import InputError, Problem, RotationError
from rotation.plan import Deployment, Enrolment, Plan, Progress, Result
from rotation.storage import Store, StoredPlan
from rotation.validate import validate
from rotation.workflow import keep

__all__ = ["Move", "Replanned", "differences", "pin", "replan", "solver_instance"]


@dataclass(frozen=True)
class Move:
    """What a re-plan changed for one officer, in words: "Poipet 2026-05..2026-10 -> Bavet
    2026-06..2026-11; Khmer intensive 2026-03 added"."""

    officer: str
    text: str


@dataclass(frozen=True)
class Replanned:
    """A finished re-plan: the whole plan's result (pinned part included, figures from the
    validator), what the changes were, what was cut, who moved, and where it was stored."""

    result: Result
    instance: Instance
    published: StoredPlan
    version: int
    changes: tuple[str, ...]
    cut: tuple[str, ...]
    moves: tuple[Move, ...]
    plan_id: int | None


def _month(inst: Instance, day: date) -> str:
    return inst.rules.month_label(inst.rules.month_of(day))


def _span(inst: Instance, start: date, end: date) -> str:
    return f"{_month(inst, start)}..{_month(inst, end)}"


def pin(inst: Instance, published: Plan, freeze: date) -> tuple[Plan, tuple[str, ...]]:
    """What of ``published`` started before ``freeze`` and is kept, each deployment cut the day
    before the first day the changed case (``inst``) no longer allows it; and what was cut or
    dropped, in words."""
    kept_enrolments: list[Enrolment] = []
    said: list[str] = []
    for e in published.enrolments:
        if e.start >= freeze:
            continue
        officer = inst.officer_by_id[e.officer]
        away = [u for u in officer.unavailability if u.overlaps(e.start, e.end)]
        if away:
            said.append(f"{e.officer}: {e.course} ({e.session}) dropped: "
                        f"{away[0].reason or 'away'} from {away[0].start}")
            continue
        kept_enrolments.append(e)
    with_training = Plan((), tuple(kept_enrolments))
    kept: list[Deployment] = []
    for d in published.deployments:
        if d.start >= freeze:
            continue
        officer = inst.officer_by_id[d.officer]
        posting = inst.posting_by_id[d.posting]
        end, why = d.end, ""
        for u in officer.unavailability:
            if u.overlaps(d.start, end):
                end, why = u.start - timedelta(days=1), f"{u.reason or 'away'} from {u.start}"
        qualified = trained(inst, officer, with_training, d.start)
        while end >= d.start and (found := reasons(qualified, posting, d.start, end)):
            end, why = end - timedelta(days=1), found[0]
        where = f"{posting.name} {_span(inst, d.start, d.end)}"
        if end < d.start:
            said.append(f"{d.officer}: {where} dropped: {why}")
        elif end < d.end:
            kept.append(replace(d, end=end))
            said.append(f"{d.officer}: {where} cut to end {end}: {why}")
        else:
            kept.append(d)
    return Plan(tuple(kept), tuple(kept_enrolments)), tuple(said)


def solver_instance(target: Instance) -> Instance:
    """The re-plan as the solver sees it (see the module's docstring)."""
    replan = target.replan
    assert replan is not None
    rules = target.rules
    officers = []
    for o in target.officers:
        history = (*o.history, *(PastDeployment(d.posting, d.start, d.end)
                                  for d in replan.pinned.for_officer(o.id)))
        away = list(o.unavailability)
        if replan.freeze > rules.start:
            away.append(Unavailability(rules.start, replan.freeze - timedelta(days=1),
                                       "before the freeze"))
        courses, credentials = list(o.courses), list(o.certificates)
        for e in replan.pinned.enrolments_of(o.id):
            course = target.course_by_id[e.course]
            try:
                completion, credential = Session(e.session, e.course, e.start, e.end).grants(
                    course)
            except InvalidObject:
                continue
            courses.append(completion)
            if credential is not None:
                credentials.append(credential)
            if e.end >= replan.freeze:
                away.append(Unavailability(e.start, e.end, "in training"))
        officers.append(replace(o, history=history, unavailability=tuple(away),
                                courses=tuple(courses), certificates=tuple(credentials)))
    # A session that started before the freeze takes nobody new (no seat left): the officers'
    # time away covers the horizon's months only, and a session before the horizon (its seats
    # filled by the published plan, pinned and no longer counted here) was otherwise open to a
    # second officer.
    sessions = tuple(q if q.start >= replan.freeze else replace(q, seats=0)
                     for q in target.sessions)
    return replace(target, officers=tuple(officers), sessions=sessions)


def _deployment(inst: Instance, d: Deployment) -> str:
    name = inst.posting_by_id[d.posting].name if d.posting in inst.posting_by_id else d.posting
    return f"{name} {_span(inst, d.start, d.end)}"


def differences(inst: Instance, before: Plan, after: Plan) -> tuple[Move, ...]:
    """Officer by officer, what differs between two plans of the same case: a tour cut short
    (same posting and first day), moved (one gone, one new, paired in date order), dropped or
    added; a course dropped or added."""
    out = []
    for officer in sorted(set(before.officers) | set(after.officers)):
        gone = sorted(set(before.for_officer(officer)) - set(after.for_officer(officer)))
        new = sorted(set(after.for_officer(officer)) - set(before.for_officer(officer)))
        parts = []
        for a in list(gone):
            b = next((b for b in new if (b.posting, b.start) == (a.posting, a.start)), None)
            if b is not None:
                parts.append(f"{_deployment(inst, a)} cut to end {b.end}")
                gone.remove(a)
                new.remove(b)
        parts += [f"{_deployment(inst, a)} -> {_deployment(inst, b)}"
                  for a, b in zip(gone, new, strict=False)]
        parts += [f"{_deployment(inst, a)} dropped" for a in gone[len(new):]]
        parts += [f"{_deployment(inst, b)} added" for b in new[len(gone):]]
        left = set(before.enrolments_of(officer)) - set(after.enrolments_of(officer))
        joined = set(after.enrolments_of(officer)) - set(before.enrolments_of(officer))
        parts += [f"{_course(inst, e)} dropped" for e in sorted(left)]
        parts += [f"{_course(inst, e)} added" for e in sorted(joined)]
        if parts:
            out.append(Move(officer, "; ".join(parts)))
    return tuple(out)


def _course(inst: Instance, e: Enrolment) -> str:
    course = inst.course_by_id.get(e.course)
    return f"{course.name if course else e.course} {_month(inst, e.start)} ({e.session})"


def replan(
    store: Store,
    changes_file: Path,
    freeze: date | None,
    case: str | None,
    settings: SolverSettings | None = None,
    progress: Callable[[Progress], None] | None = None,
    today: date | None = None,
    save: bool = True,
) -> Replanned:
    """Re-plan the latest published version of ``case`` (by default the only case published)
    with the changes in ``changes_file``, keeping what started before ``freeze`` (default: the
    file's, else ``today``); store the plan (not published) unless ``save`` is False."""
    # Imported here, as in workflow: OR-Tools only for the commands that solve.
    from rotation.solve import solve

    cases = store.published_cases()
    if case is None:
        if len(cases) != 1:
            raise InputError(Problem(
                "name the case to re-plan with --case; published: " + ", ".join(cases)
                if cases else "nothing is published yet; 'rotation publish' first",
                field="--case"))
        case = cases[0]
    latest = store.published(case)
    if latest is None or latest.plan_id is None or latest.version is None:
        raise InputError(Problem(f"'{case}' has no published version; publish one first",
                                 field="--case"))
    published = store.load(latest.plan_id)
    changes = load_changes(changes_file, published.instance)
    freeze = freeze or changes.freeze or today or date.today()
    rules = published.instance.rules
    if not rules.start <= freeze <= rules.end:
        raise InputError(Problem(f"the freeze date {freeze} lies outside the horizon "
                                 f"{rules.start}..{rules.end}", field="--freeze"))
    pinned, cut = pin(changes.instance, published.plan, freeze)
    target = replace(changes.instance, replan=Replan(
        latest.version, freeze, published.plan, pinned,
        frozenset(o.id for o in published.instance.officers)))
    inner = solver_instance(target)
    start = Plan(tuple(d for d in published.plan.deployments if d.start >= freeze),
                 tuple(e for e in published.plan.enrolments if e.start >= freeze))
    began = time.perf_counter()
    solved = solve(inner, settings or published.instance.solver, progress, hint=start)
    result = _whole(target, pinned, solved, time.perf_counter() - began)
    moves = differences(target, published.plan, result.plan) if result.plan else ()
    plan_id = None
    if save and result.plan is not None:
        # A finished re-plan is never thrown away: keep() writes a recovery file if the store
        # will not take it.
        plan_id = keep(store, target, result, label=f"re-plan of version {latest.version}",
                       based_on=published.id)
    return Replanned(result, target, published, latest.version, changes.said, cut, moves,
                     plan_id)


def _whole(target: Instance, pinned: Plan, solved: Result, wall: float) -> Result:
    """The solver's result for what it planned, made the whole plan's: the pinned part added
    back, every figure from the validator on the changed case, the bound moved by what the
    pinned part costs."""
    if solved.plan is None:
        return replace(solved, wall_time=wall)
    plan = Plan(pinned.deployments + solved.plan.deployments,
                pinned.enrolments + solved.plan.enrolments)
    verdict = validate(target, plan)
    if not verdict.ok:
        details = "; ".join(v.message for v in verdict.violations[:5])
        raise RotationError(f"the re-plan breaks a hard rule (a bug; please report it with the "
                            f"changes file): {details}")
    offset = verdict.objective - (solved.objective or 0)
    bound = solved.bound + offset if solved.bound is not None else None
    return replace(solved, plan=plan, objective=verdict.objective, bound=bound, wall_time=wall,
                   cost_by_rule=verdict.cost_by_rule, unmet=verdict.unmet,
                   unmet_mix=verdict.unmet_mix)
