"""Explanations: every figure an explanation gives is recomputed here from the data (the
validator on whole plans, the case's own records), never read back from its text.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from constraints.facts import presence
from rotation.domain import Instance
from rotation.errors import InputError
from rotation.explain import explain_infeasible, explain_mix, explain_officer, explain_posting, why
from rotation.plan import Plan, SolveStatus
from rotation.solve import solve
from rotation.solve.diagnose import conflicts
from rotation.validate import validate
from tests.builders import (
    FAST,
    away,
    demand,
    dep,
    first_day,
    instance,
    last_day,
    officer,
    past,
    posting,
    rules,
    sqlite_contents,
)

ROOT = Path(__file__).resolve().parents[1]


def _case() -> Instance:
    """P needs one officer in months 0..5; A is on leave in month 1, B asked for Q, C is free;
    Q is open but needs nobody."""
    return instance(
        [officer("A", unavailability=[away(first_day(1), last_day(1).replace(day=10))]),
         officer("B", preferences=["Q"]), officer("C", "inspector")],
        [posting("P", hardship=2), posting("Q")],
        [demand("P", 0, 5, 1, 1), demand("Q", 0, 5, 0, 2)],
        rules(6, 2),
    )


@pytest.fixture(scope="module")
def solved() -> tuple[Instance, Plan]:
    inst = _case()
    result = solve(inst, FAST)
    assert result.status == SolveStatus.OPTIMAL and result.plan is not None
    return inst, result.plan


def test_a_tour_in_the_plan_costs_what_removing_it_costs(solved: tuple[Instance, Plan]) -> None:
    inst, plan = solved
    for d in plan.deployments:
        w = why(inst, plan, d.officer, d.posting, inst.rules.month_of(d.start))
        assert w.kind == "deployed"
        without = Plan(tuple(x for x in plan.deployments if x != d), plan.enrolments)
        assert w.cost == validate(inst, without).objective - validate(inst, plan).objective
        assert w.cost > 0  # the plan is optimal: every tour pays its way


def test_a_tour_not_needed_costs_what_adding_it_costs(solved: tuple[Instance, Plan]) -> None:
    inst, plan = solved
    seen = 0
    for o in inst.officers:
        for p in inst.postings:
            for s in inst.rules.start_months:
                w = why(inst, plan, o.id, p.id, s)
                if w.kind != "not needed":
                    continue
                added = Plan((*plan.deployments, dep(o.id, p.id, s)),
                             (*plan.enrolments, *w.training))
                assert validate(inst, added).ok
                want = validate(inst, added).cost_by_rule
                have = validate(inst, plan).cost_by_rule
                assert dict(w.delta) == {k: want[k] - have[k] for k in want if want[k] != have[k]}
                assert w.cost >= 0  # optimal plan: nothing is cheaper to add
                seen += 1
    assert seen


def test_a_start_on_leave_is_kept_out_by_the_leave_with_its_dates(
        solved: tuple[Instance, Plan]) -> None:
    inst, plan = solved
    leave = inst.officer_by_id["A"].unavailability[0]
    for s in (0, 1):  # tours covering month 1 meet the leave
        w = why(inst, plan, "A", "Q", s)
        assert w.kind == "broken" and w.reason == "availability"
        assert f"{leave.start}..{leave.end}" in w.text
    assert why(inst, plan, "A", "Q", 2).reason != "availability"


def test_an_officer_s_explanation_covers_every_start_of_every_posting(
        solved: tuple[Instance, Plan]) -> None:
    inst, plan = solved
    for o in inst.officers:
        found = explain_officer(inst, plan, o.id)
        assert {(t.posting, t.start) for t in found.tours} == {
            (d.posting, inst.rules.month_label(inst.rules.month_of(d.start)))
            for d in plan.for_officer(o.id)}
        covered = set()
        for posting_id, first, last, _ in found.elsewhere:
            a, b = inst.rules.month_of_label(first), inst.rules.month_of_label(last)
            covered |= {(posting_id, s) for s in range(a, b + 1)}
        covered |= {(t.posting, inst.rules.month_of_label(t.start)) for t in found.tours}
        assert covered == {(p.id, s) for p in inst.postings for s in inst.rules.start_months}
    with pytest.raises(InputError, match="not in the case"):
        explain_officer(inst, plan, "Z")


def test_a_posting_month_lists_everyone_once_and_who_is_there(
        solved: tuple[Instance, Plan]) -> None:
    inst, plan = solved
    for t in inst.months:
        label = inst.rules.month_label(t)
        whys = explain_posting(inst, plan, "P", label)
        assert sorted(w.officer for w in whys) == sorted(o.id for o in inst.officers)
        there = presence(inst, plan).get(("P", t), [])
        assert sorted(w.officer for w in whys if w.kind == "deployed") == sorted(there)


def test_missing_specialists_are_explained_with_the_holders_counted() -> None:
    inst = instance(
        [officer("A", specialties=["cyber"], history=[past("Q", -1, 3)]), officer("B"),
         officer("C", specialties=["cyber"])],
        [posting("P", specialists=[("cyber", 2)]), posting("Q")],
        [demand("P", 0, 1, 1, 3), demand("Q", 0, 3, 0, 1)],
        rules(4, 2),
    )
    result = solve(inst, FAST)
    assert result.plan is not None and result.unmet_mix
    gap = result.unmet_mix[0]
    text = explain_mix(inst, result.plan, gap)
    holders = sum(1 for o in inst.officers if "cyber" in o.specialties)
    assert text.startswith(f"Post P has {gap.present} 'cyber' specialists in {gap.month}")
    assert f"{holders} officers of the case are 'cyber' specialists" in text


def test_a_case_with_no_plan_names_the_rule_the_facts_and_the_relief() -> None:
    # A and B continue tours at P into month 0, where P takes one officer.
    inst = instance(
        [officer("A", history=[past("P", -2, 0)]), officer("B", history=[past("P", -1, 0)]),
         officer("C")],
        [posting("P")], [demand("P", 0, 1, 0, 1)], rules(2, 1))
    assert solve(inst, FAST).status == SolveStatus.INFEASIBLE
    found = conflicts(inst)
    assert found is not None and [c.rule for c in found] == ["coverage"]
    assert found[0].relaxed_has_plan is True
    (line,) = explain_infeasible(inst, [(c.rule, c.rows, c.relaxed_has_plan) for c in found])
    continuing = inst.carried_over[("P", 0)]
    assert sorted(continuing) == ["A", "B"]
    assert f"Post P {inst.rules.month_label(0)}: {', '.join(continuing)}" in line
    assert "limited to 1" in line and "Letting those officers go would give a plan" in line
    witness = found[0].witness
    assert witness is not None
    assert set(validate(inst, witness).violations) == set(validate(inst, Plan(())).violations)
    # A case with a plan is not called infeasible.
    assert conflicts(instance([officer("A")], [posting("P")], [demand("P", 0, 1, 0, 1)],
                              rules(2, 1))) is None


def test_the_explain_command_reads_only_and_refuses_bad_input(tmp_path: Path) -> None:
    from rotation.storage import Store
    from rotation.workflow import solve_and_store

    inst = _case()
    url = f"sqlite:///{tmp_path / 'r.db'}"
    solve_and_store(inst, FAST, Store(url))
    db = tmp_path / "r.db"
    before = sqlite_contents(db)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "rotation", "explain", *args, "--db", url],
                              capture_output=True, text=True, timeout=120, check=False,
                              env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})

    ok = run("--officer", "A")
    assert ok.returncode == 0, ok.stderr
    assert "unavailable" in ok.stdout and "Traceback" not in ok.stderr
    month = run("--posting", "P", "--month", "2026-02")
    assert month.returncode == 0 and "Post P in 2026-02" in month.stdout
    assert run("--officer", "Z").returncode == 2
    assert run("--posting", "P").returncode == 2
    bad = run("--posting", "P", "--month", "2030-01")
    assert bad.returncode == 2 and "outside the horizon" in bad.stderr
    assert sqlite_contents(db) == before
