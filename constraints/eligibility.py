"""Eligibility: an officer meets the posting's entry requirements for the whole deployment.

- Credentials: for each credential the posting requires (``required_credentials``, and
  ``min_khmer_level`` as ``khmer`` at that level), one record of it, of at least the level asked
  (any level when none is asked), valid on every day of the deployment (``valid_from`` on or
  before the start, ``valid_until`` on or after the end).
- Courses: every required course completed strictly before the start day and not expired by the
  end (``expires_on`` is the first day it no longer counts, so it must be after the end day).

A requirement the officer's own records do not meet can be met by a planned training session that
ends at least ``training.min_days_before_deployment`` days before the start and whose grant is
still valid on the last day (see ``constraints/training.py``). Hard. The model never creates a
start for which the officer is neither qualified nor trainable in time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta

from constraints.base import Rule
from rotation.domain import (
    Instance,
    InvalidObject,
    Officer,
    Posting,
    Requirement,
    Session,
    requirements,
)
from rotation.plan import Plan, Violation

NAME = "eligibility"


def reasons(officer: Officer, posting: Posting, start: date, end: date) -> list[str]:
    """Plain-word reasons why ``officer`` may not serve at ``posting`` from ``start`` to ``end``."""
    out = []
    for need in requirements(posting):
        if need.course or need.met_by(officer, start, end):
            continue
        held = [c for c in officer.certificates if c.name == need.credential]
        if need.level:
            if not held:
                detail = f"holds no {need.label} certificate"
            else:
                best = max(held, key=lambda c: c.level)
                until = f", valid {best.valid_from}..{best.valid_until or 'open-ended'}"
                grade = f"level {best.level}" if best.level else "without a level"
                detail = f"holds {need.label} {grade}{until}"
            wanted = f"level {need.level}"
        else:
            if not held:
                detail = f"holds no {need.label}"
            else:
                best = max(held, key=lambda c: c.valid_until or date.max)
                detail = (f"holds {need.label} valid {best.valid_from}.."
                          f"{best.valid_until or 'open-ended'}")
            wanted = need.label
        out.append(f"{officer.id} {detail}; {posting.name} needs {wanted} valid {start}..{end}")
    for course in sorted(posting.required_courses):
        if not officer.has_course(course, start, end):
            done = [c for c in officer.courses if c.course == course]
            if not done:
                detail = f"has not completed {course}"
            else:
                last = max(done, key=lambda c: c.completed_on)
                detail = f"completed {course} on {last.completed_on}" + (
                    f", expiring {last.expires_on}" if last.expires_on else ""
                )
            out.append(
                f"{officer.id} {detail}; {posting.name} needs it completed before {start} and "
                f"valid through {end}"
            )
    return out


def allows(inst: Instance, officer: Officer, posting: Posting, start: int) -> bool:
    # Asked for every officer at every start (1.5 M times at 5,000 officers), so each
    # requirement's answer for a start is worked out once for the whole pool (``_able``).
    for need in _needs(inst, posting):
        met, unable = _able(inst, need, start)
        if officer.id not in met and officer.id in unable:
            return False
    return True


def allows_among(inst: Instance, officers: Sequence[Officer], posting: Posting, start: int
                 ) -> list[Officer]:
    """``allows`` for a whole pool, as candidate lists ask: a set look-up per officer and
    requirement, with no call per officer."""
    keep = list(officers)
    for need in _needs(inst, posting):
        met, unable = _able(inst, need, start)
        keep = [o for o in keep if o.id in met or o.id not in unable]
    return keep


def _needs(inst: Instance, posting: Posting) -> tuple[Requirement, ...]:
    """The posting's requirements, built once: ``allows`` asks for them at every call."""
    memo = inst.memo(NAME + ":needs")
    found = memo.get(posting.id)
    if found is None:
        found = memo[posting.id] = requirements(posting)
    return found


def meeting(inst: Instance, need: Requirement, start: int) -> frozenset[str]:
    """Ids of the officers whose own records meet ``need`` for a deployment starting in month
    ``start`` (``Requirement.met_by``), for asking about many officers at once."""
    return _able(inst, need, start)[0]


def _able(inst: Instance, need: Requirement, start: int) -> tuple[frozenset[str], frozenset[str]]:
    """For a deployment starting in month ``start``: the ids of the officers whose own records
    meet ``need``, and of those no session could qualify (``Instance.unable_to_qualify``).
    Only officers holding a record of the course or credential can meet it on their own, and
    few hold one, so the first set is found by asking them alone: at 5,000 officers asking
    each officer in turn took about half of the first plan's time."""
    memo = inst.memo(NAME + ":able")
    found = memo.get((need, start))
    if found is None:
        first, last = inst.rules.deployment_span(start)
        met = frozenset(o.id for o in _holders(inst, need) if need.met_by(o, first, last))
        found = memo[need, start] = (met, inst.unable_to_qualify(need, first, last))
    return found


def _holders(inst: Instance, need: Requirement) -> list[Officer]:
    """Officers with any record of the course or credential ``need`` asks for."""
    memo = inst.memo(NAME + ":holders")
    found = memo.get(need)
    if found is None:
        if need.course:
            found = [o for o in inst.officers if any(c.course == need.course for c in o.courses)]
        else:
            found = [o for o in inst.officers
                     if any(c.name == need.credential for c in o.certificates)]
        memo[need] = found
    return found


def trained(inst: Instance, officer: Officer, plan: Plan, start: date) -> Officer:
    """The officer with what the plan's enrolments grant in time for a deployment on ``start``.

    Enrolments count from the plan's own dates; an enrolment ending later than
    ``training.min_days_before_deployment`` days before ``start`` does not count.
    """
    latest = start - timedelta(days=inst.rules.training_lead_days)
    courses = list(officer.courses)
    certificates = list(officer.certificates)
    for e in plan.enrolments_of(officer.id):
        course = inst.course_by_id.get(e.course)
        if course is None or e.end > latest:
            continue
        try:
            completion, certificate = Session(e.session, e.course, e.start, e.end).grants(course)
        except InvalidObject:
            continue  # a malformed enrolment grants nothing; the training rule reports it
        courses.append(completion)
        if certificate is not None:
            certificates.append(certificate)
    return replace(officer, courses=tuple(courses), certificates=tuple(certificates))


def check(inst: Instance, plan: Plan) -> list[Violation]:
    out = []
    for d in plan.deployments:
        officer = inst.officer_by_id.get(d.officer)
        posting = inst.posting_by_id.get(d.posting)
        if officer is None or posting is None:
            out.append(Violation(NAME, f"{d.officer} at {d.posting}: unknown officer or posting"))
            continue
        qualified = trained(inst, officer, plan, d.start)
        out.extend(Violation(NAME, r) for r in reasons(qualified, posting, d.start, d.end))
    return out


RULE = Rule(
    NAME,
    hard=True,
    summary="Required credentials and courses valid for the whole deployment.",
    check=check,
    allows=allows,
    allows_depends_on=requirements,
    allows_among=allows_among,
)
