"""Cases in Excel workbooks: one workbook with a sheet per table, or workbooks beside CSV files
in a folder; problems named by workbook, sheet, row and column letter; the template.

The property test writes random cases both ways, as a folder of CSV files and as a workbook
typed the way a planner types one (dates as Excel dates, months as text or as a first day),
and asks that both load to the instance written.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from rotation.domain import (
    CalendarSettings,
    Credential,
    Instance,
    OutputSettings,
    SolverSettings,
    Weights,
)
from rotation.errors import InputError, Problem
from rotation.excel import Sheet, write_workbook
from rotation.io import _RULE_KEYS, load_case, read_case
from rotation.template import write_template
from tests.case_files import tables, write_csv_case, write_xlsx_case
from tests.test_properties import instances

# ---------------------------------------------------------------------------------------------
# helpers


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(InputError) as info:
        load_case(path)
    return info.value.problems


def only(path: Path) -> Problem:
    found = problems_of(path)
    assert len(found) == 1, "\n".join(map(str, found))
    return found[0]


@pytest.fixture
def tiny(tiny_case: Path) -> Instance:
    return load_case(tiny_case)


@pytest.fixture
def book(tiny: Instance, tmp_path: Path) -> Path:
    """The tiny case as one workbook."""
    return write_xlsx_case(tiny, tmp_path / "tiny.xlsx")


def edit(path: Path, sheet: str, cell: str, value: object) -> Path:
    wb = load_workbook(path)
    wb[sheet][cell] = value
    wb.save(path)
    return path


# ---------------------------------------------------------------------------------------------
# a case in a workbook


def test_one_workbook_is_a_case(tiny: Instance, book: Path) -> None:
    loaded = read_case(book)
    assert loaded.instance == tiny
    reads = dict(loaded.reads)
    assert reads["sheet 'rules'"] == "the rules"
    assert reads["sheet 'officers'"] == "5 rows"
    assert reads["sheet 'sessions'"] == "0 rows"


def test_a_folder_may_mix_workbooks_and_csv_files(tiny_case: Path, tiny: Instance,
                                                  tmp_path: Path) -> None:
    case = shutil.copytree(tiny_case, tmp_path / "mixed")
    rows = tables(tiny)
    (case / "officers.csv").unlink()
    (case / "history.csv").unlink()
    write_workbook(case / "officers.xlsx", [Sheet("Sheet1", ("id", "name", "rank", "specialties",
                                                             "home_unit", "preferences"),
                                                  tuple(rows["officers"]))])
    write_workbook(case / "more.xlsx", [Sheet("History", ("officer", "posting", "start", "end"),
                                              tuple(rows["history"])),
                                        Sheet("notes", ("anything",), (("kept aside",),)),
                                        Sheet("Sheet3", ())])
    loaded = read_case(case)
    assert loaded.instance == tiny
    reads = dict(loaded.reads)
    assert reads["officers.xlsx, sheet 'Sheet1'"] == "5 rows"
    assert reads["more.xlsx, sheet 'History'"] == "2 rows"


def test_problems_name_the_workbook_sheet_row_and_column_letter(book: Path) -> None:
    edit(book, "officers", "C4", "captain")
    problem = only(book)
    assert (problem.file, problem.sheet, problem.row, problem.column, problem.field) == (
        str(book), "officers", 4, "C", "rank")
    assert str(problem).startswith(f"{book}, sheet 'officers', row 4, column C 'rank': "
                                   "'captain' is not a rank")


def test_problems_found_across_tables_name_the_cell_too(book: Path) -> None:
    edit(book, "demand", "A4", "BAV")
    problem = only(book)
    assert (problem.sheet, problem.row, problem.column, problem.field) == (
        "demand", 4, "A", "posting")
    assert "unknown posting 'BAV'" in problem.message


def test_dates_typed_as_excel_dates_are_read_as_dates(book: Path) -> None:
    wb = load_workbook(book)
    assert wb["history"]["C2"].is_date  # written as an Excel date, not as text
    edit(book, "history", "D2", "2026-01-31")  # and a date typed as text reads the same
    assert load_case(book).officer_by_id["K-0005"].history[0].end == date(2026, 1, 31)


def test_a_month_excel_turned_into_a_date_is_read_as_the_month(tiny: Instance, tmp_path: Path
                                                               ) -> None:
    path = write_xlsx_case(tiny, tmp_path / "months.xlsx", months_as_dates=True)
    assert load_workbook(path)["demand"]["B2"].is_date
    assert load_case(path) == tiny


def test_a_day_where_a_month_belongs_is_one_problem(book: Path) -> None:
    edit(book, "demand", "C2", date(2026, 6, 30))
    problem = only(book)
    assert (problem.sheet, problem.row, problem.column) == ("demand", 2, "C")
    assert "is a day, not a month" in problem.message


def test_a_value_beyond_the_header_is_one_problem(book: Path) -> None:
    edit(book, "officers", "H3", "surplus")
    problem = only(book)
    assert (problem.sheet, problem.row, problem.column) == ("officers", 3, "H")
    assert "has a value in column H, which has no name" in problem.message


def test_a_sheet_that_names_no_table_is_one_problem(book: Path) -> None:
    wb = load_workbook(book)
    wb["certificates"].title = "certificate"
    wb.save(book)
    problem = only(book)
    assert (problem.file, problem.sheet) == (str(book), "certificate")
    assert problem.message == "is not a table of a case; did you mean 'certificates'?"


def test_a_missing_sheet_is_one_problem(book: Path) -> None:
    wb = load_workbook(book)
    del wb["officers"]
    wb.save(book)
    problem = only(book)
    assert problem.message.startswith("has no sheet 'officers'")


def test_a_table_given_twice_is_one_problem(tiny_case: Path, tiny: Instance) -> None:
    write_workbook(tiny_case / "officers.xlsx",
                   [Sheet("officers", ("id", "name", "rank"), (("K-0001", "Kim", "inspector"),))])
    problem = only(tiny_case)
    assert "officers is given twice" in problem.message
    assert "officers.csv" in problem.message and "officers.xlsx" in problem.message


def test_a_file_that_is_no_workbook_is_one_problem(tiny_case: Path) -> None:
    (tiny_case / "officers.csv").unlink()
    (tiny_case / "officers.xlsx").write_text("id,name,rank\n", encoding="utf-8")
    problem = only(tiny_case)
    assert problem.file == str(tiny_case / "officers.xlsx")
    assert "cannot be read as an Excel workbook" in problem.message


def test_rules_problems_name_the_row_of_their_key(book: Path) -> None:
    wb = load_workbook(book)
    rows = {row[0].value: row[0].row for row in wb["rules"].iter_rows()}
    edit(book, "rules", f"B{rows['horizon.months']}", "twelve")
    problem = only(book)
    assert (problem.sheet, problem.row, problem.column, problem.field) == (
        "rules", rows["horizon.months"], "B", "horizon.months")
    assert "'twelve' is not a whole number: give 1 to 360 months" in problem.message


def test_a_rules_value_typed_as_text_reads_as_the_number(tiny: Instance, book: Path) -> None:
    wb = load_workbook(book)
    rows = {row[0].value: row[0].row for row in wb["rules"].iter_rows()}
    edit(book, "rules", f"B{rows['horizon.months']}", "12")
    assert load_case(book) == tiny


# ---------------------------------------------------------------------------------------------
# the template


def test_the_template_is_a_valid_case_with_one_example_row_per_sheet(tmp_path: Path) -> None:
    path = tmp_path / "case.xlsx"
    write_template(path)
    loaded = read_case(path)
    assert loaded.warnings == ()
    assert {what for where, what in loaded.reads if where != "sheet 'rules'"} == {"1 row"}
    officer = loaded.instance.officers[0]
    assert officer.certificates == (
        Credential("passport", 0, date(2024, 5, 2), date(2034, 5, 1)),)
    wb = load_workbook(path)
    assert wb.sheetnames == ["rules", "officers", "postings", "demand", "courses", "sessions",
                             "certificates", "completed_courses", "unavailability", "history"]
    ranks = [v for v in wb["officers"].data_validations.dataValidation if "C2" in v.sqref]
    assert ranks and "경사" in ranks[0].formula1
    levels = [v for v in wb["certificates"].data_validations.dataValidation if "C2" in v.sqref]
    assert levels and (levels[0].type, levels[0].formula1, levels[0].formula2) == (
        "whole", "1", "5")


def test_the_template_gives_every_key_the_rules_loader_knows(tmp_path: Path) -> None:
    # The rules sheet promises every key at its default, so that a planner sees what can be
    # set; a key left out (output.language was) can only be found in the documentation.
    path = tmp_path / "case.xlsx"
    write_template(path)
    keys = [row[0] for row in load_workbook(path)["rules"].iter_rows(min_row=2, values_only=True)
            if row[0]]
    known = {f"{section}.{key}" if section else key
             for section, names in _RULE_KEYS.items() for key in names
             if not (section == "" and key in _RULE_KEYS)}
    assert len(keys) == len(set(keys))
    assert set(keys) == known
    loaded = load_case(path)
    assert loaded.output == OutputSettings()
    assert loaded.solver == SolverSettings()
    assert loaded.calendar == CalendarSettings()
    assert loaded.rules.weights == Weights()
    assert (loaded.rules.allow_past_end, loaded.rules.max_deployments) == (False, None)


@pytest.mark.parametrize("typed", ["true", "TRUE", True])
def test_a_rules_sheet_turns_on_the_rolling_horizon(tmp_path: Path, typed: object) -> None:
    # A cell holds no TOML boolean: the word typed in the text-formatted value column, or
    # Excel's own boolean, which reads as yes.
    path = tmp_path / "case.xlsx"
    write_template(path)
    rows = {row[0].value: row[0].row for row in load_workbook(path)["rules"].iter_rows()}
    edit(path, "rules", f"B{rows['horizon.allow_past_end']}", typed)
    assert load_case(path).rules.allow_past_end is True
    edit(path, "rules", f"B{rows['horizon.allow_past_end']}", "maybe")
    assert "'maybe' is not true or false" in str(only(path))


def test_the_template_checks_a_postings_priority_as_it_is_typed(tmp_path: Path) -> None:
    path = tmp_path / "case.xlsx"
    write_template(path)
    sheet = load_workbook(path)["postings"]
    letter = next(c.column_letter for c in sheet[1] if c.value == "priority")
    found = [v for v in sheet.data_validations.dataValidation if f"{letter}2" in v.sqref]
    assert found and (found[0].type, found[0].formula1, found[0].formula2) == (
        "whole", "1", "100")


def test_the_template_never_replaces_a_file(tmp_path: Path) -> None:
    path = tmp_path / "case.xlsx"
    path.write_text("mine", encoding="utf-8")
    with pytest.raises(InputError, match="already exists"):
        write_template(path)
    assert path.read_text(encoding="utf-8") == "mine"
    with pytest.raises(InputError, match=r"ending in \.xlsx"):
        write_template(tmp_path / "case.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case.xlsx"]


# ---------------------------------------------------------------------------------------------
# the same case both ways

TEXT = st.text(st.sampled_from('abc XYZ,;"\'-김민준ភាសា.'), min_size=1, max_size=12).map(
    str.strip).filter(bool)


@st.composite
def written_cases(draw: st.DrawFn) -> Instance:
    """Random valid instances with text a spreadsheet holds (commas, quotes, semicolons,
    Korean and Khmer), credentials without levels, and postings that require them."""
    inst = draw(instances(sessions=(0, 2)))
    officers = []
    for o in inst.officers:
        extra = (Credential("passport", 0, date(2020, 1, 1), date(2030, 12, 31)),) if draw(
            st.booleans()) else ()
        # A fact given twice is read once (with a warning): write each one once.
        officers.append(replace(
            o, name=draw(TEXT), home_unit=draw(st.just("") | TEXT),
            certificates=tuple(dict.fromkeys(o.certificates + extra)),
            courses=tuple(dict.fromkeys(o.courses)),
            unavailability=tuple(replace(u, reason=draw(st.just("") | TEXT))
                                 for u in dict.fromkeys(o.unavailability))))
    postings = [replace(p, name=draw(TEXT), required_credentials=(("passport", 0),)
                        if draw(st.booleans()) else ()) for p in inst.postings]
    sessions = [replace(q, location=draw(st.just("") | TEXT)) for q in inst.sessions]
    return replace(inst, name=draw(TEXT), officers=tuple(officers), postings=tuple(postings),
                   sessions=tuple(sessions))


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
@given(inst=written_cases(), months_as_dates=st.booleans())
def test_a_case_written_as_csv_and_as_xlsx_loads_to_the_same_instance(
    inst: Instance, months_as_dates: bool, tmp_path_factory: pytest.TempPathFactory
) -> None:
    home = tmp_path_factory.mktemp("both")
    from_csv = load_case(write_csv_case(inst, home / "csv"))
    from_xlsx = load_case(write_xlsx_case(inst, home / "case.xlsx", months_as_dates))
    assert from_csv == from_xlsx == inst


def test_rules_problems_name_the_value_column_wherever_it_is(tiny: Instance, tmp_path: Path
                                                             ) -> None:
    path = write_xlsx_case(tiny, tmp_path / "case.xlsx")
    wb = load_workbook(path)
    wb["rules"].insert_cols(1)
    wb["rules"]["A1"] = "notes"
    for row in wb["rules"].iter_rows(min_row=2):
        if row[1].value == "deployment.months":
            row[2].value = 0
            number = row[2].row
    wb.save(path)
    problem = only(path)
    assert (problem.sheet, problem.row, problem.column, problem.field) == (
        "rules", number, "C", "deployment.months")
