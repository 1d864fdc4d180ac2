"""Eligibility: an officer meets the posting's entry requirements for the whole deployment.

- Language: a Khmer certificate of at least the posting's ``min_khmer_level`` that is valid on
  every day of the deployment (``valid_from`` on or before the start, ``valid_until`` on or after
  the end). Level 0 means no certificate is needed.
- Courses: every required course completed strictly before the start day and not expired by the
  end (``expires_on`` is the first day it no longer counts, so it must be after the end day).

A requirement the officer's own records do not meet can be met by a planned training session that
ends at least ``training.min_days_before_deployment`` days before the start and whose grant is
still valid on the last day (see ``constraints/training.py``). Hard. The model never creates a
start for which the officer is neither qualified nor trainable in time.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from constraints.base import Rule
from rotation.domain import (
    KHMER,
    Instance,
    InvalidObject,
    Officer,
    Posting,
    Session,
    requirements,
)
from rotation.plan import Plan, Violation

NAME = "eligibility"


def reasons(officer: Officer, posting: Posting, start: date, end: date) -> list[str]:
    """Plain-word reasons why ``officer`` may not serve at ``posting`` from ``start`` to ``end``."""
    out = []
    if posting.min_khmer_level > 0:
        level = officer.language_level(KHMER, start, end)
        if level < posting.min_khmer_level:
            held = [c for c in officer.certificates if c.language == KHMER]
            if not held:
                detail = "holds no Khmer certificate"
            else:
                best = max(held, key=lambda c: c.level)
                until = f", valid {best.valid_from}..{best.valid_until or 'open-ended'}"
                detail = f"holds Khmer level {best.level}{until}"
            out.append(
                f"{officer.id} {detail}; {posting.name} needs level {posting.min_khmer_level} "
                f"valid {start}..{end}"
            )
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
    # Postings of one country usually share their requirements, so the answer is remembered
    # per officer, requirements and start rather than per posting.
    needs = requirements(posting)
    memo = inst.memo(NAME)
    key = (officer.id, needs, start)
    answer = memo.get(key)
    if answer is None:
        first, last = inst.rules.deployment_span(start)
        answer = memo[key] = all(
            need.met_by(officer, first, last)
            or inst.can_qualify(officer, need, first, last)
            for need in needs
        )
    return bool(answer)


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
    summary="Language certificate and required courses valid for the whole deployment.",
    check=check,
    allows=allows,
    allows_depends_on=requirements,
)
