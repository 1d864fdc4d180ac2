"""Eligibility: credentials (a Khmer level, a passport...) valid every day of the deployment,
courses done and still counting."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings

from constraints import eligibility
from rotation.domain import Credential, Instance, InvalidObject, PastDeployment, requirements
from rotation.plan import Deployment
from rotation.validate import validate
from tests.builders import (
    assert_blocked,
    away,
    course,
    credential,
    day_after,
    day_before,
    demand,
    dep,
    instance,
    khmer,
    officer,
    plan,
    posting,
    rules,
    session,
    solve_sound,
)
from tests.test_properties import instances

START, END = date(2026, 1, 1), date(2026, 2, 28)  # a two-month deployment from month 0
EARLY = date(2024, 1, 1)


def _case(*, level: int = 0, courses_required=(), soft: bool = False, credentials=(), **kw):
    """A is the only inspector; P (open months 0..1) needs a supervisor, or one officer if soft."""
    return instance(
        [officer("A", "inspector", **kw)],
        [posting("P", khmer=level, courses=courses_required, supervisors=0 if soft else 1,
                 credentials=credentials)],
        [demand("P", 0, 1, 1 if soft else 0, 1)],
        rules(2, 2),
        course_ids=["c1", "c2"],
    )


def _eligible(inst) -> bool:
    return eligibility.check(inst, plan(dep("A", "P", 0))) == []


# -- solver: smallest feasible and infeasible cases ------------------------------------------


def test_smallest_feasible_case_certificate_until_the_end_day_and_course_the_day_before() -> None:
    inst = _case(
        level=2,
        courses_required=["c1"],
        certificates=[khmer(2, START, END)],
        courses=[course("c1", day_before(START), day_after(END))],
    )
    result, _ = solve_sound(inst)
    assert result.plan is not None
    assert result.plan.deployments == (dep("A", "P", 0),)


def test_smallest_infeasible_case_certificate_ending_a_day_early() -> None:
    assert_blocked(_case(level=2, certificates=[khmer(2, START, day_before(END))]))


def test_infeasible_when_course_completed_on_the_start_day() -> None:
    assert_blocked(_case(courses_required=["c1"], courses=[course("c1", START)]))


def test_infeasible_when_course_expires_on_the_end_day() -> None:
    assert_blocked(
        _case(courses_required=["c1"], courses=[course("c1", EARLY, END)])
    )


def test_ineligible_officer_leaves_soft_demand_unmet() -> None:
    inst = _case(level=3, soft=True, certificates=[khmer(2, EARLY)])
    result, _ = solve_sound(inst)
    assert result.plan is not None
    assert result.plan.deployments == ()
    assert result.objective == 2000


def test_no_requirements_means_anyone_is_eligible() -> None:
    result, _ = solve_sound(_case())
    assert result.plan is not None
    assert len(result.plan.deployments) == 1


# -- exact boundaries, judged by the checker --------------------------------------------------


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "ok"),
    [
        (START, END, True),
        (START, None, True),
        (EARLY, day_before(END), False),
        (day_after(START), None, False),
        (day_before(START), day_after(END), True),
    ],
)
def test_certificate_must_be_valid_every_day(
    valid_from: date, valid_until: date | None, ok: bool
) -> None:
    inst = _case(level=2, certificates=[khmer(2, valid_from, valid_until)])
    assert _eligible(inst) is ok


@pytest.mark.parametrize(("held", "ok"), [(1, False), (2, True), (5, True)])
def test_certificate_level_must_reach_the_minimum(held: int, ok: bool) -> None:
    assert _eligible(_case(level=2, certificates=[khmer(held, EARLY)])) is ok


def test_level_zero_needs_no_certificate() -> None:
    assert _eligible(_case(level=0))


def test_other_languages_do_not_count() -> None:
    cert = Credential("english", 5, EARLY)
    assert not _eligible(_case(level=1, certificates=[cert]))


def test_two_certificates_that_only_together_cover_the_deployment_do_not_count() -> None:
    # The docstring asks for one certificate valid on every day of the deployment.
    certs = [khmer(2, EARLY, date(2026, 1, 31)), khmer(2, date(2026, 2, 1))]
    assert not _eligible(_case(level=2, certificates=certs))


def test_best_of_several_certificates_counts() -> None:
    certs = [khmer(1, EARLY), khmer(3, EARLY, END)]
    assert _eligible(_case(level=3, certificates=certs))


@pytest.mark.parametrize(
    ("completed_on", "expires_on", "ok"),
    [
        (day_before(START), None, True),
        (START, None, False),
        (day_after(START), None, False),
        (EARLY, END, False),
        (EARLY, day_after(END), True),
        (EARLY, day_before(END), False),
    ],
)
def test_course_completed_strictly_before_start_and_not_expired_by_the_end(
    completed_on: date, expires_on: date | None, ok: bool
) -> None:
    inst = _case(courses_required=["c1"], courses=[course("c1", completed_on, expires_on)])
    assert _eligible(inst) is ok


def test_every_required_course_is_needed() -> None:
    inst = _case(courses_required=["c1", "c2"], courses=[course("c1", EARLY)])
    found = eligibility.check(inst, plan(dep("A", "P", 0)))
    assert [v.message for v in found] == [
        "A has not completed c2; Post P needs it completed before 2026-01-01 and valid through "
        "2026-02-28"
    ]


def test_a_later_retake_of_an_expired_course_counts() -> None:
    taken = [course("c1", date(2023, 1, 1), date(2025, 1, 1)), course("c1", date(2025, 6, 1))]
    assert _eligible(_case(courses_required=["c1"], courses=taken))


# -- credentials beyond Khmer ------------------------------------------------------------------


def test_smallest_feasible_case_passport_valid_until_the_end_day() -> None:
    inst = _case(credentials=[("passport", 0)], certificates=[credential("passport", EARLY, END)])
    result, _ = solve_sound(inst)
    assert result.plan is not None
    assert result.plan.deployments == (dep("A", "P", 0),)


def test_smallest_infeasible_case_passport_expiring_a_day_early() -> None:
    assert_blocked(_case(credentials=[("passport", 0)],
                            certificates=[credential("passport", EARLY, day_before(END))]))


@pytest.mark.parametrize(
    ("held", "needed", "ok"),
    [
        (0, 0, True),   # a credential without levels meets a requirement without a level
        (3, 0, True),   # any level meets a requirement without a level
        (0, 1, False),  # no level does not reach level 1
        (1, 2, False),
        (2, 2, True),
    ],
)
def test_credential_level_compared_with_the_least_asked(held: int, needed: int, ok: bool) -> None:
    inst = _case(credentials=[("security", needed)],
                 certificates=[credential("security", EARLY, level=held)])
    assert _eligible(inst) is ok


def test_every_required_credential_is_needed() -> None:
    held = [khmer(2, EARLY), credential("passport", EARLY)]
    needs = [("medical", 0), ("passport", 0)]
    assert not _eligible(_case(level=2, credentials=needs, certificates=held))
    assert _eligible(_case(level=2, credentials=needs,
                           certificates=[*held, credential("medical", EARLY)]))


def test_min_khmer_level_and_a_khmer_credential_mean_the_same() -> None:
    old = _case(level=2).postings[0]
    new = _case(credentials=[("khmer", 2)]).postings[0]
    assert requirements(old) == requirements(new)


def test_a_posting_may_not_ask_for_khmer_twice() -> None:
    with pytest.raises(InvalidObject) as info:
        posting("P", khmer=2, credentials=[("khmer", 3)])
    assert info.value.issues == [
        ("required_credentials", "names khmer, which min_khmer_level also sets; keep one of them")
    ]


def test_check_messages_name_the_credential() -> None:
    inst = _case(level=1, credentials=[("passport", 0), ("security", 2)],
                 certificates=[credential("security", EARLY, date(2026, 2, 1), level=2)])
    found = eligibility.check(inst, plan(dep("A", "P", 0)))
    assert [v.message for v in found] == [
        "A holds no Khmer certificate; Post P needs level 1 valid 2026-01-01..2026-02-28",
        "A holds no passport; Post P needs passport valid 2026-01-01..2026-02-28",
        "A holds Security level 2, valid 2024-01-01..2026-02-01; Post P needs level 2 valid "
        "2026-01-01..2026-02-28",
    ]
    assert [str(n) for n in requirements(inst.postings[0])] == [
        "Khmer level 1", "passport", "Security level 2"]


# -- messages -------------------------------------------------------------------------------


def test_check_message_for_an_expired_certificate() -> None:
    inst = _case(level=2, certificates=[khmer(2, EARLY, day_before(END))])
    found = eligibility.check(inst, plan(dep("A", "P", 0)))
    assert [v.message for v in found] == [
        "A holds Khmer level 2, valid 2024-01-01..2026-02-27; Post P needs level 2 valid "
        "2026-01-01..2026-02-28"
    ]


def test_check_message_without_any_certificate() -> None:
    found = eligibility.check(_case(level=1), plan(dep("A", "P", 0)))
    assert [v.message for v in found] == [
        "A holds no Khmer certificate; Post P needs level 1 valid 2026-01-01..2026-02-28"
    ]


def test_check_message_for_a_course_completed_on_the_start_day() -> None:
    inst = _case(courses_required=["c1"], courses=[course("c1", START, date(2027, 1, 1))])
    found = eligibility.check(inst, plan(dep("A", "P", 0)))
    assert [v.message for v in found] == [
        "A completed c1 on 2026-01-01, expiring 2027-01-01; Post P needs it completed before "
        "2026-01-01 and valid through 2026-02-28"
    ]


def test_check_reports_unknown_officer_or_posting() -> None:
    found = eligibility.check(_case(), plan(Deployment("A", "X", START, END)))
    assert [v.message for v in found] == ["A at X: unknown officer or posting"]


def test_validator_flags_the_ineligible_plan_and_accepts_the_eligible_one() -> None:
    bad = _case(level=2, certificates=[khmer(2, day_after(START))])
    good = _case(level=2, certificates=[khmer(2, START)])
    assert [v.rule for v in validate(bad, plan(dep("A", "P", 0))).violations] == ["eligibility"]
    assert validate(good, plan(dep("A", "P", 0))).ok


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(officers=(2, 8), postings=(1, 4), sessions=(0, 5), training=True))
def test_pool_wide_answers_are_the_officer_by_officer_ones(inst: Instance) -> None:
    # ``allows`` reads sets worked out once per requirement and start for the whole pool; each
    # must say what asking the officer's records and sessions one by one says.
    for q in inst.sessions:
        assert inst.unable_to_attend(q) == {o.id for o in inst.officers
                                            if not inst.can_attend(o, q)}
    for p in inst.postings:
        for start in inst.rules.start_months:
            first, last = inst.rules.deployment_span(start)
            for need in requirements(p):
                assert eligibility.meeting(inst, need, start) == {
                    o.id for o in inst.officers if need.met_by(o, first, last)}
                assert inst.unable_to_qualify(need, first, last) == {
                    o.id for o in inst.officers if not inst.can_qualify(o, need, first, last)}
            for o in inst.officers:
                assert eligibility.allows(inst, o, p, start) == all(
                    need.met_by(o, first, last) or inst.can_qualify(o, need, first, last)
                    for need in requirements(p))
            pool = list(inst.officers)[::-1]  # any order, kept
            assert eligibility.allows_among(inst, pool, p, start) == [
                o for o in pool if eligibility.allows(inst, o, p, start)]


def test_an_absence_or_past_tour_touching_a_session_by_one_day_keeps_the_officer_out() -> None:
    first, last = date(2026, 3, 2), date(2026, 3, 6)  # the session, both days included
    inst = instance(
        [officer("ends-on-first", unavailability=[away(date(2026, 2, 1), first)]),
         officer("starts-on-last", unavailability=[away(last, date(2026, 4, 1))]),
         officer("home-on-first", history=[PastDeployment("P", date(2025, 9, 1), first)]),
         officer("ends-before", unavailability=[away(date(2026, 2, 1), day_before(first))]),
         officer("starts-after", history=[PastDeployment("P", day_after(last),
                                                         date(2026, 9, 1))])],
        [posting("P", courses=["c"])],
        course_ids=["c"],
        sessions=[session("s", "c", first, last)],
    )
    assert inst.unable_to_attend(inst.sessions[0]) == {
        "ends-on-first", "starts-on-last", "home-on-first"}
