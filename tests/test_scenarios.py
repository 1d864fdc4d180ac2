"""Scenarios: overrides applied to a case as a new instance, every contradiction reported with
the file and TOML key to edit, and the scenario commands through the real entry point."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from rotation.errors import InputError
from rotation.io import read_case
from rotation.scenarios import apply, apply_all, changes, parse
from rotation.storage import Store
from rotation.workflow import publish
from tests.builders import sqlite_contents
from tests.test_cli import run, sqlite

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "cambodia-2025"


@pytest.fixture
def tiny(tiny_case: Path):  # type: ignore[no-untyped-def]
    return read_case(tiny_case).instance


def _apply(inst, text: str):  # type: ignore[no-untyped-def]
    return apply(inst, parse(text, "what-if.toml"))


def test_headcount_added_from_a_month_and_set_absolutely(tiny) -> None:  # type: ignore[no-untyped-def]
    new = _apply(tiny, """
name = "more"
[[headcount]]
posting = "PNH"
from = "2026-03"
add = 2
[[headcount]]
posting = "SHV"
from = "2026-10"
to = "2026-11"
min = 0
max = 3
""")
    assert [new.demand("PNH", t) for t in (0, 1, 2, 6, 11)] == [(1, 2), (1, 2), (3, 4), (3, 3),
                                                                  (3, 3)]
    assert [new.demand("SHV", t) for t in (8, 9, 10, 11)] == [(1, 1), (0, 3), (0, 3), (1, 1)]
    assert new.name.endswith("(scenario more)")
    # The base case is untouched.
    assert tiny.demand("PNH", 2) == (1, 2)


def test_headcount_written_as_in_a_change_file(tiny) -> None:  # type: ignore[no-untyped-def]
    """min = "+N" / max = "+N" (the change files' form) move each month's own, as add = N
    moves both; a file written for a re-plan reads the same as a scenario."""
    added = _apply(tiny, 'name = "a"\n[[headcount]]\nposting = "PNH"\nfrom = "2026-03"\n'
                         'add = 2\n')
    relative = _apply(tiny, 'name = "a"\n[[headcount]]\nposting = "PNH"\nfrom = "2026-03"\n'
                            'min = "+2"\nmax = "+2"\n')
    assert relative.demands == added.demands
    mixed = _apply(tiny, 'name = "b"\n[[headcount]]\nposting = "PNH"\nto = "2026-06"\n'
                         'min = "+1"\n[[headcount]]\nposting = "SHV"\nfrom = "2026-10"\n'
                         'min = 0\nmax = "+2"\n')
    assert [mixed.demand("PNH", t) for t in (0, 5, 6)] == [(2, 2), (2, 2), (1, 1)]
    assert [mixed.demand("SHV", t) for t in (8, 9, 11)] == [(1, 1), (0, 3), (0, 3)]
    said = changes(parse('name = "a"\n[[headcount]]\nposting = "PNH"\nmin = "+2"\n', "a.toml"))
    assert said == ["headcount PNH start..end: min +2"]


def test_open_close_rules_pool_and_training(tiny) -> None:  # type: ignore[no-untyped-def]
    new = _apply(tiny, """
name = "all"
[[open]]
id = "KKG"
name = "Koh Kong"
hardship = 3
min_khmer_level = 1
required_courses = ["khmer-intensive"]
supervisors = 1
from = "2026-07"
min = 1
max = 2
[[close]]
posting = "SHV"
from = "2026-09"
[[requirements]]
posting = "PNH"
add_supervisors = 1
specialists = { cyber = 1 }
[rules]
deployment_months = 2
min_rest_months = 1
max_deployments = 3
training_lead_days = 21
[[withdraw]]
officers = ["K-0002"]
from = "2026-06-15"
[[recruit]]
count = 2
id_prefix = "NEW"
rank = "inspector"
specialties = ["cyber"]
credentials = ["khmer>=2"]
courses = ["khmer-intensive"]
from = "2026-05"
[[sessions]]
id = "KHM-X"
course = "khmer-intensive"
start = "2026-02-02"
end = "2026-02-27"
seats = 4
[[seats]]
session = "KHM-X"
add = 2
""")
    assert new.demand("KKG", 5) == (0, 0) and new.demand("KKG", 6) == (1, 2)
    assert new.posting_by_id["KKG"].min_supervisors == 1
    assert new.demand("SHV", 7) == (1, 1) and new.demand("SHV", 8) == (0, 0)
    pnh = new.posting_by_id["PNH"]
    assert pnh.min_supervisors == 1 and dict(pnh.min_specialists) == {"cyber": 1}
    assert (new.rules.deployment_months, new.rules.min_rest_months, new.rules.max_deployments,
            new.rules.training_lead_days) == (2, 1, 3, 21)
    away = new.officer_by_id["K-0002"].unavailability[-1]
    assert (away.start, away.end) == (date(2026, 6, 15), new.rules.end)
    recruit = new.officer_by_id["NEW-02"]
    assert recruit.is_supervisor and "cyber" in recruit.specialties
    assert recruit.language_level("khmer", date(2026, 5, 1), date(2026, 12, 31)) == 2
    assert not recruit.is_available(date(2026, 4, 1), date(2026, 4, 30))
    assert recruit.is_available(date(2026, 5, 1), date(2026, 12, 31))
    assert new.session_by_id["KHM-X"].seats == 6
    assert len(new.officers) == len(tiny.officers) + 2


@pytest.mark.parametrize(("text", "field", "says"), [
    ('[[headcount]]\nposting = "XXX"\nadd = 1', "headcount[1].posting", "unknown posting 'XXX'"),
    ('[[headcount]]\nposting = "PNH"\nmin = 5', "headcount[1].min",
     "minimum 5 is above its maximum 2 in 2026-01 once applied; raise max"),
    ('[[headcount]]\nposting = "PNH"\nfrom = "2027-03"\nadd = 1', "headcount[1].from",
     "2027-03 is outside the horizon 2026-01..2026-12"),
    ('[[headcount]]\nposting = "PNH"\nadd = -2', "headcount[1].add", "below 0"),
    ('[[headcount]]\nposting = "PNH"\nmin = "-2"', "headcount[1].min",
     'below 0 in 2026-01 (it is 1); min at least "-1"'),
    ('[[headcount]]\nposting = "PNH"\nmin = "2"', "headcount[1].min",
     '\'2\' should be a whole number 0 or more, or "+N" / "-N"'),
    ('[[headcount]]\nposting = "PNH"\nmin = -1', "headcount[1].min", "0 or more"),
    ('[[headcount]]\nposting = "PNH"\nmin = "+1"\nadd = 1', "headcount[1].add",
     "not both"),
    ('[[headcount]]\nposting = "PNH"\nto = "2026-08"\nmin = "+1"', "headcount[1].min",
     "minimum 2 is above its maximum 1 in 2026-07"),
    ('[[withdraw]]\nofficers = ["K-0099"]\nfrom = "2026-03-01"', "withdraw[1].officers",
     "unknown officer 'K-0099'"),
    ('[[close]]\nposting = "PNH"', "close[1].from", "is missing"),
    ('[rules]\ndeployment_months = 13', "rules.deployment_months", "longer than the horizon"),
    ('[rules]\nrest = 3', "rules.rest", "unknown key"),
    ('[[open]]\nid = "PNH"\nhardship = 1\nfrom = "2026-02"\nmin = 1\nmax = 1', "open[1].id",
     "exists already"),
    ('[[open]]\nid = "K"\nhardship = 1\nrequired_courses = ["nope"]\nfrom = "2026-02"\n'
     'min = 1\nmax = 1', "open[1].required_courses", "unknown course 'nope'"),
    ('[[seats]]\nsession = "S-1"\nadd = 1', "seats[1].session", "unknown session 'S-1'"),
    ('[[recruit]]\ncount = 1\ncourses = ["nope"]', "recruit[1].courses", "unknown course"),
    ('[[headcount]]\nposting = "PNH"\nsize = 3', "headcount[1].size", "unknown key"),
])
def test_a_contradiction_names_file_and_key(tiny, text: str, field: str, says: str  # type: ignore[no-untyped-def]
                                              ) -> None:
    with pytest.raises(InputError) as caught:
        apply(tiny, parse(f'name = "bad"\n{text}\n', "what-if.toml"))
    found = [p for p in caught.value.problems if p.field == field]
    assert found, caught.value
    assert found[0].file == "what-if.toml"
    assert says in found[0].message


def test_every_problem_at_once_and_bad_toml(tiny) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as caught:
        _apply(tiny, 'name = "x"\n[[headcount]]\nposting = "A"\nadd = 1\n'
                     '[[headcount]]\nposting = "B"\nadd = 1\n')
    assert [p.field for p in caught.value.problems] == ["headcount[1].posting",
                                                         "headcount[2].posting"]
    with pytest.raises(InputError, match=r"what-if\.toml: is not valid TOML"):
        parse("name = ", "what-if.toml")
    with pytest.raises(InputError, match="field 'name'"):
        parse('name = "two words"', "what-if.toml")


def test_a_scenario_on_a_scenario_applies_both_in_order(tiny) -> None:  # type: ignore[no-untyped-def]
    first = parse('name = "a"\n[[headcount]]\nposting = "PNH"\nadd = 1\n', "a.toml")
    second = parse('name = "b"\nbase = "a"\n[[headcount]]\nposting = "PNH"\nfrom = "2026-06"\n'
                   'add = 1\n', "b.toml")
    new = apply_all(tiny, [first, second])
    assert new.demand("PNH", 0) == (2, 3) and new.demand("PNH", 6) == (3, 3)
    assert new.name.endswith("(scenario b)") and "scenario a" not in new.name


def test_every_example_scenario_applies_to_the_example() -> None:
    inst = read_case(EXAMPLE).instance
    files = sorted((EXAMPLE / "scenarios").glob("*.toml"))
    assert {f.stem for f in files} >= {"pnh-cyber-surge", "koh-kong-2027", "four-month-rotation"}
    for f in files:
        new = apply(inst, parse(f.read_text(encoding="utf-8"), str(f)))
        assert new.name != inst.name
    surge = apply(inst, parse((EXAMPLE / "scenarios/pnh-cyber-surge.toml").read_text(), "s"))
    may = inst.rules.month_of(date(2026, 5, 1))
    assert surge.demand("PNH", may) == tuple(v + 10 for v in inst.demand("PNH", may))
    assert surge.demand("PNH", may - 1) == inst.demand("PNH", may - 1)
    # As its comment says: the headcount only, not the specialist mix.
    assert surge.posting_by_id["PNH"] == inst.posting_by_id["PNH"]


# ---------------------------------------------------------------------------------------------
# the commands


def _digest(path: Path) -> str:
    return sqlite_contents(path)


SURGE = 'name = "surge"\ndescription = "PNH +1"\n[[headcount]]\nposting = "PNH"\n' \
        'from = "2026-03"\nmin = 2\nmax = 2\n'


def test_scenario_commands_store_solve_and_never_publish(tiny_case: Path, tmp_path: Path
                                                         ) -> None:
    db_file = tmp_path / "r.db"
    db = sqlite(db_file)
    assert run("solve", tiny_case, "--db", db, cwd=tmp_path).returncode == 0
    store = Store(db)
    entry = publish(store, 1, "Kim", "base")
    (tmp_path / "surge.toml").write_text(SURGE, encoding="utf-8")
    made = run("scenario", "create", "surge.toml", "--case", tiny_case, "--db", db, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "headcount PNH 2026-03..end: min 2, max 2" in made.stdout

    before = _digest(db_file)
    listed = run("scenario", "list", "--db", db, cwd=tmp_path)
    shown = run("scenario", "show", "surge", "--db", db, cwd=tmp_path)
    toml = run("scenario", "show", "surge", "--toml", "--db", db, cwd=tmp_path)
    assert listed.returncode == shown.returncode == toml.returncode == 0
    assert "surge" in listed.stdout and "PNH +1" in shown.stdout
    assert toml.stdout == SURGE
    assert _digest(db_file) == before, "reading scenarios wrote to the database"

    solved = run("scenario", "solve", "surge", "--db", db, cwd=tmp_path)
    assert solved.returncode == 0, solved.stderr
    assert "Started from plan 1 of the base as a hint" in solved.stdout
    stored = store.scenario("surge")
    assert stored.plans == (2,)
    plan = store.load(2)
    assert plan.instance.demand("PNH", 5) == (2, 2)
    assert store.scenario_of(2) == "surge" and store.scenario_of(1) is None
    # What officers see is still the base's published version, and a scenario never is one.
    assert store.published(entry.case_name) == entry
    refused = run("publish", "2", "--by", "Kim", "--db", db, cwd=tmp_path)
    assert refused.returncode == 2 and "scenario 'surge'" in refused.stderr
    assert store.published(entry.case_name) == entry

    # Capacity asks of the case by default, never of the newer what-if.
    asked = run("capacity", "--posting", "PNH", "--from", "2026-05", "--to", "2026-05", "--db",
                db, cwd=tmp_path)
    assert asked.returncode == 0 and "case of plan 1, published version 1" in asked.stderr
    assert "2026-05 │ 2-2" not in asked.stdout
    # Of the what-if by its name (its demand; starting from its own plan and the base's).
    before = _digest(db_file)
    of_surge = run("capacity", "surge", "--posting", "PNH", "--from", "2026-05", "--to",
                   "2026-05", "--db", db, cwd=tmp_path)
    assert of_surge.returncode == 0, of_surge.stderr
    (row,) = [line.split("│") for line in of_surge.stdout.splitlines()
              if line.startswith("│ 2026-05")]
    assert row[2].strip() == "2-2" and row[4].strip() == "yes"
    assert _digest(db_file) == before, "capacity wrote to the database"

    again = run("scenario", "create", "surge.toml", "--case", tiny_case, "--db", db,
                cwd=tmp_path)
    assert again.returncode == 2 and "exists already" in again.stderr
    gone = run("scenario", "delete", "surge", "--db", db, cwd=tmp_path)
    assert gone.returncode == 0 and "plans 2 stay" in gone.stdout
    assert store.scenarios() == [] and store.load(2).id == 2
    assert run("delete", "2", "--by", "Kim", "--db", db, cwd=tmp_path).returncode == 0


def test_a_contradicting_scenario_exits_2_and_stores_nothing(tiny_case: Path, tmp_path: Path
                                                             ) -> None:
    db = sqlite(tmp_path / "r.db")
    (tmp_path / "bad.toml").write_text(
        'name = "bad"\n[[headcount]]\nposting = "PNH"\nfrom = "2026-02"\nmin = 9\n'
        '[[withdraw]]\nofficers = ["K-0404"]\nfrom = "2026-02-01"\n', encoding="utf-8")
    proc = run("scenario", "create", "bad.toml", "--case", tiny_case, "--db", db, cwd=tmp_path)
    assert proc.returncode == 2
    assert "bad.toml, field 'headcount[1].min': PNH's minimum 9 is above its maximum 2" \
        in proc.stderr
    assert "bad.toml, field 'withdraw[1].officers': unknown officer 'K-0404'" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert Store(db).scenarios() == []
    missing = run("scenario", "solve", "nope", "--db", db, cwd=tmp_path)
    assert missing.returncode == 2 and "no scenario named 'nope'" in missing.stderr


@pytest.mark.postgres
def test_scenarios_and_their_plans_on_postgresql(tiny_case: Path, tmp_path: Path,
                                                 postgres_url: str) -> None:
    from datetime import UTC, datetime

    from rotation.domain import SolverSettings
    from rotation.scenario_jobs import create, solve_scenario

    store = Store(postgres_url)
    (tmp_path / "surge.toml").write_text(SURGE, encoding="utf-8")
    create(store, tmp_path / "surge.toml", tiny_case, None, "Kim")
    (tmp_path / "more.toml").write_text('name = "more"\nbase = "surge"\n[[seats]]\n'
                                        'session = "none"\nadd = 1\n', encoding="utf-8")
    with pytest.raises(InputError, match="unknown session 'none'"):
        create(store, tmp_path / "more.toml", None, None, "Kim")
    solved = solve_scenario(store, "surge", SolverSettings(time_limit=10))
    assert solved.plan_id is not None and store.scenario("surge").plans == (solved.plan_id,)
    store.delete(solved.plan_id, "Kim", datetime.now(UTC))
    assert store.scenario("surge").plans == ()
    assert store.delete_scenario("surge") == ()
    assert store.scenarios() == []
