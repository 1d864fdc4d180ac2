"""The case loader: a valid case loads, and each kind of bad input is reported with file, row
and field.

Rows are counted the way a spreadsheet shows them: the header is row 1, the first data row row 2.
Problems that concern a whole file (missing file, rules.toml keys) carry no row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from rotation.domain import Credential, requirements
from rotation.errors import InputError, Problem
from rotation.io import load_case, read_case
from tests.conftest import TINY_FILES, CaseMaker, Change, add_lines, replace_line

# ---------------------------------------------------------------------------------------------
# helpers


def problems_of(case: Path) -> list[Problem]:
    with pytest.raises(InputError) as info:
        load_case(case)
    found = info.value.problems
    assert found, "InputError without problems"
    # The exception's text lists every problem too, since that is what the CLI prints.
    for p in found:
        assert str(p) in str(info.value)
    return found


def listing(found: list[Problem]) -> str:
    return "\n".join(f"  {p}" for p in found)


def the_problem(
    found: list[Problem], case: Path, file: str, row: int | None, field: str, *words: str
) -> Problem:
    """The one problem at ``file``/``row``/``field``; its message must contain every word."""
    at = [
        p for p in found
        if Path(p.file) == case / file and p.row == row and p.field == field
    ]
    assert len(at) == 1, (
        f"expected one problem at {file} row {row} field {field!r}; got:\n{listing(found)}"
    )
    message = at[0].message.lower()
    for word in words:
        assert word.lower() in message, f"{word!r} not in {at[0].message!r}"
    return at[0]


def only_problem(
    case: Path, file: str, row: int | None, field: str, *words: str
) -> Problem:
    """Load ``case`` and expect exactly one problem, at ``file``/``row``/``field``."""
    found = problems_of(case)
    problem = the_problem(found, case, file, row, field, *words)
    assert len(found) == 1, f"expected only one problem; got:\n{listing(found)}"
    return problem


OFFICERS_HEADER = "id,name,rank,specialties,home_unit,preferences"
POSTINGS_HEADER = (
    "id,name,timezone,hardship,min_khmer_level,required_courses,min_supervisors,min_specialists"
)
PNH = "PNH,Phnom Penh,Asia/Phnom_Penh,1,1,khmer-intensive,0,"
SHV = "SHV,Sihanoukville,Asia/Phnom_Penh,2,0,,0,"
# Officer and posting rows that fail their own checks are tested on a new row that nothing else
# refers to (old = None below): a bad row that other tables refer to also yields false
# unknown-reference problems, which test_a_bad_row_does_not_cause_false_unknown_reference_problems
# reports.


def edit(old: str | None, new: str) -> Callable[[str], str]:
    """Replace the line ``old`` by ``new``, or append ``new`` as a new last row if ``old`` is None.
    """
    return add_lines(new) if old is None else replace_line(old, new)


# ---------------------------------------------------------------------------------------------
# valid input


def test_valid_case_loads(tiny_case: Path) -> None:
    inst = load_case(tiny_case)

    assert inst.name == "Tiny test case"
    assert inst.rules.start == date(2026, 1, 1)
    assert inst.rules.months == 12
    assert inst.rules.deployment_months == 3
    assert inst.rules.min_rest_months == 3
    assert inst.rules.fairness_target == 6
    assert inst.solver.time_limit == 10.0
    assert inst.solver.workers == 2

    assert [o.id for o in inst.officers] == ["K-0001", "K-0002", "K-0003", "K-0004", "K-0005"]
    assert [p.id for p in inst.postings] == ["PNH", "SHV"]
    assert {c.id for c in inst.courses} == {"khmer-intensive", "cultural-sensitivity"}
    assert len(inst.demands) == 3

    kim = inst.officer_by_id["K-0001"]
    assert kim.rank == "inspector" and kim.is_supervisor
    assert kim.specialties == frozenset({"cyber"})
    assert kim.preferences == ("PNH",)
    assert kim.certificates[0].level == 2
    assert kim.certificates[0].valid_until is None  # blank = does not expire
    assert kim.courses[0].expires_on is None
    assert inst.officer_by_id["K-0002"].preferences == ("PNH", "SHV")
    assert inst.officer_by_id["K-0003"].specialties == frozenset({"cyber", "financial"})
    assert inst.officer_by_id["K-0003"].source is not None
    assert inst.officer_by_id["K-0003"].source.row == 4
    assert inst.officer_by_id["K-0004"].unavailability[0].reason == "parental leave"
    assert inst.officer_by_id["K-0005"].history[0].posting == "SHV"

    pnh = inst.posting_by_id["PNH"]
    assert pnh.required_courses == frozenset({"khmer-intensive"})
    assert pnh.min_khmer_level == 1
    assert inst.posting_by_id["SHV"].min_specialists == ()
    assert inst.demand("PNH", 0) == (1, 2)
    assert inst.demand("PNH", 6) == (1, 1)
    # K-0005's past deployment runs into January 2026, so it counts at SHV in month 0.
    assert inst.carried_over[("SHV", 0)] == ("K-0005",)


def test_missing_optional_files_mean_empty_tables(make_case: CaseMaker) -> None:
    case = make_case(
        {"certificates.csv": None, "unavailability.csv": None, "history.csv": None,
         "postings.csv": "\n".join([POSTINGS_HEADER, "PNH,Phnom Penh,Asia/Phnom_Penh,1,0,,0,",
                                    SHV]) + "\n",
         "completed_courses.csv": None, "courses.csv": None}
    )
    inst = load_case(case)
    assert inst.courses == ()
    assert all(not o.certificates and not o.history and not o.unavailability and not o.courses
               for o in inst.officers)


def test_spreadsheet_csv_with_bom_and_crlf_loads_the_same(
    tiny_case: Path, make_case: CaseMaker
) -> None:
    """Excel's "CSV UTF-8" adds a byte order mark and writes CRLF line ends."""

    def excel(text: str) -> str:
        return "\ufeff" + text.replace("\n", "\r\n")

    case = make_case({name: excel for name in ("officers.csv", "postings.csv", "demand.csv",
                                                 "certificates.csv", "history.csv")})
    assert load_case(case) == load_case(tiny_case)


def test_cells_are_trimmed_and_blank_rows_skipped(tiny_case: Path, make_case: CaseMaker) -> None:
    case = make_case(
        {"demand.csv": "posting , from,to ,min,max\n"
                       " PNH ,2026-01 , 2026-06,1 , 2\n"
                       ",,,,\n"
                       "PNH,2026-07,2026-12,1,1\n"
                       "SHV,2026-01,2026-12,1,1\n"}
    )
    assert load_case(case).demands == load_case(tiny_case).demands


# ---------------------------------------------------------------------------------------------
# missing files and columns


@pytest.mark.parametrize("name", ["rules.toml", "officers.csv", "postings.csv", "demand.csv"])
def test_missing_required_file(make_case: CaseMaker, name: str) -> None:
    case = make_case({name: None})
    found = problems_of(case)
    the_problem(found, case, name, None, "", "missing")


def test_folder_that_does_not_exist(tmp_path: Path) -> None:
    found = problems_of(tmp_path / "nowhere")
    assert len(found) == 1
    assert found[0].file == str(tmp_path / "nowhere")
    assert "does not exist" in found[0].message


@pytest.mark.parametrize(
    ("file", "text", "column"),
    [
        ("officers.csv", "id,name,specialties\nK-0001,Kim Min-jun,cyber\n", "rank"),
        ("demand.csv", "posting,from,to,min\nPNH,2026-01,2026-12,1\n", "max"),
        ("history.csv", "officer,posting,start\nK-0005,SHV,2025-11-01\n", "end"),
        ("postings.csv", "id,name,hardship\nPNH,Phnom Penh,1\n", "timezone"),
    ],
)
def test_missing_column(make_case: CaseMaker, file: str, text: str, column: str) -> None:
    # One message for the file, and none of the rows that refer to its ids (every officer, or
    # posting) is reported as unknown.
    case = make_case({file: text})
    only_problem(case, file, 1, column, f"column '{column}' is missing", "it must have")


def test_unknown_column(make_case: CaseMaker) -> None:
    case = make_case({"courses.csv": "id,name,hours\nkhmer-intensive,Khmer,40\n"
                                     "cultural-sensitivity,Culture,8\n"})
    only_problem(case, "courses.csv", 1, "hours", "unknown column")


def test_row_with_more_cells_than_the_header(make_case: CaseMaker) -> None:
    case = make_case({"officers.csv": add_lines("K-0006,Han Ji-min,officer,,,,surplus")})
    only_problem(case, "officers.csv", 7, "", "has 7 fields where the header has 6", "quotes")


def test_empty_required_cell(make_case: CaseMaker) -> None:
    case = make_case({"officers.csv": add_lines("K-0006,,officer,,,")})
    only_problem(case, "officers.csv", 7, "name", "empty")


# ---------------------------------------------------------------------------------------------
# dates, months and numbers


@pytest.mark.parametrize(
    ("file", "old", "new", "row", "field", "raw"),
    [
        ("unavailability.csv", "K-0002,2026-09-01,2026-09-10,court testimony",
         "K-0002,2026-09-31,2026-09-10,court testimony", 3, "from", "2026-09-31"),
        ("completed_courses.csv", "K-0002,khmer-intensive,2025-10-01,2028-10-01",
         "K-0002,khmer-intensive,01/10/2025,2028-10-01", 3, "completed_on", "01/10/2025"),
        ("certificates.csv", "K-0003,khmer,1,2025-06-01,2027-05-31",
         "K-0003,khmer,1,2025-06-01,someday", 4, "valid_until", "someday"),
        ("history.csv", "K-0003,PNH,2024-03-01,2024-08-31",
         "K-0003,PNH,2024-03,2024-08-31", 3, "start", "2024-03"),
    ],
)
def test_bad_date(
    make_case: CaseMaker, file: str, old: str, new: str, row: int, field: str, raw: str
) -> None:
    case = make_case({file: edit(old, new)})
    only_problem(case, file, row, field, f"'{raw}' is not a date", "YYYY-MM-DD")


@pytest.mark.parametrize(
    ("new", "field", "raw"),
    [
        ("PNH,2026-13,2026-12,1,1", "from", "2026-13"),
        ("PNH,2026-7,2026-12,1,1", "from", "2026-7"),
        ("PNH,2026-07,2026-12-31,1,1", "to", "2026-12-31"),
        ("PNH,July 2026,2026-12,1,1", "from", "July 2026"),
    ],
)
def test_bad_month_in_demand(make_case: CaseMaker, new: str, field: str, raw: str) -> None:
    case = make_case({"demand.csv": replace_line("PNH,2026-07,2026-12,1,1", new)})
    only_problem(case, "demand.csv", 3, field, f"'{raw}' is not a month", "YYYY-MM")


def test_bad_month_in_rules(make_case: CaseMaker) -> None:
    case = make_case({"rules.toml": replace_line('start = "2026-01"', 'start = "January 2026"')})
    only_problem(case, "rules.toml", None, "horizon.start", "not a month")


@pytest.mark.parametrize(
    ("file", "old", "new", "row", "field", "raw"),
    [
        ("postings.csv", None, "BTB,Battambang,Asia/Phnom_Penh,high,0,,0,", 4, "hardship",
         "high"),
        ("postings.csv", None, "BTB,Battambang,Asia/Phnom_Penh,3,0,,1.5,", 4,
         "min_supervisors", "1.5"),
        ("demand.csv", "SHV,2026-01,2026-12,1,1", "SHV,2026-01,2026-12,one,1", 4, "min", "one"),
        ("certificates.csv", "K-0002,khmer,3,2025-03-01,2028-02-28",
         "K-0002,khmer,B2,2025-03-01,2028-02-28", 3, "level", "B2"),
    ],
)
def test_non_integer(
    make_case: CaseMaker, file: str, old: str | None, new: str, row: int, field: str, raw: str
) -> None:
    case = make_case({file: edit(old, new)})
    only_problem(case, file, row, field, f"'{raw}' is not a whole number")


def test_non_integer_in_rules(make_case: CaseMaker) -> None:
    case = make_case({"rules.toml": replace_line("months = 12", 'months = "twelve"')})
    only_problem(case, "rules.toml", None, "horizon.months", "'twelve'", "not a whole number")


def test_bad_specialist_count(make_case: CaseMaker) -> None:
    case = make_case({"postings.csv": add_lines("BTB,Battambang,Asia/Phnom_Penh,3,0,,0,"
                                                "cyber:two")})
    only_problem(case, "postings.csv", 4, "min_specialists", "cyber:two", "specialty:count")


# ---------------------------------------------------------------------------------------------
# references between tables


def test_unknown_posting_in_demand(make_case: CaseMaker) -> None:
    case = make_case({"demand.csv": add_lines("BAV,2026-01,2026-12,1,1")})
    only_problem(case, "demand.csv", 5, "posting", "unknown posting 'BAV'")


def test_unknown_posting_in_history(make_case: CaseMaker) -> None:
    case = make_case({"history.csv": replace_line("K-0003,PNH,2024-03-01,2024-08-31",
                                                  "K-0003,BAV,2024-03-01,2024-08-31")})
    only_problem(case, "history.csv", 3, "posting", "unknown posting 'BAV'", "K-0003")


def test_unknown_posting_in_preferences(make_case: CaseMaker) -> None:
    case = make_case({"officers.csv": replace_line(
        "K-0002,Lee Seo-yeon,sergeant,,Busan Financial Crime Unit,PNH;SHV",
        "K-0002,Lee Seo-yeon,sergeant,,Busan Financial Crime Unit,PNH;BAV",
    )})
    only_problem(case, "officers.csv", 3, "preferences", "unknown posting 'BAV'", "K-0002")


def test_unknown_course_in_required_courses(make_case: CaseMaker) -> None:
    case = make_case({"postings.csv": replace_line(
        PNH, "PNH,Phnom Penh,Asia/Phnom_Penh,1,1,khmer-intensive;scuba-diving,0,"
    )})
    only_problem(case, "postings.csv", 2, "required_courses", "unknown course 'scuba-diving'")


def test_unknown_course_in_completed_courses(make_case: CaseMaker) -> None:
    case = make_case({"completed_courses.csv": replace_line(
        "K-0004,cultural-sensitivity,2025-05-01,", "K-0004,scuba-diving,2025-05-01,"
    )})
    only_problem(case, "completed_courses.csv", 5, "course", "unknown course 'scuba-diving'")


@pytest.mark.parametrize(
    ("file", "line", "row"),
    [
        ("certificates.csv", "K-9999,khmer,2,2025-01-01,", 5),
        ("completed_courses.csv", "K-9999,khmer-intensive,2025-01-01,", 6),
        ("unavailability.csv", "K-9999,2026-01-01,2026-01-31,leave", 4),
        ("history.csv", "K-9999,PNH,2025-01-01,2025-03-31", 4),
    ],
)
def test_unknown_officer_in_a_sub_table(
    make_case: CaseMaker, file: str, line: str, row: int
) -> None:
    case = make_case({file: add_lines(line)})
    only_problem(case, file, row, "officer", "unknown officer 'K-9999'")


def test_duplicate_officer_id(make_case: CaseMaker) -> None:
    case = make_case({"officers.csv": add_lines("K-0003,Han Ji-min,officer,,,")})
    only_problem(case, "officers.csv", 7, "id", "duplicate officer id 'K-0003'")


def test_duplicate_posting_and_course_ids(make_case: CaseMaker) -> None:
    case = make_case({
        "postings.csv": add_lines("SHV,Sihanoukville again,Asia/Phnom_Penh,2,0,,0,"),
        "courses.csv": add_lines("khmer-intensive,Khmer again"),
    })
    found = problems_of(case)
    the_problem(found, case, "postings.csv", 4, "id", "duplicate posting id 'SHV'")
    the_problem(found, case, "courses.csv", 4, "id", "duplicate course id 'khmer-intensive'")
    assert len(found) == 2, listing(found)


# ---------------------------------------------------------------------------------------------
# values out of range


def test_min_above_max(make_case: CaseMaker) -> None:
    case = make_case({"demand.csv": replace_line("SHV,2026-01,2026-12,1,1",
                                                 "SHV,2026-01,2026-12,3,2")})
    only_problem(case, "demand.csv", 4, "max", "below min")


@pytest.mark.parametrize(
    ("file", "old", "new", "row", "field"),
    [
        ("certificates.csv", "K-0002,khmer,3,2025-03-01,2028-02-28",
         "K-0002,khmer,6,2025-03-01,2028-02-28", 3, "level"),
        ("certificates.csv", "K-0002,khmer,3,2025-03-01,2028-02-28",
         "K-0002,khmer,0,2025-03-01,2028-02-28", 3, "level"),
        ("postings.csv", None, "BTB,Battambang,Asia/Phnom_Penh,3,6,,0,", 4, "min_khmer_level"),
        ("postings.csv", None, "BTB,Battambang,Asia/Phnom_Penh,9,0,,0,", 4, "hardship"),
    ],
)
def test_level_out_of_range(
    make_case: CaseMaker, file: str, old: str | None, new: str, row: int, field: str
) -> None:
    case = make_case({file: edit(old, new)})
    only_problem(case, file, row, field, "out of range")


@pytest.mark.parametrize(
    ("file", "old", "new", "row", "field"),
    [
        ("history.csv", "K-0003,PNH,2024-03-01,2024-08-31", "K-0003,PNH,2024-03-01,2024-02-28",
         3, "end"),
        ("unavailability.csv", "K-0004,2026-03-01,2026-04-15,parental leave",
         "K-0004,2026-03-01,2026-02-15,parental leave", 2, "to"),
        ("certificates.csv", "K-0003,khmer,1,2025-06-01,2027-05-31",
         "K-0003,khmer,1,2025-06-01,2025-05-31", 4, "valid_until"),
        ("demand.csv", "PNH,2026-07,2026-12,1,1", "PNH,2026-12,2026-07,1,1", 3, "to"),
    ],
)
def test_end_before_start(
    make_case: CaseMaker, file: str, old: str, new: str, row: int, field: str
) -> None:
    case = make_case({file: edit(old, new)})
    only_problem(case, file, row, field, "is before")


def test_course_expiring_before_completion(make_case: CaseMaker) -> None:
    case = make_case({"completed_courses.csv": replace_line(
        "K-0002,khmer-intensive,2025-10-01,2028-10-01",
        "K-0002,khmer-intensive,2025-10-01,2025-10-01",
    )})
    only_problem(case, "completed_courses.csv", 3, "expires_on", "not after")


def test_unknown_time_zone(make_case: CaseMaker) -> None:
    case = make_case({"postings.csv": add_lines("BTB,Battambang,Asia/Battambang,3,0,,0,")})
    only_problem(case, "postings.csv", 4, "timezone", "'Asia/Battambang'", "IANA")


def test_unknown_rank(make_case: CaseMaker) -> None:
    case = make_case({"officers.csv": add_lines("K-0006,Han Ji-min,captain,,,")})
    problem = only_problem(case, "officers.csv", 7, "rank", "'captain' is not a rank")
    assert "senior-superintendent" in problem.message  # says which ranks there are


def test_demand_outside_the_horizon(make_case: CaseMaker) -> None:
    case = make_case({"demand.csv": add_lines("SHV,2027-01,2027-06,1,1")})
    only_problem(case, "demand.csv", 5, "from", "outside the horizon")


# ---------------------------------------------------------------------------------------------
# rules.toml


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (replace_line("min_rest_months = 3", "min_rest_month = 3"), "deployment.min_rest_month"),
        (lambda text: 'titel = "typo"\n' + text, "titel"),
        (add_lines("", "[weight]", "preference = 3"), "weight"),
        (add_lines("time_limt = 5"), "solver.time_limt"),
    ],
)
def test_unknown_key_in_rules(make_case: CaseMaker, change: object, field: str) -> None:
    case = make_case({"rules.toml": change})
    problem = only_problem(case, "rules.toml", None, field, "unknown key")
    assert "expected one of" in problem.message


def test_rules_missing_required_key(make_case: CaseMaker) -> None:
    case = make_case({"rules.toml": replace_line("months = 12", "")})
    only_problem(case, "rules.toml", None, "horizon.months", "required")


def test_rules_not_toml(make_case: CaseMaker) -> None:
    case = make_case({"rules.toml": "[horizon\nstart = 2026-01\n"})
    only_problem(case, "rules.toml", None, "", "not valid TOML")


def test_rules_value_out_of_range(make_case: CaseMaker) -> None:
    case = make_case({"rules.toml": replace_line("months = 3", "months = 13")})
    only_problem(case, "rules.toml", None, "deployment.months", "longer than the horizon")


# ---------------------------------------------------------------------------------------------
# overlapping demand


def test_overlapping_demand_rows(make_case: CaseMaker) -> None:
    case = make_case({"demand.csv": replace_line("PNH,2026-07,2026-12,1,1",
                                                 "PNH,2026-06,2026-12,1,1")})
    only_problem(case, "demand.csv", 3, "from", "overlaps", "2026-01..2026-06")


def test_demand_rows_of_different_postings_may_share_months(tiny_case: Path) -> None:
    inst = load_case(tiny_case)  # PNH and SHV both have rows for 2026-01
    assert inst.demand("SHV", 0) == (1, 1)


def test_every_overlapping_demand_row_is_reported(make_case: CaseMaker) -> None:
    case = make_case({"demand.csv": "posting,from,to,min,max\n"
                                    "PNH,2026-01,2026-12,1,2\n"
                                    "PNH,2026-02,2026-03,1,1\n"
                                    "PNH,2026-05,2026-06,1,1\n"
                                    "SHV,2026-01,2026-12,1,1\n"})
    found = problems_of(case)
    the_problem(found, case, "demand.csv", 3, "from", "overlaps")
    the_problem(found, case, "demand.csv", 4, "from", "overlaps")


# ---------------------------------------------------------------------------------------------
# every problem in one run


def test_all_problems_across_files_are_reported_in_one_run(make_case: CaseMaker) -> None:
    case = make_case({
        "officers.csv": add_lines("K-0006,Han Ji-min,captain,,,",       # row 7: rank
                                  "K-0007,Seo Da-eun,officer,,,PNH;BAV"),  # row 8: preference
        "postings.csv": add_lines("BTB,Battambang,Mars/Olympus,1,0,,0,"),  # row 4: timezone
        "demand.csv": replace_line("PNH,2026-07,2026-12,1,1",
                                   "PNH,2026-07,2026-13,1,1"),             # row 3: month
        "certificates.csv": replace_line("K-0003,khmer,1,2025-06-01,2027-05-31",
                                         "K-0003,khmer,9,2025-06-01,2027-05-31"),  # row 4
        "completed_courses.csv": add_lines("K-0003,scuba-diving,2025-01-01,"),     # row 6
        "unavailability.csv": add_lines("K-0001,2026-02-30,2026-03-03,leave"),     # row 4
        "history.csv": add_lines("K-0004,XYZ,2025-01-01,2025-03-31"),              # row 4
    })
    found = problems_of(case)
    the_problem(found, case, "officers.csv", 7, "rank", "'captain'")
    the_problem(found, case, "officers.csv", 8, "preferences", "unknown posting 'BAV'")
    the_problem(found, case, "postings.csv", 4, "timezone", "'Mars/Olympus'")
    the_problem(found, case, "demand.csv", 3, "to", "'2026-13' is not a month")
    the_problem(found, case, "certificates.csv", 4, "level", "out of range")
    the_problem(found, case, "completed_courses.csv", 6, "course", "unknown course")
    the_problem(found, case, "unavailability.csv", 4, "from", "'2026-02-30' is not a date")
    the_problem(found, case, "history.csv", 4, "posting", "unknown posting 'XYZ'")
    assert len(found) == 8, listing(found)


def test_several_problems_in_one_row_are_all_reported(make_case: CaseMaker) -> None:
    case = make_case({"unavailability.csv": add_lines("K-9999,2026-02-30,yesterday,leave")})
    found = problems_of(case)
    the_problem(found, case, "unavailability.csv", 4, "officer", "unknown officer")
    the_problem(found, case, "unavailability.csv", 4, "from", "not a date")
    the_problem(found, case, "unavailability.csv", 4, "to", "not a date")
    assert len(found) == 3, listing(found)


def test_several_problems_in_rules_are_all_reported(make_case: CaseMaker) -> None:
    case = make_case({"rules.toml": lambda text: text.replace("min_rest_months", "rest_months")
                      .replace('start = "2026-01"', 'start = "2026-1"')
                      .replace("workers = 2", 'workers = "two"')})
    found = problems_of(case)
    the_problem(found, case, "rules.toml", None, "deployment.rest_months", "unknown key")
    the_problem(found, case, "rules.toml", None, "horizon.start", "not a month")
    the_problem(found, case, "rules.toml", None, "solver.workers", "'two'")
    assert len(found) == 3, listing(found)


def test_rules_problem_does_not_hide_table_problems(make_case: CaseMaker) -> None:
    case = make_case({
        "rules.toml": replace_line("min_rest_months = 3", "min_rest_month = 3"),
        "demand.csv": add_lines("BAV,2026-01,2026-12,1,1"),
    })
    found = problems_of(case)
    the_problem(found, case, "rules.toml", None, "deployment.min_rest_month", "unknown key")
    the_problem(found, case, "demand.csv", 5, "posting", "unknown posting 'BAV'")


@pytest.mark.parametrize(
    ("file", "old", "new", "row", "field"),
    [
        ("officers.csv", "K-0004,Choi Hae-won,officer,,Daegu Anti-Fraud Unit,SHV",
         "K-0004,Choi Hae-won,captain,,Daegu Anti-Fraud Unit,SHV", 5, "rank"),
        ("postings.csv", SHV, "SHV,Sihanoukville,Asia/Sihanoukville,2,0,,0,", 3, "timezone"),
    ],
)
def test_a_bad_row_does_not_cause_false_unknown_reference_problems(
    make_case: CaseMaker, file: str, old: str, new: str, row: int, field: str
) -> None:
    case = make_case({file: edit(old, new)})
    only_problem(case, file, row, field)


def test_row_numbers_count_blank_lines(make_case: CaseMaker) -> None:
    case = make_case({"officers.csv": "\n".join([
        OFFICERS_HEADER,
        "K-0001,Kim Min-jun,inspector,cyber,Seoul Cyber Unit,PNH",
        "K-0002,Lee Seo-yeon,sergeant,,Busan Financial Crime Unit,PNH;SHV",
        "",
        "K-0003,Park Ji-ho,senior-officer,cyber;financial,Incheon Cyber Unit,",
        "K-0004,Choi Hae-won,officer,,Daegu Anti-Fraud Unit,SHV",
        "K-0005,Jung Woo-jin,inspector,financial,Gwangju Police,",
        "K-0006,Han Ji-min,captain,,,",
    ]) + "\n"})
    only_problem(case, "officers.csv", 8, "rank", "'captain'")



# ---------------------------------------------------------------------------------------------
# training: courses.csv grants, sessions.csv and [training]

COURSES_WITH_GRANTS = """\
id,name,grants_language,grants_level,validity_months
khmer-intensive,Intensive Khmer language,Khmer,2,24
cultural-sensitivity,Cambodian cultural sensitivity,,,
"""
SESSIONS = """\
id,course,start,end,seats,location
KHM-2025-12,khmer-intensive,2025-12-01,2025-12-12,2,"PHRDI, Asan"
CUL-2026-02,cultural-sensitivity,2026-02-02,2026-02-06,0,
"""
KHM = 'KHM-2025-12,khmer-intensive,2025-12-01,2025-12-12,2,"PHRDI, Asan"'
KHMER_COURSE = "khmer-intensive,Intensive Khmer language,Khmer,2,24"
CULTURE_COURSE = "cultural-sensitivity,Cambodian cultural sensitivity,,,"


def training_case(make_case: CaseMaker, changes: dict[str, Change] | None = None) -> Path:
    """The tiny case with courses that grant and two sessions; ``changes`` (as for make_case)
    apply to those files."""
    base: dict[str, Change] = {"courses.csv": COURSES_WITH_GRANTS, "sessions.csv": SESSIONS}
    for name, change in (changes or {}).items():
        text = base.get(name)
        base[name] = change(text) if callable(change) and isinstance(text, str) else change
    return make_case(base)


def rules_with(*lines: str) -> Callable[[str], str]:
    """A rules.toml change that adds ``training = 7`` to [weights] and appends ``lines``."""

    def change(text: str) -> str:
        text = text.replace("preference = 5\n", "preference = 5\ntraining = 7\n")
        return add_lines(*lines)(text)

    return change


def test_courses_grants_and_sessions_load(make_case: CaseMaker) -> None:
    inst = load_case(training_case(make_case))
    khmer = inst.course_by_id["khmer-intensive"]
    assert (khmer.grants_credential, khmer.grants_level, khmer.validity_months) == ("khmer", 2, 24)
    culture = inst.course_by_id["cultural-sensitivity"]
    assert (culture.grants_credential, culture.grants_level, culture.validity_months) == (
        "", 0, None
    )
    first, second = inst.sessions
    assert (first.id, first.course, first.start, first.end, first.seats, first.location) == (
        "KHM-2025-12", "khmer-intensive", date(2025, 12, 1), date(2025, 12, 12), 2, "PHRDI, Asan"
    )
    assert first.source is not None and first.source.row == 2
    assert (second.seats, second.location) == (0, "")  # no seats is allowed, and no location


def test_training_defaults_without_sessions_or_training_keys(tiny_case: Path) -> None:
    inst = load_case(tiny_case)
    assert inst.sessions == ()
    assert inst.rules.training_lead_days == 14
    assert inst.rules.weights.training == 2
    assert all(c.validity_months is None and not c.grants_credential for c in inst.courses)


def test_training_keys_in_rules_load(make_case: CaseMaker) -> None:
    case = make_case({"rules.toml": rules_with("", "[training]", "min_days_before_deployment = 0")})
    inst = load_case(case)
    assert inst.rules.training_lead_days == 0
    assert inst.rules.weights.training == 7


@pytest.mark.parametrize(
    ("new", "field", "raw"),
    [
        ("KHM-2025-12,khmer-intensive,2025-12-32,2025-12-12,2,", "start", "2025-12-32"),
        ("KHM-2025-12,khmer-intensive,2025-12-01,12/12/2025,2,", "end", "12/12/2025"),
        ("KHM-2025-12,khmer-intensive,2025-12,2025-12-12,2,", "start", "2025-12"),
    ],
)
def test_bad_date_in_sessions(make_case: CaseMaker, new: str, field: str, raw: str) -> None:
    case = training_case(make_case, {"sessions.csv": replace_line(KHM, new)})
    only_problem(case, "sessions.csv", 2, field, f"'{raw}' is not a date", "YYYY-MM-DD")


def test_session_ending_before_it_starts(make_case: CaseMaker) -> None:
    case = training_case(make_case, {"sessions.csv": replace_line(
        KHM, "KHM-2025-12,khmer-intensive,2025-12-12,2025-12-01,2,"
    )})
    only_problem(case, "sessions.csv", 2, "end", "is before")


def test_unknown_course_in_a_session(make_case: CaseMaker) -> None:
    case = training_case(make_case, {"sessions.csv": add_lines(
        "SCUBA-1,scuba-diving,2026-03-02,2026-03-06,4,"
    )})
    problem = only_problem(case, "sessions.csv", 4, "course", "unknown course 'scuba-diving'")
    assert "SCUBA-1" in problem.message


@pytest.mark.parametrize(("seats", "words"), [("-1", ("-1", "negative")),
                                              ("two", ("'two' is not a whole number",)),
                                              ("", ("empty",))])
def test_bad_seats(make_case: CaseMaker, seats: str, words: tuple[str, ...]) -> None:
    case = training_case(make_case, {"sessions.csv": replace_line(
        KHM, f"KHM-2025-12,khmer-intensive,2025-12-01,2025-12-12,{seats},"
    )})
    only_problem(case, "sessions.csv", 2, "seats", *words)


def test_duplicate_session_id(make_case: CaseMaker) -> None:
    case = training_case(make_case, {"sessions.csv": add_lines(
        "KHM-2025-12,khmer-intensive,2026-03-02,2026-03-13,2,"
    )})
    only_problem(case, "sessions.csv", 4, "id", "duplicate session id 'KHM-2025-12'")


def test_sessions_missing_the_seats_column(make_case: CaseMaker) -> None:
    no_seats = "id,course,start,end\nKHM-2025-12,khmer-intensive,2025-12-01,2025-12-12\n"
    case = training_case(make_case, {"sessions.csv": no_seats})
    only_problem(case, "sessions.csv", 1, "seats", "column 'seats' is missing")


@pytest.mark.parametrize(
    "new",
    [
        "khmer-intensive,Intensive Khmer language,khmer,6,24",
        "khmer-intensive,Intensive Khmer language,khmer,0,24",
        "khmer-intensive,Intensive Khmer language,khmer,,24",  # a language without a level
    ],
)
def test_grants_level_out_of_range(make_case: CaseMaker, new: str) -> None:
    case = training_case(make_case, {"courses.csv": replace_line(KHMER_COURSE, new)})
    only_problem(case, "courses.csv", 2, "grants_level", "1 to 5")


def test_grants_level_without_grants_language(make_case: CaseMaker) -> None:
    case = training_case(make_case, {"courses.csv": replace_line(
        CULTURE_COURSE, "cultural-sensitivity,Cambodian cultural sensitivity,,2,"
    )})
    only_problem(case, "courses.csv", 3, "grants_language", "empty", "grants_level")


@pytest.mark.parametrize(("raw", "words"), [("0", ("at least 1",)), ("-6", ("at least 1",)),
                                            ("two", ("'two' is not a whole number",))])
def test_bad_validity_months(make_case: CaseMaker, raw: str, words: tuple[str, ...]) -> None:
    case = training_case(make_case, {"courses.csv": replace_line(
        KHMER_COURSE, f"khmer-intensive,Intensive Khmer language,khmer,2,{raw}"
    )})
    only_problem(case, "courses.csv", 2, "validity_months", *words)


def test_a_bad_course_row_does_not_cause_false_unknown_course_problems_in_sessions(
    make_case: CaseMaker,
) -> None:
    # Row 2 fails its own checks; its sessions, postings and completions still name a known id.
    case = training_case(make_case, {"courses.csv": replace_line(
        KHMER_COURSE, "khmer-intensive,Intensive Khmer language,khmer,9,24"
    )})
    only_problem(case, "courses.csv", 2, "grants_level", "out of range")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (add_lines("", "[training]", "min_days_before = 14"), "training.min_days_before"),
        (add_lines("", "[training]", "min_days_before_deployment = 14", "weight = 2"),
         "training.weight"),
        (add_lines("", "[trainings]", "min_days_before_deployment = 14"), "trainings"),
    ],
)
def test_unknown_training_key_in_rules(make_case: CaseMaker, change: object, field: str) -> None:
    case = make_case({"rules.toml": change})
    problem = only_problem(case, "rules.toml", None, field, "unknown key")
    assert "expected one of" in problem.message


@pytest.mark.parametrize(
    ("lines", "field", "words"),
    [
        (("", "[training]", "min_days_before_deployment = -1"),
         "training.min_days_before_deployment", ("negative",)),
        (("", "[training]", 'min_days_before_deployment = "two weeks"'),
         "training.min_days_before_deployment", ("'two weeks'", "not a whole number")),
        (("", "[training]", "min_days_before_deployment = 1.5"),
         "training.min_days_before_deployment", ("1.5", "not a whole number", "0 to 730 days")),
    ],
)
def test_bad_training_value_in_rules(
    make_case: CaseMaker, lines: tuple[str, ...], field: str, words: tuple[str, ...]
) -> None:
    case = make_case({"rules.toml": add_lines(*lines)})
    only_problem(case, "rules.toml", None, field, *words)


def test_negative_training_weight(make_case: CaseMaker) -> None:
    change = replace_line("preference = 5", "training = -2")
    case = make_case({"rules.toml": change})
    only_problem(case, "rules.toml", None, "weights.training", "negative")


# ---------------------------------------------------------------------------------------------
# nothing lost silently


@pytest.mark.parametrize(
    ("file", "old", "new", "row", "fields"),
    [
        ("postings.csv", PNH, "PNH,Phnom Penh,Asia/Phnom_Penh,1", 2, (4, 8)),
        ("officers.csv", "K-0003,Park Ji-ho,senior-officer,cyber;financial,Incheon Cyber Unit,",
         "K-0003,Park Ji-ho,senior-officer", 4, (3, 6)),
        ("courses.csv", "khmer-intensive,Intensive Khmer language", "khmer-intensive", 2, (1, 2)),
        ("demand.csv", "SHV,2026-01,2026-12,1,1", "SHV,2026-01,2026-12,1,1,", 4, (6, 5)),
    ],
)
def test_a_row_cut_short_or_too_long_is_one_problem(
    make_case: CaseMaker, file: str, old: str, new: str, row: int, fields: tuple[int, int]
) -> None:
    # The row's id stays known, so nothing that refers to it is reported as unknown.
    case = make_case({file: replace_line(old, new)})
    found, expected = fields
    only_problem(case, file, row, "", f"has {found} fields where the header has {expected}")


def test_a_value_under_a_column_without_a_name_is_a_problem(make_case: CaseMaker) -> None:
    case = make_case({"unavailability.csv": "officer,from,to,reason,\n"
                                            "K-0004,2026-03-01,2026-04-15,parental leave,\n"
                                            "K-0002,2026-09-01,2026-09-10,court,testimony\n"})
    only_problem(case, "unavailability.csv", 3, "", "column E", "no name")


@pytest.mark.parametrize(
    ("file", "line", "row", "first"),
    [
        ("certificates.csv", "K-0002,khmer,3,2025-03-01,2028-02-28", 5, 3),
        ("completed_courses.csv", "K-0004,cultural-sensitivity,2025-05-01,", 6, 5),
        ("unavailability.csv", "K-0004,2026-03-01,2026-04-15,parental leave", 4, 2),
        ("history.csv", "K-0003,PNH,2024-03-01,2024-08-31", 4, 3),
    ],
)
def test_a_fact_given_twice_is_a_warning_and_read_once(
    tiny_case: Path, make_case: CaseMaker, file: str, line: str, row: int, first: int
) -> None:
    case = make_case({file: add_lines(line)})
    loaded = read_case(case)
    assert [(Path(w.file).name, w.row) for w in loaded.warnings] == [(file, row)]
    assert f"repeats row {first} exactly" in loaded.warnings[0].message
    assert loaded.instance == load_case(tiny_case)


@pytest.mark.parametrize(
    ("file", "line", "row", "first"),
    [
        ("officers.csv", "K-0004,Choi Hae-won,officer,,Daegu Anti-Fraud Unit,SHV", 7, 5),
        ("demand.csv", "SHV,2026-01,2026-12,1,1", 5, 4),
        ("courses.csv", "cultural-sensitivity,Cambodian cultural sensitivity", 4, 3),
    ],
)
def test_a_thing_given_twice_is_an_error(
    make_case: CaseMaker, file: str, line: str, row: int, first: int
) -> None:
    # One message, not also a duplicate id or an overlapping demand row.
    case = make_case({file: add_lines(line)})
    only_problem(case, file, row, "", f"repeats row {first} exactly", "delete one")


def test_rows_that_differ_only_in_notes_are_the_same_row(tiny_case: Path,
                                                          make_case: CaseMaker) -> None:
    case = make_case({"unavailability.csv": "officer,from,to,reason,notes\n"
                                            "K-0004,2026-03-01,2026-04-15,parental leave,\n"
                                            "K-0004,2026-03-01,2026-04-15,parental leave,again\n"
                                            "K-0002,2026-09-01,2026-09-10,court testimony,\n"})
    loaded = read_case(case)
    assert [w.row for w in loaded.warnings] == [3]
    assert loaded.instance == load_case(tiny_case)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("certificate.csv", ("not a file of a case", "did you mean certificates.csv?")),
        ("Officers.csv", ("did you mean officers.csv?",)),
        ("history.tsv", ("did you mean history.csv?",)),
        ("rules.txt", ("did you mean rules.toml?",)),
        ("courses.xls", ("cannot be read", ".xlsx", "courses.csv")),
        ("roster.csv", ("not a file of a case", "officers.csv", "notes")),
    ],
)
def test_a_file_the_case_does_not_read_is_reported(
    make_case: CaseMaker, name: str, words: tuple[str, ...]
) -> None:
    case = make_case({name: "officer,language,level,valid_from\n"})
    only_problem(case, name, None, "", *words)


def test_an_export_in_the_case_folder_is_a_warning(tiny_case: Path, make_case: CaseMaker
                                                   ) -> None:
    loaded = read_case(make_case({"deployments.csv": "officer,posting,start,end\n"}))
    assert [(Path(w.file).name, w.message) for w in loaded.warnings] == [
        ("deployments.csv", "is what `rotation export` writes, not an input; keep exports "
         "outside the case folder")]
    assert loaded.instance == load_case(tiny_case)


def test_a_misnamed_required_file_is_one_problem(make_case: CaseMaker) -> None:
    # Not also "officers.csv: file is missing", nor every certificate's officer unknown.
    case = make_case({"officers.csv": None, "officer.csv": TINY_FILES["officers.csv"]})
    only_problem(case, "officer.csv", None, "", "did you mean officers.csv?")


@pytest.mark.parametrize("name", ["README.md", "notes.csv", "Notes on June.txt",
                                  "#draft.csv", ".DS_Store", "~$officers.xlsx"])
def test_documents_notes_and_hidden_files_are_left_alone(
    tiny_case: Path, make_case: CaseMaker, name: str
) -> None:
    assert load_case(make_case({name: "anything\n"})) == load_case(tiny_case)


def test_notes_columns_are_read_past(tiny_case: Path, make_case: CaseMaker) -> None:
    case = make_case({"officers.csv": lambda text: "\n".join(
        line + (",Notes,# asked" if i == 0 else ",prefers May,x")
        for i, line in enumerate(text.splitlines())) + "\n"})
    assert load_case(case) == load_case(tiny_case)


def test_the_missing_required_file_says_so_once(make_case: CaseMaker) -> None:
    # Every certificate, completion, absence and past deployment names an officer: none of them
    # is reported as unknown when officers.csv is not there.
    case = make_case({"officers.csv": None})
    only_problem(case, "officers.csv", None, "", "file is missing")


# ---------------------------------------------------------------------------------------------
# one cause, one message


def _semicolons(text: str) -> str:
    return "\n".join(";".join(f'"{c}"' if ";" in c else c for c in row)
                     for row in csv.reader(io.StringIO(text))) + "\n"


def _tabs(text: str) -> str:
    return "\n".join("\t".join(row) for row in csv.reader(io.StringIO(text))) + "\n"


@pytest.mark.parametrize(("convert", "said"), [(_semicolons, "semicolon"), (_tabs, "tab")])
def test_semicolon_and_tab_separated_files_are_read(
    tiny_case: Path, make_case: CaseMaker, convert: Callable[[str], str], said: str
) -> None:
    case = make_case({"postings.csv": convert, "officers.csv": convert})
    loaded = read_case(case)
    assert loaded.instance == load_case(tiny_case)
    reads = dict(loaded.reads)
    assert reads["postings.csv"] == f"2 rows ({said}-separated)"
    assert reads["demand.csv"] == "3 rows"


def test_a_file_that_is_not_utf8_is_one_problem(make_case: CaseMaker) -> None:
    case = make_case()
    text = TINY_FILES["officers.csv"].replace("Kim Min-jun", "김민준")
    (case / "officers.csv").write_bytes(text.encode("cp949"))
    problem = only_problem(case, "officers.csv", None, "", "not UTF-8", "CSV UTF-8")
    assert "cp949" in problem.message


def test_utf16_as_excel_writes_unicode_text_is_read(tiny_case: Path, make_case: CaseMaker
                                                     ) -> None:
    case = make_case()
    (case / "officers.csv").write_bytes(TINY_FILES["officers.csv"].encode("utf-16"))
    assert load_case(case) == load_case(tiny_case)


def test_a_workbook_saved_under_a_csv_name_is_one_problem(make_case: CaseMaker) -> None:
    case = make_case()
    (case / "postings.csv").write_bytes(b"PK\x03\x04 not really a workbook")
    only_problem(case, "postings.csv", None, "", "Excel workbook", "postings.xlsx")


@pytest.mark.parametrize(
    ("header", "words", "field"),
    [
        ("ID,Name,rank,specialties,home_unit,preferences",
         ("column 'ID' should be 'id'", "column 'Name' should be 'name'"), ""),
        ("id,name,specialities,home_unit,preferences,rank",
         ("column 'specialities' should be 'specialties'",), "specialities"),
        ("id,name,rank,specialties,home_unit,preferences,name",
         ("column 'name' appears twice",), "name"),
    ],
)
def test_a_header_it_does_not_know_is_one_problem(
    make_case: CaseMaker, header: str, words: tuple[str, ...], field: str
) -> None:
    def change(text: str) -> str:
        lines = text.splitlines()
        width = header.count(",") + 1
        return "\n".join([header, *(line + "," * (width - 1 - line.count(","))
                                    for line in lines[1:])]) + "\n"

    case = make_case({"officers.csv": change})
    only_problem(case, "officers.csv", 1, field, *words, "it must have id, name, rank")


def test_a_header_naming_no_column_asks_whether_it_is_the_right_file(make_case: CaseMaker
                                                                     ) -> None:
    case = make_case({"postings.csv": TINY_FILES["demand.csv"]})
    only_problem(case, "postings.csv", 1, "", "is this the right file?")


# ---------------------------------------------------------------------------------------------
# Korean and English values; credentials


@pytest.mark.parametrize(("written", "rank"), [("경사", "sergeant"), ("경위", "inspector"),
                                               ("총경", "senior-superintendent"),
                                               ("Senior officer", "senior-officer"),
                                               ("SERGEANT", "sergeant")])
def test_ranks_in_korean_or_english(make_case: CaseMaker, written: str, rank: str) -> None:
    case = make_case({"officers.csv": replace_line(
        "K-0002,Lee Seo-yeon,sergeant,,Busan Financial Crime Unit,PNH;SHV",
        f"K-0002,Lee Seo-yeon,{written},,Busan Financial Crime Unit,PNH;SHV")})
    assert load_case(case).officer_by_id["K-0002"].rank == rank


def test_the_rank_message_lists_korean_ranks_too(make_case: CaseMaker) -> None:
    case = make_case({"officers.csv": add_lines("K-0006,Han Ji-min,순경장,,,")})
    problem = only_problem(case, "officers.csv", 7, "rank", "'순경장' is not a rank")
    assert "sergeant (경사)" in problem.message


CREDENTIALS = """\
officer,credential,level,valid_from,valid_until
K-0001,khmer,2,2025-01-01,
K-0001,passport,,2020-05-01,2030-04-30
K-0002,khmer,3,2025-03-01,2028-02-28
K-0002,security-clearance,2,2025-01-01,2027-12-31
K-0003,khmer,1,2025-06-01,2027-05-31
"""


def test_credentials_of_any_kind_load(make_case: CaseMaker) -> None:
    case = make_case({
        "certificates.csv": CREDENTIALS,
        "postings.csv": POSTINGS_HEADER + ",required_credentials\n"
        + PNH + ',"passport, security-clearance>=2"\n' + SHV + ",\n",
        "courses.csv": "id,name,grants_credential,grants_level\n"
                       "khmer-intensive,Intensive Khmer language,khmer,2\n"
                       "cultural-sensitivity,Cambodian cultural sensitivity,,\n"
                       "passport-office,Passport application,passport,\n",
    })
    inst = load_case(case)
    pnh = inst.posting_by_id["PNH"]
    assert pnh.required_credentials == (("passport", 0), ("security-clearance", 2))
    assert [str(n) for n in requirements(pnh)] == [
        "khmer-intensive", "Khmer level 1", "passport", "Security clearance level 2"]
    kim = inst.officer_by_id["K-0001"]
    assert kim.certificates[1] == Credential("passport", 0, date(2020, 5, 1), date(2030, 4, 30))
    assert inst.course_by_id["passport-office"].grants_credential == "passport"


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        ("khmer>2", ("'khmer>2' is not credential or credential>=level",)),
        ("passport>=high", ("'passport>=high'",)),
        ("security>=7", ("out of range", "1 to 5")),
        ("passport;passport", ("names a credential twice",)),
        ("khmer>=2", ("min_khmer_level also sets",)),
    ],
)
def test_bad_required_credentials(make_case: CaseMaker, cell: str, words: tuple[str, ...]
                                  ) -> None:
    case = make_case({"certificates.csv": CREDENTIALS,
                      "postings.csv": POSTINGS_HEADER + ",required_credentials\n"
                      + PNH + f',"{cell}"\n' + SHV + ",\n"})
    only_problem(case, "postings.csv", 2, "required_credentials", *words)


def test_a_credential_nobody_holds_or_is_granted_is_a_warning(make_case: CaseMaker) -> None:
    case = make_case({"certificates.csv": CREDENTIALS,
                      "postings.csv": POSTINGS_HEADER + ",required_credentials\n"
                      + PNH + ",pasport\n" + SHV + ",\n"})
    (warning,) = read_case(case).warnings
    assert (Path(warning.file).name, warning.row, warning.field) == (
        "postings.csv", 2, "required_credentials")
    assert "no officer holds 'pasport' and no course grants it" in warning.message


def test_a_credential_without_a_level_may_not_be_given_as_a_language(make_case: CaseMaker
                                                                     ) -> None:
    # The older column means a language, which always has a level; the new one may have none.
    case = make_case({"certificates.csv": add_lines("K-0004,khmer,,2025-01-01,")})
    only_problem(case, "certificates.csv", 5, "level", "is empty", "older column name "
                 "'language' every row needs a level, 1 to 5")
    case = make_case({"certificates.csv": CREDENTIALS.replace("K-0001,passport,,",
                                                              "K-0001,khmer,,")})
    assert load_case(case).officer_by_id["K-0001"].certificates[1].level == 0


def test_credentials_without_levels_under_the_older_column_are_one_problem(
        make_case: CaseMaker) -> None:
    # A real case gave 180 lines of "a language needs its level", one per passport, all from
    # the one header: they are one problem, on the first such row, that says what to rename.
    officers = ["K-0001", "K-0002", "K-0003", "K-0004", "K-0005"]
    rows = [f"{o},passport,,202{y}-01-01," for y in range(3) for o in officers]
    rows += [f"{o},medical,,2025-09-01,2026-08-31" for o in officers]
    case = make_case({"certificates.csv": add_lines(*rows)})
    problem = only_problem(case, "certificates.csv", 5, "level", "is empty here and in 19 more "
                           "rows (passport, medical)", "rename the column 'language' to "
                           "'credential', where a blank level means none")
    assert problem.message.count("1 to 5") == 1
    # What it says is true: renamed, the same rows load, without levels.
    renamed = make_case({"certificates.csv": lambda text: add_lines(*rows)(
        text.replace("officer,language,", "officer,credential,"))})
    held = load_case(renamed).officer_by_id["K-0001"].certificates
    assert {(c.name, c.level) for c in held} == {("khmer", 2), ("passport", 0), ("medical", 0)}


def test_courses_granting_without_levels_under_the_older_column_are_one_problem(
        make_case: CaseMaker) -> None:
    courses = ["first-aid", "hostile-environment", "firearms", "diving"]
    rows = [f"{c},{c.title()},{c}-certificate,," for c in courses]
    case = training_case(make_case, {"courses.csv": add_lines(*rows)})
    only_problem(case, "courses.csv", 4, "grants_level", "is empty here and in 3 more rows "
                 "(first-aid-certificate, hostile-environment-certificate, "
                 "firearms-certificate, ...)", "rename the column 'grants_language' to "
                 "'grants_credential'")


def test_language_and_credential_columns_together_are_one_problem(make_case: CaseMaker) -> None:
    case = make_case({"certificates.csv": "officer,language,credential,level,valid_from\n"
                                          "K-0001,khmer,khmer,2,2025-01-01\n"})
    only_problem(case, "certificates.csv", 1, "credential",
                 "'language' and 'credential' name the same column")


# ---------------------------------------------------------------------------------------------
# many problems


def test_only_the_first_problems_are_kept_and_the_rest_counted_by_file(
        make_case: CaseMaker) -> None:
    # 700 rows, each with an unknown officer and two dates that are not dates; plus 30 rows
    # repeating one leave row (warnings: read once) and one bad row in officers.csv.
    bad = "".join(f"X-{i:04d},2026-13-01,someday,leave\n" for i in range(700))
    again = "K-0001,2026-08-01,2026-08-05,leave\n" * 31
    case = make_case({"unavailability.csv": "officer,from,to,reason\n" + bad + again,
                      "officers.csv": add_lines("K-0009,Nobody,general,,,")})
    with pytest.raises(InputError) as info:
        load_case(case)
    err = info.value
    assert len(err.problems) == 200
    leave = str(case / "unavailability.csv")
    # The officers' table is read first, so its one problem is kept; the rest are leave rows.
    assert [p.file for p in err.problems].count(str(case / "officers.csv")) == 1
    assert dict(err.more) == {leave: 3 * 700 - 199}
    text = str(err)
    total = 3 * 700 + 1
    assert text.startswith(f"{total:,} problems in the input (the first 200 shown):")
    assert f"  - and {err.more[leave]:,} more in {leave}" in text
    listed, warned = text.split("\nand 30 warnings:\n")
    assert listed.count("\n  - ") == 200 + 1
    assert warned.count("repeats row 702 exactly") == 30


def test_a_valid_case_with_many_warnings_keeps_the_first_and_counts_the_rest(
        make_case: CaseMaker) -> None:
    again = "K-0001,2026-08-01,2026-08-05,leave\n" * 251
    case = make_case({"unavailability.csv": "officer,from,to,reason\n" + again})
    loaded = read_case(case)
    assert len(loaded.warnings) == 201
    assert all("repeats row 2" in w.message for w in loaded.warnings[:200])
    assert loaded.warnings[-1].message == "and 50 more warnings like these"
    assert len(loaded.instance.officer_by_id["K-0001"].unavailability) == 1
