"""Capacity: every answer checked by solving with it as the posting's minimum (met) and with one
more (unmet), judged by the independent validator; what binds said from the data."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from rotation.capacity import ELSEWHERE, THERE, capacity
from rotation.domain import Instance, SolverSettings, Weights
from rotation.io import read_case
from rotation.plan import Plan
from rotation.scenarios import with_demand
from rotation.solve import solve
from rotation.storage import Store
from rotation.validate import validate
from tests.builders import sqlite_contents
from tests.conftest import CaseMaker, replace_line
from tests.test_cli import run, sqlite

SETTINGS = SolverSettings(time_limit=30, workers=1)
# CP-SAT stops before it improves on the plan it starts from: an answer is then what the plans
# known before the searches reach.
STARVED = SolverSettings(time_limit=30, workers=1, work_limit=0.0001)


@pytest.fixture
def tiny(tiny_case: Path) -> Instance:
    inst = read_case(tiny_case).instance
    # Demand dominates everything else, so that a plan meets any minimum it can.
    heavy = Weights(unmet_demand=10**6, skill_mix=10**6)
    return replace(inst, rules=replace(inst.rules, weights=heavy))


def _unmet_when(inst: Instance, posting: str, months: range, minimum: int,
                asked: range) -> tuple[int, int]:
    """Solve with ``minimum`` at ``posting`` in ``months`` (0 elsewhere in ``asked``, its
    maximum the pool everywhere, as capacity poses it): its unmet there, and in all."""
    pool = len(inst.officers)
    demand = {(posting, t): (minimum if t in months else 0 if t in asked
                             else inst.demand(posting, t)[0], pool) for t in inst.months}
    asked_inst = with_demand(inst, demand)
    result = solve(asked_inst, SETTINGS)
    assert result.plan is not None
    verdict = validate(asked_inst, result.plan)
    assert verdict.ok
    month_labels = {asked_inst.rules.month_label(t) for t in months}
    here = sum(g.missing for g in verdict.unmet
               if g.posting == posting and g.month in month_labels)
    return here, sum(g.missing for g in verdict.unmet)


def test_each_month_s_answer_is_met_and_one_more_is_not(tiny: Instance) -> None:
    answer = capacity(tiny, "PNH", "2026-04", "2026-06", settings=SETTINGS)
    assert [m.month for m in answer.months] == ["2026-04", "2026-05", "2026-06"]
    assert answer.proven
    # The tiny case leaves SHV short whatever PNH holds: the answer never takes from it.
    short = answer.others_short
    asked = range(3, 6)
    for t, m in zip(asked, answer.months, strict=True):
        assert m.capacity >= tiny.demand("PNH", t)[0]
        assert _unmet_when(tiny, "PNH", range(t, t + 1), m.capacity, asked) == (0, short)
        _, total = _unmet_when(tiny, "PNH", range(t, t + 1), m.capacity + 1, asked)
        assert total > short, f"{m.month}: {m.capacity + 1} was met too"
        assert m.reasons[THERE] == m.capacity
        assert sum(m.reasons.values()) == len(tiny.officers)
        assert "What binds most" in m.binds or "everyone is there" in m.binds


def test_the_uniform_answer_is_met_in_every_month_and_one_more_is_not(tiny: Instance) -> None:
    answer = capacity(tiny, "SHV", "2026-02", "2026-09", uniform=True, settings=SETTINGS)
    assert answer.value is not None and answer.proven
    asked = range(1, 9)
    short = answer.others_short
    assert _unmet_when(tiny, "SHV", asked, answer.value, asked) == (0, short)
    assert _unmet_when(tiny, "SHV", asked, answer.value + 1, asked)[1] > short
    tightest = min(answer.months, key=lambda m: m.capacity)
    assert tightest.reasons[THERE] + tightest.reasons[ELSEWHERE] <= len(tiny.officers)


def test_months_asked_one_by_one_hold_at_least_their_rotation_long_span(tiny: Instance
                                                                        ) -> None:
    # Months asked one by one are seeded span by span (a rotation's length, 3 months here),
    # each span's level asked first: no month may answer below its span's uniform answer.
    months = capacity(tiny, "PNH", settings=SETTINGS).months
    length = tiny.rules.deployment_months
    for i in range(0, len(months), length):
        span = months[i:i + length]
        level = capacity(tiny, "PNH", span[0].month, span[-1].month, uniform=True,
                         settings=SETTINGS)
        assert level.value is not None and level.proven
        assert min(m.capacity for m in span) >= level.value, (span, level.value)


def test_a_rotation_long_level_on_the_example_is_proven_within_its_work_limit() -> None:
    # The level alone is flat: maximising it from the example's own plan (as `rotation
    # capacity` starts from the published one), the search stalled at 8 officers from November
    # to April within the example's 30 units of work, unproven, where single months reach 31.
    # With the officers summed under it the search climbs and proves its answer.
    inst = read_case(Path(__file__).resolve().parent.parent / "examples" / "cambodia-2025"
                     ).instance
    plan = solve(inst).plan
    assert plan is not None
    answer = capacity(inst, "POI", "2025-11", "2026-04", uniform=True, known=[plan])
    assert answer.value is not None and answer.proven
    assert answer.value >= max(inst.demand("POI", t)[1] for t in range(6))


def test_capacity_command_reads_only(tiny_case: Path, tmp_path: Path) -> None:
    db_file = tmp_path / "r.db"
    db = sqlite(db_file)
    assert run("solve", tiny_case, "--db", db, cwd=tmp_path).returncode == 0
    before = sqlite_contents(db_file)
    proc = run("capacity", "--posting", "PNH", "--from", "2026-05", "--to", "2026-05",
               "--db", db, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Capacity of Phnom Penh (PNH)," in proc.stdout and "2026-05..2026-05" in proc.stdout
    assert "Phnom Penh can hold" in proc.stdout
    assert sqlite_contents(db_file) == before
    for args, says in ((["--posting", "XXX"], "unknown posting 'XXX'"),
                       (["--posting", "PNH", "--from", "2030-01"], "outside the horizon"),
                       ([], "name the posting")):
        bad = run("capacity", *args, "--db", db, cwd=tmp_path)
        assert bad.returncode == 2 and says in bad.stderr, bad.stderr


def _at(inst: Instance, plan: Plan, posting: str, t: int) -> int:
    return sum(1 for d in plan.deployments if d.posting == posting
               and inst.rules.month_of(d.start) <= t <= inst.rules.month_of(d.end))


def test_no_month_answers_below_a_plan_already_known(tiny: Instance) -> None:
    """Searches cut short start from the best plan known for their month, so the answer is at
    least what that plan reaches, and the plan said to reach it does."""
    known = solve(tiny, SETTINGS).plan
    assert known is not None
    answer = capacity(tiny, "PNH", "2026-02", "2026-06", settings=STARVED, known=[known])
    for t, m in zip(range(1, 6), answer.months, strict=True):
        assert m.capacity >= _at(tiny, known, "PNH", t) >= 1, m.month
        assert m.reasons[THERE] == m.capacity
    # A plan of another input (an officer the case does not have) is not taken.
    stranger = Plan(tuple(replace(d, officer="K-9999") for d in known.deployments), ())
    assert capacity(tiny, "PNH", "2026-02", "2026-02", settings=SETTINGS,
                    known=[stranger]).proven


def test_capacity_of_the_published_case_starts_from_the_published_plan(
        make_case: CaseMaker, tmp_path: Path) -> None:
    """With the case's own solver settings (here a work limit that stops every search at its
    start), no month answers below what the published plan already keeps there."""
    case = make_case({"rules.toml": replace_line("workers = 2",
                                                 "workers = 1\nwork_limit = 0.0001")})
    db = sqlite(tmp_path / "r.db")
    solved = run("solve", case, "--work-limit", "10", "--db", db, cwd=tmp_path)
    assert solved.returncode == 0, solved.stderr
    assert run("publish", "--by", "Kim", "--db", db, cwd=tmp_path).returncode == 0
    proc = run("capacity", "--posting", "PNH", "--from", "2026-02", "--to", "2026-06",
               "--db", db, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = [line.split("│") for line in proc.stdout.splitlines() if line.startswith("│ 2026-")]
    held = {cells[1].strip(): int(cells[3]) for cells in rows}
    assert len(held) == 5
    stored = Store(db, create=False).load(1)
    inst = stored.instance
    assert inst.solver.work_limit == 0.0001  # the case's own, kept with the published input
    for month, count in held.items():
        assert count >= _at(inst, stored.plan, "PNH", inst.rules.month_of_label(month)) >= 1, \
            month
