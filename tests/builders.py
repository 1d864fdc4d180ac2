"""Small in-code builders for planning instances, plans and solves used across the tests.

Months are given as indices relative to the horizon start (``START``, January 2026) so that a
test reads like the rule it checks: ``dep("A", "P", 2)`` is officer A at posting P from the first
day of month 2 for the configured deployment length.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path

from rotation.domain import (
    CourseCompletion,
    CourseDef,
    Credential,
    Demand,
    Instance,
    Officer,
    PastDeployment,
    Posting,
    Rules,
    Session,
    SolverSettings,
    Unavailability,
    Weights,
    month_end,
    month_index,
    month_start,
)
from rotation.plan import Deployment, Enrolment, Plan, Result, SolveStatus
from rotation.solve import solve
from rotation.validate import Verdict, validate

START = date(2026, 1, 1)
TZ = "Asia/Phnom_Penh"
FAST = SolverSettings(time_limit=5.0, seed=0, workers=1)


# -- dates ----------------------------------------------------------------------------------


def first_day(t: int) -> date:
    """First day of horizon month ``t`` (may be negative: before the horizon)."""
    return month_start(START, t)


def last_day(t: int) -> date:
    """Last day (inclusive) of horizon month ``t``."""
    return month_end(START, t)


def idx(day: date) -> int:
    """Horizon month index of ``day``."""
    return month_index(day, START)


def day_before(d: date) -> date:
    return d - timedelta(days=1)


def day_after(d: date) -> date:
    return d + timedelta(days=1)


# -- domain objects -------------------------------------------------------------------------


def officer(
    oid: str,
    rank: str = "officer",
    *,
    specialties: Iterable[str] = (),
    certificates: Iterable[Credential] = (),
    courses: Iterable[CourseCompletion] = (),
    unavailability: Iterable[Unavailability] = (),
    preferences: Iterable[str] = (),
    history: Iterable[PastDeployment] = (),
) -> Officer:
    return Officer(
        id=oid,
        name=f"Officer {oid}",
        rank=rank,
        specialties=frozenset(specialties),
        certificates=tuple(certificates),
        courses=tuple(courses),
        unavailability=tuple(unavailability),
        preferences=tuple(preferences),
        history=tuple(history),
    )


def posting(
    pid: str,
    *,
    hardship: int = 0,
    khmer: int = 0,
    courses: Iterable[str] = (),
    supervisors: int = 0,
    specialists: Iterable[tuple[str, int]] = (),
    credentials: Iterable[tuple[str, int]] = (),
) -> Posting:
    return Posting(
        id=pid,
        name=f"Post {pid}",
        timezone=TZ,
        hardship=hardship,
        min_khmer_level=khmer,
        required_courses=frozenset(courses),
        min_supervisors=supervisors,
        min_specialists=tuple(specialists),
        required_credentials=tuple(credentials),
    )


def demand(pid: str, first: int, last: int, lo: int, hi: int) -> Demand:
    """Posting ``pid`` needs ``lo``..``hi`` officers in horizon months ``first``..``last``."""
    return Demand(pid, first_day(first), first_day(last), lo, hi)


def khmer(level: int, valid_from: date, valid_until: date | None = None) -> Credential:
    return Credential("khmer", level, valid_from, valid_until)


def credential(name: str, valid_from: date, valid_until: date | None = None, level: int = 0
               ) -> Credential:
    """A credential such as a passport (no level unless ``level``)."""
    return Credential(name, level, valid_from, valid_until)


def course(cid: str, completed_on: date, expires_on: date | None = None) -> CourseCompletion:
    return CourseCompletion(cid, completed_on, expires_on)


def away(start: date, end: date, reason: str = "leave") -> Unavailability:
    return Unavailability(start, end, reason)


def past(pid: str, first: int, last: int) -> PastDeployment:
    """A past deployment at ``pid`` over whole horizon months ``first``..``last``."""
    return PastDeployment(pid, first_day(first), last_day(last))


def course_def(
    cid: str, *, language: str = "", level: int = 0, validity: int | None = None
) -> CourseDef:
    """A course in courses.csv: granting ``language`` at ``level``, valid ``validity`` months."""
    return CourseDef(cid, cid.upper(), language, level, validity)


def session(sid: str, cid: str, start: date, end: date, seats: int = 1) -> Session:
    """A session of course ``cid`` from ``start`` to ``end`` (inclusive) with ``seats`` seats."""
    return Session(sid, cid, start, end, seats=seats)


def rules(
    months: int = 6,
    deployment: int = 2,
    rest: int = 0,
    *,
    max_deployments: int | None = None,
    target: int = 18,
    lookback: int = 36,
    unmet: int = 1000,
    fairness: int = 1,
    preference: int = 5,
    lead: int = 14,
    training: int = 2,
    past_end: bool = False,
) -> Rules:
    """Rules over ``months`` months from ``START``; ``lead`` is training.min_days_before_deployment
    and ``training`` the weight per week of training (both the defaults of :class:`Rules`);
    ``past_end`` makes the horizon rolling (``horizon.allow_past_end``)."""
    return Rules(
        start=START,
        months=months,
        deployment_months=deployment,
        min_rest_months=rest,
        max_deployments=max_deployments,
        fairness_target=target,
        fairness_lookback_months=lookback,
        training_lead_days=lead,
        allow_past_end=past_end,
        weights=Weights(
            unmet_demand=unmet, fairness=fairness, preference=preference, training=training
        ),
    )


def instance(
    officers: Iterable[Officer],
    postings: Iterable[Posting],
    demands: Iterable[Demand] = (),
    rule_set: Rules | None = None,
    course_ids: Iterable[str] = (),
    *,
    courses: Iterable[CourseDef] = (),
    sessions: Iterable[Session] = (),
) -> Instance:
    """``course_ids`` are plain courses; ``courses`` full definitions (e.g. granting a language)."""
    return Instance(
        name="test",
        rules=rule_set or rules(),
        officers=tuple(officers),
        postings=tuple(postings),
        demands=tuple(demands),
        courses=tuple(CourseDef(c, c.upper()) for c in course_ids) + tuple(courses),
        sessions=tuple(sessions),
        solver=FAST,
    )


# -- plans ----------------------------------------------------------------------------------


def dep(oid: str, pid: str, start: int, months: int = 2) -> Deployment:
    """Officer ``oid`` at ``pid`` for ``months`` whole months from horizon month ``start``."""
    return Deployment(oid, pid, first_day(start), last_day(start + months - 1))


def plan(*deployments: Deployment, enrolments: Iterable[Enrolment] = ()) -> Plan:
    return Plan(tuple(deployments), tuple(enrolments))


def enrol(oid: str, s: Session) -> Enrolment:
    """Officer ``oid`` in session ``s``, with the session's own course and dates."""
    return Enrolment(oid, s.course, s.id, s.start, s.end)


# -- solving --------------------------------------------------------------------------------


def run(inst: Instance, settings: SolverSettings = FAST) -> Result:
    return solve(inst, settings)


def assert_sound(inst: Instance, result: Result) -> Verdict:
    """The solve found a plan; the validator finds no hard violation and agrees on the costs."""
    assert result.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE), result.status
    assert result.plan is not None
    verdict = validate(inst, result.plan)
    assert verdict.ok, verdict.violations
    assert verdict.objective == result.objective
    assert verdict.cost_by_rule == result.cost_by_rule
    assert verdict.unmet == result.unmet
    return verdict


def solve_sound(inst: Instance) -> tuple[Result, Verdict]:
    result = run(inst)
    assert result.status == SolveStatus.OPTIMAL, result.status
    return result, assert_sound(inst, result)


def assert_blocked(inst: Instance) -> Result:
    """What the rule under test forbids was the only way to meet a supervisor or specialist
    minimum: the optimal plan leaves that role short and pays for it (the skill mix is soft, so
    such a case still has a plan)."""
    result, verdict = solve_sound(inst)
    assert verdict.unmet_mix, "a supervisor or specialist should be left missing"
    assert result.unmet_mix == verdict.unmet_mix
    return result


def assert_infeasible(inst: Instance) -> None:
    result = run(inst)
    assert result.status == SolveStatus.INFEASIBLE, result.status
    assert result.plan is None


def sqlite_contents(path: Path) -> str:
    """Everything a SQLite database holds, as SQL: a command that only reads leaves it as it
    was. (Not the file's bytes: in WAL mode the last connection to close copies committed
    pages from the log into the file, which changes the bytes and nothing else.)"""
    with closing(sqlite3.connect(path)) as conn:
        return "\n".join(conn.iterdump())
