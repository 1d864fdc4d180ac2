"""Every numeric setting is finite and within its documented range (docs/input.md): values
that used to end in a traceback, a NaN time limit or a feed answering 500 forever are refused
with exit 2, naming the key and the range to give; so are the same values as command-line
options, and rules.toml nested thousands deep.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

from rotation.domain import (
    MAX_HORIZON_MONTHS,
    MAX_RETENTION_DAYS,
    MAX_SEED,
    CalendarSettings,
    InvalidObject,
    SolverSettings,
)
from rotation.errors import InputError
from rotation.io import load_case
from tests.conftest import CaseMaker, add_lines, replace_line


def _problems(case: Path) -> list[str]:
    with pytest.raises(InputError) as info:
        load_case(case)
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize(("old", "new", "field", "says"), [
    ("months = 12", "months = 1000000", "horizon.months", f"1 to {MAX_HORIZON_MONTHS}"),
    ('start = "2026-01"', 'start = "9999-11"', "horizon.start", "2199-12"),
    ('start = "2026-01"', 'start = "1066-10"', "horizon.start", "from 1900-01"),
    ("min_rest_months = 3", "min_rest_months = 99999999999", "deployment.min_rest_months",
     "0 to 360 months"),
    ("lookback_months = 12", "lookback_months = 1000000", "fairness.lookback_months", "360"),
    ("target_hardship_months = 6", "target_hardship_months = -1",
     "fairness.target_hardship_months", "0 to 10,000"),
    ("unmet_demand = 1000", "unmet_demand = 99999999999999", "weights.unmet_demand",
     "0 to 1,000,000"),
    ("time_limit = 10", "time_limit = nan", "solver.time_limit", "above 0"),
    ("time_limit = 10", "time_limit = inf", "solver.time_limit", "at most 604,800"),
    ("time_limit = 10", "time_limit = 1e11", "solver.time_limit", "a week"),
    ("time_limit = 10", "time_limit = -0.0", "solver.time_limit", "above 0"),
    ("seed = 0", "seed = 9223372036854775807", "solver.seed", f"0 to {MAX_SEED:,}"),
    ("workers = 2", "workers = 100000", "solver.workers", "1 to 256"),
])
def test_out_of_range_settings_are_refused_naming_key_and_range(
        make_case: CaseMaker, old: str, new: str, field: str, says: str) -> None:
    problems = _problems(make_case({"rules.toml": replace_line(old, new)}))
    assert len(problems) == 1, problems
    assert f"field '{field}'" in problems[0] and says in problems[0], problems[0]


@pytest.mark.parametrize(("old", "new", "field", "says"), [
    # 1e11 is a float in TOML: it was refused as "should be a int", with no range to give.
    ("months = 12", "months = 1e11", "horizon.months",
     "100000000000.0 is not a whole number: give 1 to 360 months"),
    ("months = 12", 'months = "twelve"', "horizon.months",
     "'twelve' is not a whole number: give 1 to 360 months"),
    ("months = 12", "months = true", "horizon.months", "true is not a whole number"),
    ("months = 3", "months = 1.5", "deployment.months",
     "1.5 is not a whole number: give 1 to the horizon's months"),
    ("seed = 0", "seed = 0.5", "solver.seed", "0.5 is not a whole number: give 0 to 2,147,483,647"),
    ("unmet_demand = 1000", "unmet_demand = 1e3", "weights.unmet_demand",
     "1000.0 is not a whole number: give 0 to 1,000,000"),
    ("time_limit = 10", 'time_limit = "1m"', "solver.time_limit",
     "'1m' is not a number: give seconds above 0 and at most 604,800 (a week)"),
    ('start = "2026-01"', "start = 2026-01-01", "horizon.start",
     '2026-01-01 is a date, not a month: write the month as text in double quotes, '
     'e.g. start = "2026-01"'),
    ('name = "Tiny test case"', "name = 7", "name",
     "7 is not text: write it in double quotes"),
    ("months = 12", "months = 12\nallow_past_end = 1", "horizon.allow_past_end",
     "1 is not true or false"),
    ("min_rest_months = 3", "min_rest_months = 3\nmax_per_officer = [2]",
     "deployment.max_per_officer", "a list is not a whole number: give 0 to 360"),
])
def test_a_value_of_the_wrong_kind_is_named_in_words_with_its_range(
        make_case: CaseMaker, old: str, new: str, field: str, says: str) -> None:
    problems = _problems(make_case({"rules.toml": replace_line(old, new)}))
    assert len(problems) == 1, problems
    assert f"field '{field}'" in problems[0] and says in problems[0], problems[0]
    assert not any(f"a {kind}" in problems[0] for kind in ("int", "float", "str", "bool"))


@pytest.mark.parametrize(("line", "field", "says"), [
    ("travel_minutes = 5000", "calendar.travel_minutes",
     "5000 is out of range: give 1 to 2,880 minutes"),
    ("handover_days = -1", "calendar.handover_days", "-1 is negative: give 0 to 14 days"),
    ('home_timezone = 9', "calendar.home_timezone",
     'is not text: write it in double quotes, e.g. home_timezone = "Asia/Seoul"'),
    ('[output]\nlanguage = 1', "output.language", 'e.g. language = "en"'),
])
def test_calendar_and_output_values_name_what_was_read(
        make_case: CaseMaker, line: str, field: str, says: str) -> None:
    text = line if line.startswith("[") else f"[calendar]\n{line}"
    (problem,) = _problems(make_case({"rules.toml": add_lines(text)}))
    assert f"field '{field}'" in problem and says in problem, problem


@pytest.mark.parametrize(("line", "field"), [
    ("work_limit = inf", "solver.work_limit"),
    ("work_limit = 0", "solver.work_limit"),
])
def test_an_out_of_range_work_limit_is_refused(make_case: CaseMaker, line: str, field: str
                                               ) -> None:
    case = make_case({"rules.toml": replace_line("workers = 2", f"workers = 2\n{line}")})
    (problem,) = _problems(case)
    assert f"field '{field}'" in problem


def test_a_retention_of_centuries_is_refused(make_case: CaseMaker) -> None:
    """It passed 'check', then the export raised and the feed answered 500 forever."""
    case = make_case({"rules.toml": add_lines("[calendar]",
                                              "cancelled_retention_days = 99999999999")})
    (problem,) = _problems(case)
    assert "calendar.cancelled_retention_days" in problem
    assert f"0 to {MAX_RETENTION_DAYS:,} days" in problem


def test_rules_nested_thousands_deep_are_refused(make_case: CaseMaker) -> None:
    deep = "[" * 5000 + "]" * 5000
    (problem,) = _problems(make_case({"rules.toml": add_lines(f"nested = {deep}")}))
    assert "rules.toml" in problem and "nested too deeply" in problem


def test_settings_at_their_bounds_are_accepted() -> None:
    SolverSettings(time_limit=604_800.0, seed=MAX_SEED, workers=256, work_limit=1e7)
    CalendarSettings(cancelled_retention_days=MAX_RETENTION_DAYS)
    with pytest.raises(InvalidObject):
        SolverSettings(time_limit=math.nan)


@pytest.mark.parametrize(("option", "value"), [
    ("--time-limit", "nan"), ("--time-limit", "inf"), ("--time-limit", "0"),
    ("--seed", str(2**63 - 1)), ("--seed", "-1"), ("--workers", "0"),
    ("--work-limit", "nan"),
])
def test_out_of_range_options_exit_2_before_anything_is_written(
        tiny_case: Path, tmp_path: Path, option: str, value: str,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from rotation.cli import main

    db = tmp_path / "plans.db"
    monkeypatch.setattr(sys, "argv", ["rotation", "solve", str(tiny_case), option, value,
                                      "--db", f"sqlite:///{db}"])
    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert f"field '{option}'" in err and ("out of range" in err or "negative" in err)
    assert not db.exists()
